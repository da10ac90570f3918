"""Speaker turns and answer latency, on generated interviews with exact gaps and on a real call.

qa_dialog: synthetic questions, real answers after gaps of 0.3, 1, 2.5 and 4 s (truth to the sample).
pyannote_sample.wav: a real two-party telephone call with reference turns (.rttm). The gaps that
count are the speaker changes speaker90 <-> speaker91 where the next turn starts at or after the
end of the previous one (gap >= 0; overlapping changes have no latency): 0.43, 0.13 and 0.29 s.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from interview.audio import analyse_audio
from interview.checks.base import SessionContext, SessionInputs
from interview.checks.relay.check import RelayCheck
from interview.checks.relay.lipsync import GRID_HZ, band_envelopes
from interview.checks.relay.turns import (
    CANDIDATE,
    OTHER,
    Turn,
    build_turns,
    channel_parties,
    find_answers,
    is_question,
    spectral_split,
    starts_with_filler,
    turn_gaps,
    two_voices,
    utterances,
    voice_features,
)
from interview.config import AnalysisConfig
from interview.media import probe, read_audio, read_channel_power
from interview.recording import AUDIO_RATE, CHANNEL_POWER_HZ
from models.outputs import Segment, TranscriptSegment, Word
from tests.conftest import dev_file

TOLERANCE_S = 0.150


# -- rules on their own -------------------------------------------------------------------------

def test_question_and_filler_words():
    assert is_question("Why do you want to join our company?")
    assert is_question("tell me about your last project")
    assert not is_question("I worked on payments.")
    assert starts_with_filler("Hm, well, I think so")
    assert not starts_with_filler("Payments, mostly.")


def test_turns_merge_one_party_and_answers_need_a_gap():
    spans = [Segment(0, 1), Segment(1.2, 2), Segment(2.5, 4), Segment(4.5, 5), Segment(4.8, 6)]
    speakers = [OTHER, OTHER, CANDIDATE, OTHER, CANDIDATE]
    words = (Word(0.1, 0.5, "What", 1.0), Word(0.6, 0.9, "now?", 1.0), Word(2.6, 3.0, "Um,", 1.0))
    turns = build_turns(spans, speakers, (TranscriptSegment(0, 3, "What now? Um,", words),))
    assert [t.span for t in turns] == [Segment(0, 2), Segment(2.5, 4), Segment(4.5, 5), Segment(4.8, 6)]
    answers = find_answers(turns)
    assert len(answers) == 1  # the last change overlaps: no latency
    assert answers[0].latency_ms == pytest.approx(500)
    assert answers[0].is_question and answers[0].starts_with_filler
    assert turn_gaps([Turn(Segment(0, 1), "a"), Turn(Segment(1.3, 2), "b")]) == [(1, 1.3)]


def test_duplicated_mono_is_not_taken_for_one_party_per_channel():
    rng = np.random.default_rng(0)
    mono = rng.normal(size=AUDIO_RATE * 4).astype(np.float32)
    spans = [Segment(0.5, 1.5), Segment(2, 3)]
    hop = AUDIO_RATE // CHANNEL_POWER_HZ

    def power(stereo: np.ndarray) -> np.ndarray:
        return (stereo.astype(np.float64).reshape(2, -1, hop) ** 2).mean(axis=2)

    assert channel_parties(power(np.stack([mono, mono])), spans) is None
    split = np.stack([mono * 0, mono])
    split[0, AUDIO_RATE // 2:AUDIO_RATE * 3 // 2] = mono[:AUDIO_RATE]
    split[1, AUDIO_RATE // 2:AUDIO_RATE * 3 // 2] = 0
    assert channel_parties(power(split), spans).tolist() == [0, 1]


# -- generated interviews -----------------------------------------------------------------------

def _relay_on_audio_only(path) -> dict:
    media = probe(path)
    samples, _ = read_audio(media)
    ctx = SessionContext(media=media, audio=analyse_audio(samples, transcribe=False), analysed_frames=0,
                         channels=read_channel_power(media)[0])
    return RelayCheck(AnalysisConfig(), SessionInputs()).assess(ctx)


@pytest.mark.parametrize("stereo", [False, True], ids=["mono-voices", "stereo-channels"])
def test_answer_latencies_of_a_generated_interview(models_ready, stereo):
    from fixtures.dialog import qa_dialog

    fixture = qa_dialog(stereo=stereo)
    result = _relay_on_audio_only(fixture.path)
    truth = fixture.truth["turns"]
    answers = result.measurements["answers"]
    assert result.measurements["speaker_attribution"] == ("channels" if stereo else "voice")
    assert len(answers) == len(truth)
    for got, want in zip(answers, truth):
        assert abs(got["question_end_s"] - want["question_end_s"]) <= TOLERANCE_S
        assert abs(got["answer_start_s"] - want["answer_start_s"]) <= TOLERANCE_S
        assert abs(got["latency_ms"] / 1000 - want["gap_s"]) <= TOLERANCE_S
    latency = [f for f in result.findings if f.signal == "answer_latency"]
    assert latency and result.status == "review"  # median of 0.3, 1, 2.5, 4 s is 1.75 s


# -- a real call -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def call(models_ready):
    from models.speech import speech_segments

    path = dev_file("E_speech/pyannote_sample.wav")
    samples, _ = read_audio(probe(path))
    reference = []
    for line in path.with_suffix(".rttm").read_text().splitlines():
        fields = line.split()
        start, length = float(fields[3]), float(fields[4])
        reference.append(Turn(Segment(start, start + length), fields[7]))
    envelopes = band_envelopes(samples, AUDIO_RATE, int(samples.size / AUDIO_RATE * GRID_HZ))
    return samples, utterances(envelopes, speech_segments(samples)), reference


def _matched(found: list[tuple[float, float]], want: list[tuple[float, float]]) -> list[float]:
    """Gap errors (s) for each reference gap that has a measured change within 0.3 s."""
    errors = []
    for end, start in want:
        near = [(e, s) for e, s in found if abs(e - end) <= 0.3 and abs(s - start) <= 0.3]
        if near:
            e, s = min(near, key=lambda g: abs(g[0] - end) + abs(g[1] - start))
            errors.append((s - e) - (start - end))
    return errors


def test_reference_gaps_are_the_three_changes_with_a_silence(call):
    _, _, reference = call
    assert [round(s - e, 2) for e, s in turn_gaps(reference)] == [0.43, 0.13, 0.29]


def test_pauses_at_the_turn_changes_of_a_real_call_are_timed_within_150_ms(call):
    """The latency clock: utterance edges from VAD + speech level, against the reference gaps."""
    _, spans, reference = call
    pauses = [(a.end, b.start) for a, b in itertools.pairwise(spans)]
    errors = _matched(pauses, turn_gaps(reference))
    assert len(errors) == 3
    assert max(abs(e) for e in errors) <= TOLERANCE_S, errors


def test_voices_alone_find_most_turn_changes_of_a_real_call(call):
    """Two similar telephone voices: clustering finds 2 of the 3 timed changes (and some false ones)."""
    samples, spans, reference = call
    labels = two_voices(samples, AUDIO_RATE, spans)
    gaps = turn_gaps(build_turns(spans, [str(v) if v >= 0 else None for v in labels]))
    errors = _matched(gaps, turn_gaps(reference))
    assert len(errors) >= 2
    assert max(abs(e) for e in errors) <= TOLERANCE_S, errors


# -- voice separation at any length -------------------------------------------------------------

def _difference_tensor_split(z: np.ndarray) -> np.ndarray:
    """The original formulation, as the reference: the n x n x features difference tensor."""
    affinity = np.exp(-((z[:, None] - z[None]) ** 2).sum(axis=-1) / 0.5)
    degree = affinity.sum(axis=1)
    laplacian = np.eye(len(z)) - affinity / np.sqrt(degree[:, None] * degree[None])
    return np.linalg.eigh(laplacian)[1][:, 1] > 0


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return bool((a == b).all() or (a != b).all())


@pytest.mark.parametrize("stereo", [False, True], ids=["mono", "stereo"])
def test_voice_split_from_dot_products_is_the_difference_tensor_split(models_ready, stereo):
    """2 - 2 z.z^T gives the same groups as the n x n x 26 tensor it replaced, and the landmark
    subset (Nystroem extension, what sessions over ~25 min of speech use) the same groups again
    on half the pieces."""
    from fixtures.dialog import qa_dialog
    from models.speech import speech_segments

    samples, _ = read_audio(probe(qa_dialog(stereo=stereo).path))
    envelopes = band_envelopes(samples, AUDIO_RATE, int(samples.size / AUDIO_RATE * GRID_HZ))
    spans = utterances(envelopes, speech_segments(samples))
    labels = two_voices(samples, AUDIO_RATE, spans)
    assert _same_partition(two_voices(samples, AUDIO_RATE, spans, max_dense=len(spans) // 2), labels)
    feats = voice_features(samples, AUDIO_RATE, spans)
    z = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    assert (spectral_split(z) == _difference_tensor_split(z)).all()


def test_voice_split_of_three_hours_of_speech_stays_linear():
    """10 800 one-second pieces (3 h of speech; the difference tensor would be 24 GB) of two voices
    are split into the two voices."""
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(2, 26))
    truth = rng.integers(0, 2, 10_800)
    z = centres[truth] + rng.normal(scale=0.5, size=(truth.size, 26))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    assert _same_partition(spectral_split(z), truth.astype(bool))


def test_words_said_during_spans_are_those_a_scan_of_every_word_finds(models_ready):
    """texts_during searches words by their middles; on a real transcript (Whisper, word times) plus
    a segment without word times it picks what a scan of every word picks, in transcript order."""
    from interview.checks.relay.turns import texts_during

    samples, _ = read_audio(probe(dev_file("E_speech/pyannote_sample.wav")))
    audio = analyse_audio(samples)
    transcript = [*audio.transcript, TranscriptSegment(29.0, 29.8, "no word times", ())]
    assert sum(len(seg.words) for seg in transcript) > 40
    rng = np.random.default_rng(1)
    spans = [*audio.speech, Segment(0.0, 30.0), Segment(12.0, 12.0),
             *(Segment(a, a + d) for a, d in zip(rng.uniform(0, 30, 50), rng.uniform(0, 6, 50)))]

    def scanned(span: Segment) -> str:
        words = []
        for seg in transcript:
            if seg.words:
                words += [w.text for w in seg.words if span.start <= (w.start + w.end) / 2 < span.end]
            elif span.start <= (seg.start + seg.end) / 2 < span.end:
                words.append(seg.text)
        return " ".join(w.strip() for w in words if w.strip())

    found = texts_during(spans, transcript)
    assert found == [scanned(span) for span in spans]
    assert found[len(audio.speech)].endswith("no word times") and sum(bool(text) for text in found) > 40
