"""Blending boundary: a seam along a closed curve around the face.

A pasted face meets the original skin along its blend mask. Across that curve the colour, the
noise level and the shading can jump, where real skin changes smoothly. We sample the face in
thin rings of equal normalised radius (rho, see face_regions.FaceCrop) from the middle of the
cheeks (0.6) to just outside the outline (1.15), ignoring eyes, brows, nose and lips, and look for
the ring where the inside and outside differ most compared with how much neighbouring rings differ.
"""

from __future__ import annotations

import cv2
import numpy as np

from interview.checks.deepfake.face_regions import FaceCrop

RING_EDGES = np.arange(0.60, 1.16, 0.05)  # ring boundaries in rho
SEAM_SEARCH = (0.75, 0.9)  # a blend seam lies inside the outline; from 0.95 on the real outline shows


def ring_profiles(crop: FaceCrop) -> np.ndarray:
    """(rings, 5) per ring: mean L, a, b (CIELAB), log detail and mean radial gradient.

    Colour and gradients are read only at the ring pixels that count (about a third of the crop);
    the gradients are taken over the whole crop, so each pixel has its neighbours."""
    rings = len(RING_EDGES) - 1
    usable = (crop.rho >= RING_EDGES[0]) & (crop.rho < RING_EDGES[-1]) & ~crop.features & crop.picture
    if not usable.any():
        return np.full((rings, 5), np.nan)
    ring = np.digitize(crop.rho[usable], RING_EDGES) - 1
    lab = cv2.cvtColor(crop.image[usable][:, None], cv2.COLOR_RGB2LAB)[:, 0].astype(np.float32)
    gy, gx = (g[usable] for g in np.gradient(cv2.GaussianBlur(crop.gray, (0, 0), 1.0)))
    ry, rx = (g[usable] for g in np.gradient(crop.rho))
    radial = np.abs(gx * rx + gy * ry) / (np.hypot(rx, ry) + 1e-6)
    channels = (lab[:, 0], lab[:, 1], lab[:, 2], crop.detail[usable], radial)
    counts = np.bincount(ring, minlength=rings).astype(np.float64)
    sums = np.stack([np.bincount(ring, weights=channel, minlength=rings) for channel in channels], -1)
    profile = sums / np.maximum(counts, 1)[:, None]
    profile[:, 3] = np.log(profile[:, 3] + 1e-2)
    profile[counts < 20] = np.nan
    return profile


def boundary_seam(crop: FaceCrop) -> tuple[float, float]:
    """(seam strength, rho of the seam). Strength is the largest step between adjacent rings inside
    SEAM_SEARCH, in units of the median step over all rings: colour (Lab distance), noise
    (log-detail difference) and shading (radial gradient peak) steps summed. About 1 for smooth
    skin; a hard seam gives several times that. NaN when too little skin is visible."""
    profile = ring_profiles(crop)
    steps = np.abs(np.diff(profile, axis=0))  # between ring i and i+1, at rho = RING_EDGES[i + 1]
    colour = np.hypot(np.hypot(steps[:, 0], steps[:, 1]), steps[:, 2])
    noise = steps[:, 3]
    gradient = np.fmax(profile[:-1, 4], profile[1:, 4]) / np.nanmedian(profile[:, 4])  # a seam is a ridge
    where = RING_EDGES[1:-1]
    inside = (where >= SEAM_SEARCH[0]) & (where <= SEAM_SEARCH[1])
    parts = [colour / (np.nanmedian(colour) + 0.5), noise / (np.nanmedian(noise) + 0.05), gradient]
    score = np.nansum(parts, axis=0) / 3.0
    score[~inside | np.isnan(colour)] = np.nan
    if np.all(np.isnan(score)):
        return float("nan"), float("nan")
    best = int(np.nanargmax(score))
    return float(score[best]), float(where[best])
