"""Pulse from skin colour (remote photoplethysmography, the POS method of Wang et al. 2017).

Blood volume changes the skin's colour very slightly with each heartbeat. POS projects the
normalised mean skin RGB onto the plane orthogonal to the skin tone, which cancels most of the
lighting and motion changes, and leaves a periodic component at the heart rate (0.7-3 Hz). The
SNR is the power within 0.1 Hz of the peak and 0.2 Hz of its harmonic against the rest of
0.7-4 Hz, as in de Haan and Jeanne 2013.

Two artefacts are removed first: many encoders alternate frame quality every other frame, which
sampling 25 fps at 15 aliases to exactly 2.5 Hz (150 bpm; seen on every 25 fps dev clip), so the
component in step with the source frame parity is regressed out; and a picture that does not
change (a still photo) has colour changes of 1e-4 of its level, far below a pulse, so such signals
are not read at all.

Supporting evidence only: compressed or small faces often hide the pulse (it was found on none of
the dev clips), and a good deepfake inherits its driver's pulse. A found pulse supports liveness,
an absent one only lowers the check's confidence; it never raises risk.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, filtfilt

from interview.checks.liveness.signal import SignalResult
from interview.checks.liveness.track import TrackArrays

FS = 15.0  # resampling rate, Hz
BAND_HZ = (0.7, 3.0)
POS_WINDOW_S = 1.6
MIN_SECONDS = 8.0
MAX_GAP_S = 0.5
WINDOW_S, HOP_S = 10.0, 2.0
MIN_SNR_DB = 2.0
MIN_AGREEMENT = 0.6  # share of 10-s windows agreeing on the rate (within 6 bpm)
MIN_AMPLITUDE = 3e-4  # std of the band-passed green channel relative to its level


def pos_signal(rgb: np.ndarray, fs: float = FS) -> np.ndarray:
    """The POS pulse signal of (n, 3) mean skin colours sampled at fs (overlap-added 1.6 s windows)."""
    n, length = len(rgb), max(2, int(POS_WINDOW_S * fs))
    projection = np.array([[0.0, 1.0, -1.0], [-2.0, 1.0, 1.0]])
    out = np.zeros(n)
    for start in range(0, n - length + 1):
        chunk = rgb[start:start + length]
        s = (chunk / chunk.mean(axis=0)) @ projection.T
        h = s[:, 0] + s[:, 0].std() / (s[:, 1].std() + 1e-12) * s[:, 1]
        out[start:start + length] += h - h.mean()
    return out


def spectrum(signal: np.ndarray, fs: float = FS) -> tuple[np.ndarray, np.ndarray]:
    padded = 4 * len(signal)
    power = np.abs(np.fft.rfft(signal * np.hanning(len(signal)), padded)) ** 2
    return np.fft.rfftfreq(padded, 1 / fs), power


def peak_and_snr(freqs: np.ndarray, power: np.ndarray) -> tuple[float, float]:
    """(peak frequency in the heart band, SNR in dB)."""
    band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
    f0 = float(freqs[band][np.argmax(power[band])])
    near = (np.abs(freqs - f0) <= 0.1) | (np.abs(freqs - 2 * f0) <= 0.2)
    wide = (freqs >= BAND_HZ[0]) & (freqs <= 4.0)
    noise = power[wide & ~near].sum()
    return f0, float(10 * np.log10(power[wide & near].sum() / noise)) if noise > 0 else float("inf")


def _longest_run(track: TrackArrays) -> np.ndarray:
    """Rows of the longest stretch of face with skin colour and no gap above MAX_GAP_S."""
    rows = np.flatnonzero(track.has_face & np.isfinite(track.skin).all(axis=1))
    if len(rows) < 2:
        return rows
    breaks = np.flatnonzero(np.diff(track.t[rows]) > MAX_GAP_S)
    runs = np.split(rows, breaks + 1)
    return max(runs, key=lambda r: track.t[r[-1]] - track.t[r[0]])


def _without_parity(rgb: np.ndarray, parity: np.ndarray) -> np.ndarray:
    """Remove the colour component in step with the source frame parity (encoder artefact)."""
    centred = parity - parity.mean()
    if centred @ centred < 1e-9 * len(parity):
        return rgb
    kernel = np.ones(15) / 15
    detail = rgb - np.stack([np.convolve(rgb[:, c], kernel, mode="same") for c in range(3)], axis=1)
    return rgb - np.outer(centred, (centred @ detail) / (centred @ centred))


def assess(track: TrackArrays) -> SignalResult:
    rows = _longest_run(track)
    seconds = float(track.t[rows[-1]] - track.t[rows[0]]) if len(rows) > 1 else 0.0
    if seconds < MIN_SECONDS:
        return SignalResult("pulse", 0.0, 0.0, f"Only {seconds:.0f} s of uninterrupted face: too short to look for a "
                            f"pulse (needs {MIN_SECONDS:.0f} s).", {"pulse_bpm": None, "pulse_snr_db": None})
    t = track.t[rows]
    parity = (track.index[rows] % 2).astype(float)
    rgb = _without_parity(track.skin[rows].astype(float), parity)
    grid = np.arange(t[0], t[-1], 1 / FS)
    rgb = np.stack([np.interp(grid, t, rgb[:, c]) for c in range(3)], axis=1)
    b, a = butter(3, [BAND_HZ[0] / (FS / 2), BAND_HZ[1] / (FS / 2)], btype="band")
    green = filtfilt(b, a, rgb[:, 1] / rgb[:, 1].mean())
    amplitude = float(green.std())
    pulse = filtfilt(b, a, pos_signal(rgb))
    f0, snr = peak_and_snr(*spectrum(pulse))
    per_window = int(WINDOW_S * FS)
    rates = [peak_and_snr(*spectrum(pulse[s:s + per_window]))[0] * 60
             for s in range(0, len(pulse) - per_window + 1, int(HOP_S * FS))]
    agreement = float(np.mean(np.abs(np.array(rates) - f0 * 60) <= 6)) if rates else 0.0
    measurements = {"pulse_bpm": round(f0 * 60, 1), "pulse_snr_db": round(snr, 2),
                    "pulse_window_agreement": round(agreement, 2), "skin_colour_amplitude": float(f"{amplitude:.2e}")}
    confidence = min(1.0, seconds / 30)
    if amplitude < MIN_AMPLITUDE:
        return SignalResult("pulse", 0.0, confidence,
                            f"The skin colour did not vary at all ({amplitude:.0e} of its level): no pulse can be "
                            "seen in an unchanging picture.", {**measurements, "pulse_found": False})
    found = snr >= MIN_SNR_DB and agreement >= MIN_AGREEMENT
    measurements["pulse_found"] = found
    if found:
        reason = (f"A pulse-like rhythm in skin colour at {f0 * 60:.0f} bpm (SNR {snr:.1f} dB, steady in "
                  f"{agreement:.0%} of 10-s windows): supports a live person, though a deepfake can inherit one.")
    else:
        reason = (f"No clear pulse in skin colour (strongest rhythm {f0 * 60:.0f} bpm at SNR {snr:.1f} dB; needs "
                  f"{MIN_SNR_DB:.0f} dB and a steady rate). Compression and small faces often hide it, so this only "
                  "lowers confidence.")
    return SignalResult("pulse", 0.0, confidence, reason, measurements)
