"""Audio analysis in blocks (what keeps hours of audio in bounded memory) against the whole
recording at once, on real speech: whisper_jfk.flac (11 s, four phrases) and pyannote's call."""

from __future__ import annotations

import pytest

from interview.audio import detect_speech, transcribe_blocks, transcript_blocks
from interview.media import probe, read_audio
from interview.timeline import Segment
from tests.conftest import dev_file


@pytest.mark.parametrize("name", ["E_speech/whisper_jfk.flac", "E_speech/pyannote_sample.wav"])
def test_speech_found_in_blocks_is_the_speech_found_at_once(models_ready, name):
    samples, _ = read_audio(probe(dev_file(name)))
    whole = detect_speech(samples)
    blocked = detect_speech(samples, block_s=10.0, margin_s=5.0)
    assert len(blocked) == len(whole)
    for a, b in zip(whole, blocked):
        assert abs(a.start - b.start) <= 0.08 and abs(a.end - b.end) <= 0.08, (whole, blocked)  # VAD onsets err by 50-80 ms


def test_transcript_blocks_are_cut_in_pauses_and_cover_the_recording():
    speech = [Segment(10.0 * i, 10.0 * i + 8.0) for i in range(100)]
    blocks = transcript_blocks(1000.0, speech, block_s=300.0)
    assert blocks[0][0] == 0.0 and blocks[-1][1] == 1000.0
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    assert all(not any(cut in s for s in speech) for _, cut in blocks[:-1])
    assert all(end - start <= 300.0 for start, end in blocks)


def test_a_transcript_in_blocks_has_the_words_at_their_times(models_ready):
    samples, _ = read_audio(probe(dev_file("E_speech/whisper_jfk.flac")))
    speech = detect_speech(samples)
    whole, _ = transcribe_blocks(samples, speech, "tiny.en")
    blocked, _ = transcribe_blocks(samples, speech, "tiny.en", block_s=6.0)
    def timed(transcript) -> dict[str, float]:
        return {w.text.lower().strip(",.!?"): w.start for seg in transcript for w in seg.words}

    words, parts = timed(whole), timed(blocked)
    shared = words.keys() & parts.keys()  # a 6 s block has less context: a word or two may differ
    assert len(shared) >= 0.8 * len(words)
    assert all(abs(words[w] - parts[w]) <= 0.5 for w in shared), (words, parts)  # Whisper word times err by ~0.5 s
