"""Speaker embedding with Resemblyzer's GE2E encoder, in numpy (no torch, no librosa).

The encoder is a 3-layer LSTM (40 -> 256) over 40-band mel power spectra (25 ms Hann window, 10 ms
hop, 16 kHz), whose last hidden state goes through a linear layer, a ReLU and L2 normalisation.
An utterance is cut into partials of 160 frames (1.6 s) at 1.3 per second; its embedding is the
normalised mean of theirs. This reproduces resemblyzer 0.1.4's `VoiceEncoder.embed_utterance`
with librosa 0.11's mel front end (checked against it: tests/test_voice_encoder.py and the
reference numbers of bench/voice_reference.py). Two voices match from a cosine of about 0.75
(interview/links/voice.py says where that comes from).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models.outputs import Waveform
from models.registry import model_path
from models.torch_pickle import load_checkpoint

RATE = 16_000
N_FFT, HOP, N_MELS = 400, 160, 40  # 25 ms window, 10 ms hop
PARTIAL_FRAMES = 160  # 1.6 s per partial utterance
PARTIALS_PER_S, MIN_COVERAGE = 1.3, 0.75
TARGET_DBFS = -30.0  # resemblyzer raises quieter audio to this level (never lowers it)
MAX_PARTIALS = 40  # ~30 s of speech, spread over the call: a stable voice, and a 3 h call costs the same
LAYERS = 3


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default): linear to 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(40, 201) triangular filters with Slaney area normalisation, as librosa.filters.mel builds them."""
    fft_hz = np.linspace(0, RATE / 2, 1 + N_FFT // 2)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(RATE / 2), N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def _mel(padded: np.ndarray, count: int) -> np.ndarray:
    """(count, 40) mel power of the 25 ms frames every 10 ms of a buffer that already holds each
    frame's surroundings (librosa >= 0.10 centres frames and pads the ends with zeros)."""
    frames = np.lib.stride_tricks.as_strided(padded, (count, N_FFT), (padded.strides[0] * HOP, padded.strides[0]))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power.astype(np.float32) @ mel_filters().T).astype(np.float32)


def partial_mel(wav: Waveform, start: int, gain: float = 1.0) -> np.ndarray:
    """Mel frames start .. start + PARTIAL_FRAMES of `wav` times `gain`, as librosa gives them for the
    whole (zeros beyond both ends; equal to float32 rounding, the BLAS product's rounding depends on
    its row count): only the samples those frames see are read, so an hour of speech costs what
    MAX_PARTIALS partials cost."""
    lo = start * HOP - N_FFT // 2
    piece = np.zeros((PARTIAL_FRAMES - 1) * HOP + N_FFT, np.float32)
    first, last = max(lo, 0), min(lo + piece.size, wav.size)
    if last > first:
        piece[first - lo:last - lo] = wav[first:last]
        if gain != 1.0:
            piece *= np.float32(gain)
    return _mel(piece, PARTIAL_FRAMES)


def volume_gain(rms: float, target_dbfs: float = TARGET_DBFS) -> float:
    """Factor that raises audio of this RMS to `target_dbfs`; 1 for silence or louder audio (never lowers)."""
    if rms == 0.0:
        return 1.0
    return max(1.0, float(10 ** ((target_dbfs - 20 * np.log10(rms)) / 20)))


def normalize_volume(wav: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """Raise quiet audio to `target_dbfs` RMS; the encoder sees linear power, so level matters."""
    gain = volume_gain(float(np.sqrt(np.mean(np.square(wav, dtype=np.float64)))) if wav.size else 0.0, target_dbfs)
    return wav * np.float32(gain) if gain > 1.0 else wav


def partial_starts(n_samples: int) -> list[int]:
    """First mel frame of each partial utterance (resemblyzer's compute_partial_slices)."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = int(np.round((RATE / PARTIALS_PER_S) / HOP))
    starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step))
    last = starts[-1] * HOP
    if len(starts) > 1 and (n_samples - last) / (PARTIAL_FRAMES * HOP) < MIN_COVERAGE:
        starts.pop()
    return starts


@dataclass(frozen=True)
class _Layer:
    w_ih: np.ndarray  # (256, 1024): input -> gates i, f, g, o
    w_hh: np.ndarray  # (256, 1024)
    bias: np.ndarray  # (1024,)


class VoiceEncoder:
    """`embed(wav)` -> unit 256-d voice vector of 16 kHz mono speech (silences already removed)."""

    def __init__(self, weights: dict[str, np.ndarray]):
        self.layers = [_Layer(weights[f"lstm.weight_ih_l{k}"].T.copy(), weights[f"lstm.weight_hh_l{k}"].T.copy(),
                              weights[f"lstm.bias_ih_l{k}"] + weights[f"lstm.bias_hh_l{k}"]) for k in range(LAYERS)]
        self.linear_w = weights["linear.weight"].T.copy()
        self.linear_b = weights["linear.bias"]

    @classmethod
    def load(cls) -> VoiceEncoder:
        return cls(load_checkpoint(model_path("voice_encoder"))["model_state"])

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        """(batch, frames, 40) -> (batch, 256) unit embeddings: LSTM, last hidden state, linear, ReLU.

        480 small matrix products in a row: on one BLAS thread, because threads that wake for each
        of them cost 60x more than the work on a busy 2-core machine (measured: 66 s against 1 s)."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"):
            return self._lstm(mels)

    def _lstm(self, mels: np.ndarray) -> np.ndarray:
        x = mels
        batch, steps, _ = x.shape
        for layer in self.layers:
            size = layer.w_hh.shape[0]
            projected = (x.reshape(-1, x.shape[2]) @ layer.w_ih + layer.bias).reshape(batch, steps, 4 * size)
            h = np.zeros((batch, size), np.float32)
            c = np.zeros((batch, size), np.float32)
            outputs = np.empty((batch, steps, size), np.float32)
            for t in range(steps):
                gates = projected[:, t] + h @ layer.w_hh
                i, f, g, o = np.split(gates, 4, axis=1)
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                outputs[:, t] = h
            x = outputs
        raw = np.maximum(0.0, h @ self.linear_w + self.linear_b)
        return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)

    def embed(self, wav: Waveform, gain: float = 1.0) -> np.ndarray:
        """Resemblyzer's embed_utterance of `wav` times `gain`: mean of the partial embeddings,
        normalised. Long speech is sampled to MAX_PARTIALS evenly spread partials."""
        starts = partial_starts(wav.size)
        if len(starts) > MAX_PARTIALS:
            starts = [starts[i] for i in np.linspace(0, len(starts) - 1, MAX_PARTIALS).round().astype(int)]
        partials = self._forward(np.stack([partial_mel(wav, s, gain) for s in starts]))
        mean = partials.mean(axis=0)
        return (mean / np.linalg.norm(mean)).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free logistic


_shared: VoiceEncoder | None = None


def shared_encoder() -> VoiceEncoder:
    """One encoder per process (loading reads 17 MB)."""
    global _shared
    if _shared is None:
        _shared = VoiceEncoder.load()
    return _shared
