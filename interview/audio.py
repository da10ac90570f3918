"""Audio analysis, once per session: VAD (the timing clock) and the transcript."""

from __future__ import annotations

import numpy as np

from interview.observations import AudioAnalysis
from interview.recording import AUDIO_RATE


def analyse_audio(samples: np.ndarray, whisper_model: str = "tiny.en", transcribe: bool = True) -> AudioAnalysis:
    """Speech segments and transcript of 16 kHz mono audio (empty audio gives empty results)."""
    from models.speech import shared_recognizer, speech_segments

    speech = speech_segments(samples)
    transcript, language = (shared_recognizer(whisper_model).transcribe(samples)
                            if transcribe and speech else ([], None))
    return AudioAnalysis(duration=samples.size / AUDIO_RATE, sample_rate=AUDIO_RATE, speech=tuple(speech),
                         transcript=tuple(transcript), language=language, samples=samples)
