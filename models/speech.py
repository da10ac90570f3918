"""faster-whisper backends: Silero VAD (the accurate speech clock) and Whisper transcription.

VAD onsets land within ~50-80 ms of the true energy onset while Whisper's word times can be off
by ~0.5 s, so timing checks use VAD segments and the transcript only says what was said.
"""

from __future__ import annotations

import threading
from functools import cache

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps

from models.outputs import Segment, TranscriptSegment, Word
from models.registry import model_path

SAMPLE_RATE = 16_000
WHISPER_MODELS = {"tiny.en": "whisper_tiny_en", "base": "whisper_base"}
# Greedy decoding only. faster-whisper's temperature fallback (re-decode a window at 0.4, 0.8 when
# its text compresses like a loop) fired on real speech only where Whisper hallucinated a loop on
# unclear audio (a child, a mumble), tripled the transcript's cost there (bench/speech_medley.py:
# 7.0 s against 3.8 s of CPU per 120 s), and sampled another guess as unreliable as the first.
# drop_repetition_loops removes such loops instead.
LOOP_GAP_S = 2.0  # a repeat starting this soon after the same words ended is Whisper looping


def _words(segment: TranscriptSegment) -> str:
    return segment.text.lower().strip(" .,!?")


def drop_repetition_loops(segments: list[TranscriptSegment]) -> list[TranscriptSegment]:
    """Drop segments that repeat the segment just before them word for word and follow it within
    LOOP_GAP_S: Whisper's repetition loop on unclear speech (tv_real: "We'll see." seven times)."""
    kept: list[TranscriptSegment] = []
    previous: TranscriptSegment | None = None
    for segment in segments:
        looped = (previous is not None and _words(segment) and _words(segment) == _words(previous)
                  and segment.start - previous.end < LOOP_GAP_S)
        if not looped:
            kept.append(segment)
        previous = segment
    return kept


def speech_segments(samples: np.ndarray, min_silence_ms: int = 200, threshold: float = 0.5) -> list[Segment]:
    """Speech spans in 16 kHz mono audio, with no padding (padding would blur answer latency)."""
    if samples.size < SAMPLE_RATE // 10:
        return []
    model_path("silero_vad")  # verify the bundled file before faster-whisper loads it
    options = VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms, speech_pad_ms=0,
                         min_speech_duration_ms=120)
    stamps = get_speech_timestamps(samples.astype(np.float32), options, sampling_rate=SAMPLE_RATE)
    return [Segment(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


class WhisperRecognizer:
    """Transcribes with word times. Greedy decoding keeps it well faster than real time; a segment
    that comes out as a repetition loop (tiny.en on unclear speech: "We'll see." twelve times on
    dev-media tv_real) is decoded again at a higher temperature, which costs only on those, and
    what still loops is dropped (drop_repetition_loops).

    One thread by default: the audio runs beside the video stages, which keep both cores busy, and
    a second thread cost 1.0 s of CPU per 120 s of speech to save 0.2 s (same transcript)."""

    def __init__(self, size: str = "tiny.en", cpu_threads: int = 1):
        if size not in WHISPER_MODELS:
            raise ValueError(f"unknown Whisper model {size!r}; choose one of {sorted(WHISPER_MODELS)}")
        self.size = size
        self._model = WhisperModel(str(model_path(WHISPER_MODELS[size])), device="cpu", compute_type="int8",
                                   cpu_threads=cpu_threads, local_files_only=True)
        self._lock = threading.Lock()

    def transcribe(self, samples: np.ndarray, language: str | None = None) -> tuple[list[TranscriptSegment], str | None]:
        if samples.size < SAMPLE_RATE // 2:
            return [], None
        with self._lock:
            segments, info = self._model.transcribe(
                samples.astype(np.float32), language=language or ("en" if self.size.endswith(".en") else None),
                beam_size=1, temperature=0.0, word_timestamps=True, vad_filter=True,
                vad_parameters={"min_silence_duration_ms": 500}, condition_on_previous_text=False)
            result = [TranscriptSegment(
                start=s.start, end=s.end, text=s.text.strip(),
                words=tuple(Word(w.start, w.end, w.word.strip(), w.probability) for w in (s.words or ())))
                for s in segments]
        return drop_repetition_loops(result), info.language


@cache
def shared_recognizer(size: str = "tiny.en") -> WhisperRecognizer:
    return WhisperRecognizer(size)
