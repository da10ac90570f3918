"""The candidate's voice as one embedding, and when two of them are the same speaker.

Only speech attributed to the candidate goes in (the relay check's candidate turns; all speech
when nobody else was heard), concatenated without the silences, as resemblyzer trims them. The
threshold comes from dev-media (bench/links_separation.py): same-speaker pairs of different
recordings scored 0.80-0.93, different speakers at most 0.78 (see README, Links).
"""

from __future__ import annotations

import numpy as np

from models.outputs import Segment

VOICE_THRESHOLD = 0.80
MIN_SPEECH_S = 2.0  # resemblyzer needs a partial of 1.6 s; less says little about a voice


def speech_of(samples: np.ndarray, rate: int, spans: list[Segment]) -> np.ndarray:
    """The samples inside `spans`, joined."""
    pieces = [samples[int(s.start * rate):int(s.end * rate)] for s in spans]
    return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


def voice_embedding(samples: np.ndarray, rate: int, spans: list[Segment]) -> np.ndarray | None:
    """Unit 256-d voice vector of the speech in `spans`, or None with under MIN_SPEECH_S of it."""
    from models.voice_encoder import normalize_volume, shared_encoder

    speech = speech_of(samples, rate, spans)
    if speech.size < MIN_SPEECH_S * rate:
        return None
    return shared_encoder().embed(normalize_volume(speech))
