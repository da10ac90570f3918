"""Who speaks when, and how long the candidate takes to answer.

Speech is cut into utterances at pauses of 100 ms or more: VAD (Silero) says where speech is, and
the speech-band level gives the edges to the 10 ms frame (VAD onsets come 50-80 ms late and it
can end a short word early). Each utterance is given to the candidate or to the other party by
the strongest evidence available: one party per stereo channel, else the candidate's mouth
moving or still during it, else the voice (two-voice clustering of MFCC statistics). Consecutive
utterances of one party make a turn; a change from the other party to the candidate is an
answer, and the silence before it is the answer latency.

People start answering about 200 ms after a question ends and rarely wait over a second before
saying something, even "hm, well". Answers relayed from someone off camera, or typed into a
prompter, start late and tend to come out fully formed.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
from scipy import signal
from scipy.fft import dct

from interview.checks.relay.lipsync import GRID_HZ
from interview.recording import CHANNEL_POWER_HZ
from models.outputs import Segment, TranscriptSegment, Waveform

CANDIDATE, OTHER = "candidate", "other"
MIN_PAUSE_S = 0.10  # shorter silences are stop consonants, not pauses
EDGE_LEVEL = 0.35  # speech edge: this far from the noise floor (10th percentile) to the speech level (90th)
MIN_VAD_SHARE = 0.1  # a loud run is speech when the voice detector heard speech in at least this share of it
CHUNK_S, MIN_CHUNK_S = 1.0, 0.3  # voices are compared on ~1 s pieces of speech
CHANNEL_DOMINANCE_DB = 6.0  # one party per channel: each utterance this much louder on one side
QUESTION_WORDS = ("what", "why", "how", "when", "where", "who", "which", "whose", "can you", "could you",
                  "would you", "will you", "do you", "did you", "have you", "are you", "is there", "tell me",
                  "describe", "explain", "walk me")
FILLERS = ("um", "uh", "er", "erm", "hm", "hmm", "mm", "well", "so", "okay", "ok", "yeah", "right", "oh", "ah")


@dataclass(frozen=True)
class Turn:
    span: Segment
    speaker: str
    text: str = ""


@dataclass(frozen=True)
class Answer:
    """A change from the other party to the candidate, and the silence between them."""

    question_end_s: float
    answer_start_s: float
    question_text: str
    is_question: bool  # the other party's turn reads as a question (needs a transcript)
    starts_with_filler: bool

    @property
    def latency_ms(self) -> float:
        return (self.answer_start_s - self.question_end_s) * 1000

    def to_dict(self) -> dict:
        return {"question_end_s": round(float(self.question_end_s), 3),
                "answer_start_s": round(float(self.answer_start_s), 3),
                "latency_ms": round(float(self.latency_ms)), "question_text": self.question_text}


def speech_level_db(envelopes: np.ndarray) -> np.ndarray:
    """Level of the 300-3000 Hz band per 10 ms frame, in dB, from lipsync.band_envelopes."""
    return 10 * np.log10(np.exp(envelopes[:, 1:4]).sum(axis=1) + 1e-12)


def utterances(envelopes: np.ndarray, speech: tuple[Segment, ...] | list[Segment]) -> list[Segment]:
    """Stretches of speech between pauses of MIN_PAUSE_S or more, with level-accurate edges.

    A loud run counts when VAD heard speech in at least MIN_VAD_SHARE of it: a door slam is loud,
    not speech, and a steady tone or fan noise that a VAD blip touches must not turn into seconds
    of "speech" (Chromium's fake microphone: an 8 s beep with under 0.5 s of VAD became 7 s of
    speech). Real speech runs on the dev media have shares from 0.17 (mumbled, tv_real) to 1. A
    VAD segment with no such run (quiet speech, or speech inside a long noise) is kept as VAD gave it.
    """
    frames = envelopes.shape[0]
    if frames == 0 or not speech:
        return []
    level = speech_level_db(envelopes)
    in_vad = np.zeros(frames, bool)
    for seg in speech:
        in_vad[int(seg.start * GRID_HZ):int(np.ceil(seg.end * GRID_HZ))] = True
    floor, loud = np.percentile(level, 10), np.percentile(level[in_vad], 90) if in_vad.any() else level.max()
    voiced = _close_gaps(level >= floor + EDGE_LEVEL * (loud - floor), int(MIN_PAUSE_S * GRID_HZ))
    runs = _runs(voiced)
    kept = [Segment(a / GRID_HZ, b / GRID_HZ) for a, b in runs if in_vad[a:b].mean() >= MIN_VAD_SHARE]
    quiet = [seg for seg in speech if not any(seg.overlap(run) > 0 for run in kept)]
    return sorted(kept + quiet)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the true runs of a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _close_gaps(mask: np.ndarray, shorter_than: int) -> np.ndarray:
    """Fill false runs shorter than `shorter_than` frames that lie between true frames."""
    out = mask.copy()
    for a, b in _runs(~mask):
        if b - a < shorter_than and a > 0 and b < mask.size:
            out[a:b] = True
    return out


def _mel_filters(rate: int, nfft: int = 512, bands: int = 24, fmin: float = 80.0) -> np.ndarray:
    mel = np.linspace(2595 * np.log10(1 + fmin / 700), 2595 * np.log10(1 + 0.475 * rate / 700), bands + 2)
    edges = 700 * (10 ** (mel / 2595) - 1)
    freqs = np.fft.rfftfreq(nfft, 1 / rate)
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.clip(np.minimum((freqs - left) / (centre - left), (right - freqs) / (right - centre)), 0, None)


def _power_spectrogram(piece: np.ndarray, length: int, hop: int, nfft: int = 512) -> np.ndarray:
    """|STFT|^2 (bins x frames) with a Hann window, zero-padded by half a window at both ends like
    scipy.signal.stft, up to a constant factor (which only moves the 0th cepstrum, not used here);
    numpy's FFT on strided frames is ~20x faster than scipy.signal.stft on these short windows."""
    padded = np.concatenate([np.zeros(length // 2, np.float32), piece.astype(np.float32, copy=False),
                             np.zeros(length // 2 + (-(piece.size) % hop), np.float32)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, length)[::hop] * signal.get_window("hann", length)
    return (np.abs(np.fft.rfft(frames, n=nfft, axis=1)) ** 2).T


def voice_features(samples: Waveform, rate: int, spans: list[Segment]) -> np.ndarray:
    """Per span: mean and spread of 13 MFCCs over its loud frames (timbre, not words)."""
    hop, length = rate // GRID_HZ, int(0.025 * rate)
    filters = _mel_filters(rate)
    rows = []
    for span in spans:
        piece = samples[int(span.start * rate):max(int(span.end * rate), int(span.start * rate) + length)]
        power = _power_spectrogram(piece, length, hop)
        cepstra = dct(np.log(filters @ power + 1e-10), axis=0, norm="ortho")[1:14].T
        energy = 10 * np.log10(power.sum(axis=0) + 1e-12)
        frames = cepstra[energy >= energy.max() - 30]
        rows.append(np.concatenate([frames.mean(axis=0), frames.std(axis=0)]))
    return np.array(rows)


def _chunks(spans: list[Segment]) -> tuple[list[Segment], np.ndarray]:
    """~CHUNK_S pieces of each span (pieces under MIN_CHUNK_S dropped) and the span each came from."""
    pieces, owners = [], []
    for k, span in enumerate(spans):
        count = max(1, round(span.duration / CHUNK_S))
        edges = np.linspace(span.start, span.end, count + 1)
        for a, b in itertools.pairwise(edges):
            if b - a >= MIN_CHUNK_S:
                pieces.append(Segment(float(a), float(b)))
                owners.append(k)
    return pieces, np.array(owners, int)


AFFINITY_SCALE = 0.5  # affinity exp(-d^2 / scale) between unit rows
MAX_DENSE_PIECES = 1500  # ~25 min of speech: an exact eigenproblem on 18 MB; beyond it, a landmark subset


def _affinity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """exp(-|a_i - b_j|^2 / scale) for unit rows, from their dot products (|a - b|^2 = 2 - 2 a.b):
    one n x m matrix, never the n x m x features differences."""
    return np.exp(-np.clip(2.0 - 2.0 * (a @ b.T), 0.0, None) / AFFINITY_SCALE)


def spectral_split(z: np.ndarray, max_dense: int = MAX_DENSE_PIECES) -> np.ndarray:
    """The side of each row of `z` (unit rows) in the normalised-cut split into two groups: the
    sign of the eigenvector of the second-smallest eigenvalue of the normalised graph Laplacian.

    Up to `max_dense` rows the eigenproblem is solved exactly. Beyond, it is solved on `max_dense`
    rows spread evenly over the session (a landmark subset) and extended to every row by the
    Nystroem formula, v_i ~ sum_j A_ij v_j / sqrt(d_j) (the row's own degree is positive and does not
    change the sign), in blocks: memory and time grow linearly with the session, not with its square.
    """
    n = len(z)
    landmarks = z if n <= max_dense else z[np.linspace(0, n - 1, max_dense).round().astype(int)]
    affinity = _affinity(landmarks, landmarks)
    degree = affinity.sum(axis=1)
    laplacian = np.eye(len(landmarks)) - affinity / np.sqrt(degree[:, None] * degree[None])
    vector = np.linalg.eigh(laplacian)[1][:, 1]
    if n <= max_dense:
        return vector > 0
    weights = vector / np.sqrt(degree)
    block = max(1, 4_000_000 // len(landmarks))
    return np.concatenate([_affinity(z[i:i + block], landmarks) @ weights > 0 for i in range(0, n, block)])


def two_voices(samples: Waveform, rate: int, spans: list[Segment], max_dense: int = MAX_DENSE_PIECES) -> np.ndarray:
    """Split spans between two voices (labels 0/1; -1 for spans too short to tell).

    Spectral clustering of ~1 s pieces on standardised MFCC statistics, then a majority vote per
    span. It separates a synthetic and a real voice cleanly, and two similar female telephone
    voices (pyannote's sample) on most pieces; it always finds two groups, so a monologue is split too.
    """
    labels = np.full(len(spans), -1)
    pieces, owners = _chunks(spans)
    if len(pieces) < 4:
        return labels
    feats = voice_features(samples, rate, pieces)
    z = (feats - feats.mean(axis=0)) / np.maximum(feats.std(axis=0), 1e-6)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    group = spectral_split(z, max_dense).astype(int)
    lengths = np.array([p.duration for p in pieces])
    for k in range(len(spans)):
        mine = owners == k
        if mine.any():
            labels[k] = int(np.average(group[mine], weights=lengths[mine]) >= 0.5)
    return labels


def channel_parties(power: np.ndarray | None, spans: list[Segment]) -> np.ndarray | None:
    """Channel (0/1) of each span when the recording has one party per stereo channel, else None
    (also without channels: a live call's audio is mono). `power`: (channels, frames) mean power
    per 1/CHANNEL_POWER_HZ s (SessionContext.channels)."""
    if power is None or power.ndim != 2 or power.shape[0] < 2 or not spans:
        return None
    diffs = []
    for span in spans:
        part = power[:2, int(span.start * CHANNEL_POWER_HZ):int(span.end * CHANNEL_POWER_HZ)]
        energy = part.mean(axis=1) + 1e-12
        diffs.append(10 * np.log10(energy[0] / energy[1]))
    diffs = np.array(diffs)
    lengths = np.array([s.duration for s in spans])
    separated = np.abs(diffs) >= CHANNEL_DOMINANCE_DB
    left, right = lengths[diffs > 0].sum(), lengths[diffs < 0].sum()
    if lengths[separated].sum() < 0.8 * lengths.sum() or min(left, right) < 0.1 * lengths.sum():
        return None
    return (diffs < 0).astype(int)


def texts_during(spans: list[Segment], transcript: tuple[TranscriptSegment, ...] | list[TranscriptSegment]) -> list[str]:
    """For each span, the transcript words whose middle falls in it, in transcript order (whole
    segments where there are no word times). A binary search per span over the words sorted by
    their middles: a three-hour session has ~2000 spans and ~30 000 words."""
    pieces: list[tuple[str, float]] = []
    for seg in transcript:
        pieces += [(w.text, (w.start + w.end) / 2) for w in seg.words] if seg.words else [(seg.text, (seg.start + seg.end) / 2)]
    middles = np.array([middle for _, middle in pieces], float)
    order = np.argsort(middles, kind="stable")
    ordered = middles[order]
    texts = []
    for span in spans:
        lo, hi = np.searchsorted(ordered, [span.start, span.end], side="left")
        said = (pieces[i][0].strip() for i in np.sort(order[lo:hi]))
        texts.append(" ".join(text for text in said if text))
    return texts


def is_question(text: str) -> bool:
    lowered = text.lower().strip()
    return "?" in lowered or any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in QUESTION_WORDS)


def starts_with_filler(text: str) -> bool:
    first = re.findall(r"[a-z']+", text.lower())[:1]
    return bool(first) and first[0] in FILLERS


def build_turns(spans: list[Segment], speakers: list[str | None],
                transcript: tuple[TranscriptSegment, ...] | list[TranscriptSegment] = ()) -> list[Turn]:
    """Merge consecutive utterances of one party into turns; unattributed utterances are left out."""
    groups: list[tuple[str, list[Segment]]] = []
    for span, speaker in zip(spans, speakers):
        if speaker is None:
            continue
        if groups and groups[-1][0] == speaker:
            groups[-1][1].append(span)
        else:
            groups.append((speaker, [span]))
    wholes = [Segment(parts[0].start, parts[-1].end) for _, parts in groups]
    return [Turn(whole, speaker, text) for whole, (speaker, _), text in zip(wholes, groups, texts_during(wholes, transcript))]


def find_answers(turns: list[Turn]) -> list[Answer]:
    """Every change from the other party to the candidate that starts after the other party stopped."""
    answers = []
    for before, after in itertools.pairwise(turns):
        if before.speaker == OTHER and after.speaker == CANDIDATE and after.span.start >= before.span.end:
            answers.append(Answer(before.span.end, after.span.start, before.text, is_question(before.text),
                                  starts_with_filler(after.text)))
    return answers


def turn_gaps(turns: list[Turn]) -> list[tuple[float, float]]:
    """(end of a turn, start of the next one by someone else) wherever a silence separates them.

    Works on overlapping reference turns too (e.g. an .rttm): a change counts only when no other
    turn is still running at the first one's end or starts in between.
    """
    gaps = []
    for a in sorted(turns, key=lambda t: t.span.end):
        later = [b for b in turns if b.speaker != a.speaker and b.span.start >= a.span.end]
        if not later:
            continue
        b = min(later, key=lambda t: t.span.start)
        if not any(t is not a and t is not b and t.span.end > a.span.end and t.span.start < b.span.start for t in turns):
            gaps.append((a.span.end, b.span.start))
    return gaps
