"""Lip-sync: how far the voice is shifted against the mouth that should be making it.

The mouth is described by three landmark distances (inner-lip gap, outer-lip gap, mouth width,
each over the eye distance, so face size and zoom cancel out); the voice by log energies in five
speech bands. Both are put on one 100 Hz clock (the mouth interpolated at the real frame times,
so irregular sampling costs no offset), band-passed to syllable rates (1-10 Hz) and
differentiated, which keeps the openings and onsets and drops slow loudness and pose drift.

At each lag in +-1 s the best linear match between the two sides is found (the first canonical
correlation), so no single hand-picked mouth feature or audio band has to carry the signal. That
curve peaks at the offset; syllables repeat every ~250 ms, so the side lobes are real and the
peak's prominence over the rest of the curve (a z-score) is what says how sure the peak is.
Windows of 6 s give the offset over time; their curves, averaged, give the session's.

Positive offsets mean the audio lags the video (a voice changer or relay in the audio path);
negative ones mean the picture lags (a face swap delays the video).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal

from interview.face_landmarks import LIPSYNC_FRONTAL_POSE
from models.outputs import Face, Segment, Waveform

GRID_HZ = 100
MAX_LAG_S = 1.0
WINDOW_S = 6.0
HOP_S = 3.0
MAX_FRAME_GAP_S = 0.25  # mouth values are interpolated across shorter gaps between analysed frames only
SPEECH_BANDS_HZ = ((100, 300), (300, 800), (800, 1500), (1500, 3000), (3000, 6000))
MOTION_BAND_HZ = (1.0, 10.0)
# Shortest stretch the band-pass runs on (its edges need ~0.15 s each side). It was 3 s, which left
# 3 s sentences (GRID's 2.97 s clips) with no estimate at all; at 1 s their shifts are recovered
# (bench/genuine_sync.py), though rarely above chance.
MIN_MOTION_S = 1.0
PIECE_ROWS = 10 * 60 * GRID_HZ  # series longer than ten minutes are filtered and whitened in pieces
PIECE_MARGIN_S = 30.0
MIN_EYE_DISTANCE_PX = 20.0  # smaller faces give lip distances of a pixel or two: noise
MIN_USABLE_SHARE = 0.6  # a window is used when this share of it has a frontal face
MIN_VOICE_SHARE = 0.3  # ... and this share has voice
MIN_TALKING_S = 1.0  # ... and this long the voice is heard while the mouth moves (not a listener)
LOUD_RANGE_DB = 20.0
# Peak prominence (z) of the lag curve that maps to confidence 0 and 1. Chosen on the 4 dev talking
# heads with their own audio (z 4.2-5.1 at 25-30 fps, 3.4-5.0 at 15 fps) against 6 mismatched
# pairs (someone else's audio: z 2.2-3.4).
Z_CHANCE, Z_SURE = 3.2, 4.4
CONFIDENT = 0.5  # windows at least this confident count for spread and drift
# Mouth-shape speed (eye distances per second, summed over the three distances, 0.3 s average)
# above which the mouth counts as moving. While their own speech plays, the 4 dev talking heads
# move at 0.34-0.49 (5th percentile) and 0.64-1.5 (median); the listening man of tv_real.mp4
# (the voice is someone else's) at 0.07-0.21.
MOVING = 0.25

# MediaPipe 478-point mesh: inner lips 13/14, outer lips 0/17, mouth corners 61/291, eye corners 33/263.
_INNER_LIPS, _OUTER_LIPS, _CORNERS, _EYES = (13, 14), (0, 17), (61, 291), (33, 263)


def mouth_shape(face: Face) -> np.ndarray | None:
    """(inner gap, outer gap, width) over the eye distance; None when the face is too small to measure."""
    points = face.landmarks[:, :2]

    def distance(pair: tuple[int, int]) -> float:
        return float(np.linalg.norm(points[pair[0]] - points[pair[1]]))

    eyes = distance(_EYES)
    if eyes < MIN_EYE_DISTANCE_PX:
        return None
    return np.array([distance(_INNER_LIPS), distance(_OUTER_LIPS), distance(_CORNERS)]) / eyes


def is_frontal(face: Face) -> bool:
    return LIPSYNC_FRONTAL_POSE.allows(face.pose.yaw, face.pose.pitch)


@dataclass
class MouthTrack:
    """Mouth shapes of the main face at the analysed frames where it was frontal and large enough."""

    times: list[float] = field(default_factory=list)
    shapes: list[np.ndarray] = field(default_factory=list)

    def add(self, t: float, face: Face | None) -> bool:
        """Record the face's mouth at t; False (nothing recorded) when it cannot be measured."""
        shape = mouth_shape(face) if face is not None and is_frontal(face) else None
        if shape is None:
            return False
        self.times.append(t)
        self.shapes.append(shape)
        return True

    def __len__(self) -> int:
        return len(self.times)

    def on_grid(self, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shapes linearly interpolated at `grid` times (n, 3), and where that is valid: between two
        measured frames at most MAX_FRAME_GAP_S apart."""
        values = np.zeros((grid.size, 3))
        if len(self.times) < 2:
            return values, np.zeros(grid.size, bool)
        times, shapes = np.asarray(self.times), np.asarray(self.shapes)
        for k in range(3):
            values[:, k] = np.interp(grid, times, shapes[:, k])
        after = np.clip(np.searchsorted(times, grid), 1, times.size - 1)
        valid = (grid >= times[0]) & (grid <= times[-1]) & (times[after] - times[after - 1] <= MAX_FRAME_GAP_S)
        return values, valid


def mouth_activity(track: MouthTrack, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How fast the mouth changes shape at each grid time, and where that is known (see MOVING)."""
    shapes, valid = track.on_grid(grid)
    smooth = signal.butter(2, 8.0, fs=GRID_HZ, output="sos") if grid.size > 3 * GRID_HZ else None
    speed = by_pieces(lambda part: np.abs(np.gradient(part if smooth is None else signal.sosfiltfilt(smooth, part, axis=0),
                                                      axis=0) * GRID_HZ).sum(axis=1), shapes)
    width = int(0.3 * GRID_HZ)
    return np.convolve(speed, np.ones(width) / width, mode="same"), valid


def band_envelopes(samples: Waveform, rate: int, frames: int, chunk_s: float = 60.0) -> np.ndarray:
    """Log RMS in each speech band per 1/GRID_HZ s frame (frame i covers [i, i+1) / GRID_HZ).

    Zero-phase band filters (a causal filter would delay the voice by its group delay), run over
    chunks with a second of margin so an hour of audio never sits in memory as float64 per band.
    """
    hop = rate // GRID_HZ
    out = np.full((frames, len(SPEECH_BANDS_HZ)), 1e-10)
    filters = [signal.butter(4, band, btype="band", fs=rate, output="sos") for band in SPEECH_BANDS_HZ]
    step, margin = int(chunk_s * GRID_HZ), GRID_HZ
    for first in range(0, frames, step):
        last = min(frames, first + step)
        lo, hi = max(0, first - margin) * hop, min(samples.size, (last + margin) * hop)
        if hi - lo < 4 * hop:
            break
        piece = samples[lo:hi].astype(np.float64)
        skip = first * hop - lo
        count = min(last - first, (piece.size - skip) // hop)
        if count <= 0:
            break
        for k, sos in enumerate(filters):
            band = signal.sosfiltfilt(sos, piece)[skip:skip + count * hop]
            out[first:first + count, k] = np.mean(band.reshape(count, hop) ** 2, axis=1)
    return np.log(out + 1e-10)


def motion(values: np.ndarray) -> np.ndarray:
    """Band-pass each column to syllable rates (zero phase, so no delay is added) and differentiate."""
    if values.shape[0] < MIN_MOTION_S * GRID_HZ:
        return np.zeros_like(values)
    sos = signal.butter(2, MOTION_BAND_HZ, btype="band", fs=GRID_HZ, output="sos")
    return by_pieces(lambda part: np.gradient(signal.sosfiltfilt(sos, part, axis=0), axis=0), values)


def pieces(rows: int) -> list[slice]:
    """Consecutive slices of at most PIECE_ROWS rows covering `rows`: how long series are worked
    through (a copy of a three-hour 100 Hz series is 26-43 MB, and these computations made several)."""
    return [slice(first, min(rows, first + PIECE_ROWS)) for first in range(0, rows, PIECE_ROWS)]


def by_pieces(transform: Callable[[np.ndarray], np.ndarray], values: np.ndarray) -> np.ndarray:
    """transform(values), for a transform whose rows depend only on nearby rows (these zero-phase
    filters forget within a second), a piece at a time, each read with PIECE_MARGIN_S on both sides.
    A series of one piece is transformed whole, exactly as it was before pieces."""
    parts = pieces(values.shape[0])
    if len(parts) <= 1:
        return transform(values)
    margin = int(PIECE_MARGIN_S * GRID_HZ)
    out = None
    for part in parts:
        lo, hi = max(0, part.start - margin), min(values.shape[0], part.stop + margin)
        piece = transform(values[lo:hi])[part.start - lo:part.stop - lo]
        if out is None:
            out = np.empty((values.shape[0], *piece.shape[1:]), piece.dtype)
        out[part] = piece
    return out


@dataclass(frozen=True)
class Whitening:
    """Decorrelates columns to unit variance: rows -> (rows - mean) @ matrix."""

    mean: np.ndarray
    matrix: np.ndarray

    def apply(self, rows: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """The whitened rows, zero where `keep` is false."""
        out = (rows - self.mean) @ self.matrix
        out[~keep] = 0.0
        return out


def whitening(values: np.ndarray, mask: np.ndarray, ridge: float = 0.1) -> Whitening | None:
    """The ridge-regularised whitening of the rows where mask is true, its statistics gathered
    PIECE_ROWS at a time; None when there is nothing to decorrelate: fewer than two rows (the first
    seconds of a live call), or nothing varies (a mouth that never moved, silence). The same
    whitening as one pass over the rows to ~1e-16 (the sums are gathered in another order)."""
    count = int(mask.sum())
    if count < 2:
        return None
    parts = pieces(len(values))
    mean = sum(values[part][mask[part]].sum(axis=0) for part in parts) / count
    cov = np.zeros((values.shape[1], values.shape[1]))
    for part in parts:
        centred = values[part][mask[part]] - mean
        cov += centred.T @ centred
    cov /= count
    if np.trace(cov) <= 0:
        return None
    cov += ridge * np.trace(cov) / len(cov) * np.eye(len(cov))
    eigval, eigvec = np.linalg.eigh(cov)
    return Whitening(mean, eigvec @ np.diag(eigval ** -0.5) @ eigvec.T)


def lag_curve(mouth: np.ndarray, voice: np.ndarray, max_lag: int, use: np.ndarray | None = None) -> np.ndarray:
    """First canonical correlation between mouth rows (n, p) and voice rows shifted by each lag.

    `voice` holds max_lag extra rows on both sides ((n + 2*max_lag, q), zeros outside the recording),
    so every lag compares the same mouth samples; entry i is lag (i - max_lag) rows, positive when
    the voice comes later than the mouth. `use` (n,) limits the comparison to some mouth rows.
    Both are whitened and cross-multiplied PIECE_ROWS at a time: whitened whole, a three-hour
    session's two series took ~70 MB more.
    """
    n = mouth.shape[0]
    use = np.ones(n, bool) if use is None else use
    voiced = np.any(voice != 0, axis=1)
    x_white, y_white = whitening(mouth, use), whitening(voice, voiced)
    cross = np.zeros((2 * max_lag + 1, mouth.shape[1], voice.shape[1]))
    if x_white is not None and y_white is not None:
        for part in pieces(n):
            x = x_white.apply(mouth[part], use[part])
            reach = slice(part.start, part.stop + 2 * max_lag)  # the voice rows every lag of this piece compares
            y = y_white.apply(voice[reach], voiced[reach])
            cross += np.einsum("np,lqn->lpq", x, sliding_window_view(y, part.stop - part.start, axis=0))
    return np.linalg.svd(cross / max(1, use.sum()), compute_uv=False)[:, 0]


@dataclass(frozen=True)
class Peak:
    lag_ms: float
    z: float

    @property
    def confidence(self) -> float:
        return float(np.clip((self.z - Z_CHANCE) / (Z_SURE - Z_CHANCE), 0.0, 1.0))


def find_peak(curve: np.ndarray) -> Peak:
    """Highest point of a lag curve (refined between grid steps by a parabola) and its prominence."""
    i = int(np.argmax(curve))
    spread = curve.std()
    z = float((curve[i] - np.median(curve)) / spread) if spread > 0 else 0.0
    shift = 0.0
    if 0 < i < curve.size - 1:
        left, mid, right = curve[i - 1], curve[i], curve[i + 1]
        bend = left - 2 * mid + right
        shift = 0.5 * (left - right) / bend if bend < 0 else 0.0
    max_lag = (curve.size - 1) // 2
    return Peak(lag_ms=(i + shift - max_lag) * 1000 / GRID_HZ, z=z)


@dataclass(frozen=True)
class WindowSync:
    """The offset measured in one window of the session."""

    start: float
    end: float
    offset_ms: float
    confidence: float

    def to_dict(self) -> dict:
        return {"t": round((self.start + self.end) / 2, 2), "start": round(self.start, 2), "end": round(self.end, 2),
                "offset_ms": round(self.offset_ms), "confidence": round(self.confidence, 3)}


@dataclass(frozen=True)
class SyncEstimate:
    """The session's lip-sync offset (positive: audio lags video), how sure, and how it varied."""

    offset_ms: float
    confidence: float
    z: float
    spread_ms: float | None  # robust spread of confident window offsets (None with fewer than 2)
    drift_ms_per_min: float | None  # slope of confident window offsets (None over < 60 s)
    usable_s: float  # seconds of voice with a frontal face whose mouth moves
    windows: tuple[WindowSync, ...]


def _window_starts(duration: float) -> list[float]:
    if duration <= WINDOW_S + HOP_S / 2:
        return [0.0]
    count = int(np.ceil((duration - WINDOW_S) / HOP_S)) + 1
    return list(np.linspace(0.0, duration - WINDOW_S, count))


def speech_mask(segments: tuple[Segment, ...] | list[Segment], frames: int) -> np.ndarray:
    mask = np.zeros(frames, bool)
    for seg in segments:
        mask[int(seg.start * GRID_HZ):int(np.ceil(seg.end * GRID_HZ))] = True
    return mask


def voice_activity(envelopes: np.ndarray, speech: tuple[Segment, ...] | list[Segment]) -> np.ndarray:
    """Frames with voice: VAD speech, or speech-band energy within LOUD_RANGE_DB of the session's
    loud level (Silero misses quiet speech, e.g. most of the DFDC fake dev clip)."""
    level = np.log(np.exp(envelopes[:, 1:4]).sum(axis=1))
    loud = level >= np.percentile(level, 95) - LOUD_RANGE_DB * np.log(10) / 10
    return loud | speech_mask(speech, envelopes.shape[0])


def frame_times(frames: int) -> np.ndarray:
    """Session times of the grid frames: the centres of the audio frames of band_envelopes."""
    return (np.arange(frames) + 0.5) / GRID_HZ


def estimate_sync(track: MouthTrack, envelopes: np.ndarray,
                  speech: tuple[Segment, ...] | list[Segment]) -> SyncEstimate | None:
    """Offset of the voice (band_envelopes of the session audio) against the mouth; None when no
    window has enough frontal face together with voice."""
    frames = envelopes.shape[0]
    if frames < 2 * GRID_HZ or len(track) < 10:
        return None
    duration, grid = frames / GRID_HZ, frame_times(frames)
    # Whole-session series at 100 Hz (26-43 MB each at three hours): each is dropped once used.
    shapes, valid = track.on_grid(grid)
    mouth = motion(shapes)
    del shapes
    mouth[~valid] = 0.0
    talking = voice_activity(envelopes, speech)
    max_lag = int(MAX_LAG_S * GRID_HZ)
    padded = np.zeros((frames + 2 * max_lag, envelopes.shape[1]))
    padded[max_lag:max_lag + frames] = motion(envelopes)

    activity, _ = mouth_activity(track, grid)
    usable = valid & talking & (activity >= MOVING)
    windows = []
    for start in _window_starts(duration):
        lo, hi = int(start * GRID_HZ), min(frames, int((start + WINDOW_S) * GRID_HZ))
        if (valid[lo:hi].mean() < MIN_USABLE_SHARE or talking[lo:hi].mean() < MIN_VOICE_SHARE
                or usable[lo:hi].sum() < MIN_TALKING_S * GRID_HZ):
            continue
        peak = find_peak(lag_curve(mouth[lo:hi], padded[lo:hi + 2 * max_lag], max_lag, valid[lo:hi]))
        windows.append(WindowSync(lo / GRID_HZ, hi / GRID_HZ, peak.lag_ms, peak.confidence))
    if not windows:
        return None
    session = find_peak(lag_curve(mouth, padded, max_lag, valid))
    return SyncEstimate(offset_ms=session.lag_ms, confidence=session.confidence, z=session.z,
                        spread_ms=_spread(windows), drift_ms_per_min=_drift(windows),
                        usable_s=float(usable.sum() / GRID_HZ), windows=tuple(windows))


def _confident(windows: list[WindowSync]) -> list[WindowSync]:
    return [w for w in windows if w.confidence >= CONFIDENT]


def _spread(windows: list[WindowSync]) -> float | None:
    offsets = np.array([w.offset_ms for w in _confident(windows)])
    if offsets.size < 2:
        return None
    return float(1.4826 * np.median(np.abs(offsets - np.median(offsets))))


def _drift(windows: list[WindowSync]) -> float | None:
    sure = _confident(windows)
    if len(sure) < 3:
        return None
    t = np.array([(w.start + w.end) / 2 for w in sure])
    if t.max() - t.min() < 60:
        return None
    slope = np.polyfit(t / 60, [w.offset_ms for w in sure], 1, w=[w.confidence for w in sure])[0]
    return float(slope)
