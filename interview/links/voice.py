"""The candidate's voice as one embedding, and when two of them are the same speaker.

Only speech attributed to the candidate goes in (the relay check's candidate turns; all speech
when nobody else was heard), concatenated without the silences, as resemblyzer trims them. The
threshold comes from dev-media (bench/links_separation.py): same-speaker pairs of different
recordings scored 0.80-0.93, different speakers at most 0.78 (see README, Links).
"""

from __future__ import annotations

import numpy as np

from models.outputs import Segment, Waveform

VOICE_THRESHOLD = 0.80
MIN_SPEECH_S = 2.0  # resemblyzer needs a partial of 1.6 s; less says little about a voice


class JoinedSpeech:
    """The samples inside `spans`, joined without copying them: the encoder reads only its partials,
    so an hour of speech is never copied whole (3 hours of it would be 690 MB of float32)."""

    def __init__(self, samples: Waveform, rate: int, spans: list[Segment]):
        bounds = [(max(0, int(s.start * rate)), min(samples.size, int(s.end * rate))) for s in spans]
        self._samples = samples
        self._pieces = [(lo, hi) for lo, hi in bounds if hi > lo]
        self._offsets = np.cumsum([0] + [hi - lo for lo, hi in self._pieces])  # where each piece starts, joined
        self.size = int(self._offsets[-1])

    def __getitem__(self, span: slice) -> np.ndarray:
        """Joined samples span.start .. span.stop (step 1)."""
        first, last, _ = span.indices(self.size)
        out = [np.zeros(0, np.float32)]
        for (lo, hi), offset in zip(self._pieces, self._offsets):
            a, b = max(first, offset), min(last, offset + hi - lo)
            if a < b:
                out.append(self._samples[lo + a - offset:lo + b - offset])
        return np.concatenate(out)

    def rms(self) -> float:
        if self.size == 0:
            return 0.0
        energy = sum(float(np.square(self._samples[lo:hi], dtype=np.float64).sum()) for lo, hi in self._pieces)
        return float(np.sqrt(energy / self.size))


def voice_embedding(samples: Waveform, rate: int, spans: list[Segment]) -> np.ndarray | None:
    """Unit 256-d voice vector of the speech in `spans`, or None with under MIN_SPEECH_S of it."""
    from models.voice_encoder import shared_encoder, volume_gain

    speech = JoinedSpeech(samples, rate, spans)
    if speech.size < MIN_SPEECH_S * rate:
        return None
    return shared_encoder().embed(speech, gain=volume_gain(speech.rms()))
