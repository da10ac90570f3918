"""The room behind the candidate, with the candidate masked out, as a small layout descriptor.

A few frames spread over the recording are segmented (MediaPipe selfie segmenter); the person,
grown by a margin, is cut away and what is left is described on a coarse grid (12 x 16 cells):
each cell's lightness, colour and edge energy, the median over the frames (a person who moves
uncovers more of the room). Two rooms are compared by the correlation of lightness and edge
layout over the cells both saw, at the best of small shifts (a camera nudged by a few percent)
and after removing each room's own mean and contrast (a lamp switched on, auto exposure). A plain
wall, a studio backdrop or a flat virtual background has too little structure to tell one from
another: it is marked plain and never linked.
"""

from __future__ import annotations

import av
import cv2
import numpy as np

from interview.media import MediaError

ROWS, COLS = 12, 16
CELL = 8  # px per cell at the working size
PERSON = 0.3  # person probability above which a pixel is the person's
MARGIN_PX = 4  # the person grown by this much (hair, halo of the mask)
MIN_BACKGROUND = 0.6  # a cell counts when this share of it is room
MIN_SHARED = 0.25  # two rooms are compared when they both saw this share of the cells
SHIFTS = (-1, 0, 1)  # cells: about 6% of the picture each way
PLAIN_EDGES = 0.02  # mean edge energy of a plain backdrop (green screen, painted wall)
ROOM_THRESHOLD = 0.80  # README, Links: same room under two people vs the dev clips' own rooms
FRAMES = 8


def sample_frames(path: str, duration_s: float, count: int = FRAMES) -> list[np.ndarray]:
    """Up to `count` RGB frames spread over the recording, by seeking (cheap on hour-long files)."""
    frames = []
    try:
        with av.open(path) as container:
            if not container.streams.video:
                return []
            stream = container.streams.video[0]
            for t in np.linspace(0.1, max(0.1, duration_s - 0.5), count):
                container.seek(int(t * av.time_base), any_frame=False)
                frame = next(container.decode(stream), None)
                if frame is not None:
                    frames.append(frame.to_ndarray(format="rgb24"))
    except (av.error.FFmpegError, OSError, StopIteration) as exc:
        raise MediaError(path, f"frames for the room could not be read ({exc})") from exc
    return frames


def _cells(values: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(ROWS*CELL, COLS*CELL[, C]) -> per-cell means weighted by `weight` (NaN where a cell is mostly person)."""
    h, w = ROWS, COLS
    blocks = weight.reshape(h, CELL, w, CELL)
    share = blocks.mean(axis=(1, 3))
    if values.ndim == 2:
        values = values[..., None]
    sums = (values.reshape(h, CELL, w, CELL, -1) * blocks[..., None]).sum(axis=(1, 3))
    means = sums / np.maximum(blocks.sum(axis=(1, 3)), 1e-6)[..., None]
    means[share < MIN_BACKGROUND] = np.nan
    return means


def describe_frame(rgb: np.ndarray, person: np.ndarray) -> np.ndarray:
    """(ROWS, COLS, 4): lightness, a, b (0..1) and edge energy of the room in each cell."""
    size = (COLS * CELL, ROWS * CELL)
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32) / 255.0
    mask = cv2.resize(person, size, interpolation=cv2.INTER_LINEAR) > PERSON
    mask = cv2.dilate(mask.astype(np.uint8), np.ones((2 * MARGIN_PX + 1,) * 2, np.uint8)) > 0
    room = (~mask).astype(np.float32)
    grey = lab[..., 0]
    edges = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3))
    edge_room = cv2.erode(room, np.ones((3, 3), np.uint8))  # no edge from the mask's own border
    return np.concatenate([_cells(lab, room), _cells(edges, edge_room)], axis=2)


def room_descriptor(frames: list[np.ndarray], persons: list[np.ndarray]) -> np.ndarray | None:
    """Median room over the frames, flattened (ROWS*COLS*4, NaN where never seen); None if too little was seen."""
    if not frames:
        return None
    described = np.stack([describe_frame(f, p) for f, p in zip(frames, persons)])
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
            room = np.nanmedian(described, axis=0)
    if np.isfinite(room[..., 0]).mean() < MIN_SHARED:
        return None
    return room.reshape(-1).astype(np.float32)


def is_plain(descriptor: np.ndarray) -> bool:
    """Too little structure to be told apart from another room of the same colour."""
    edges = descriptor.reshape(ROWS, COLS, 4)[..., 3]
    return bool(np.nanmean(edges) < PLAIN_EDGES)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    scale = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / scale) if scale > 0 else 0.0


def room_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Best over small shifts of the mean correlation of lightness and edge layout (0 for plain rooms)."""
    if is_plain(a) or is_plain(b):
        return 0.0
    ra, rb = a.reshape(ROWS, COLS, 4), b.reshape(ROWS, COLS, 4)
    best = 0.0
    for dy in SHIFTS:
        for dx in SHIFTS:
            pa = ra[max(0, dy):ROWS + min(0, dy), max(0, dx):COLS + min(0, dx)]
            pb = rb[max(0, -dy):ROWS + min(0, -dy), max(0, -dx):COLS + min(0, -dx)]
            both = np.isfinite(pa[..., 0]) & np.isfinite(pb[..., 0])
            if both.sum() < MIN_SHARED * ROWS * COLS:
                continue
            score = 0.5 * (_correlation(pa[..., 0][both], pb[..., 0][both])
                           + _correlation(pa[..., 3][both], pb[..., 3][both]))
            best = max(best, score)
    return best
