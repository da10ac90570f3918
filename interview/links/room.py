"""The room behind the candidate, with the candidate masked out, as corners a camera finds again.

A few frames spread over the recording are segmented (MediaPipe selfie segmenter); the person,
grown by a margin, is cut away and ORB corners are found in what is left: their positions and
binary descriptors are kept, no pixels. Two rooms are the same when many corners match one to one
and agree on one camera move (a similarity transform fitted with RANSAC, zoom within 0.6-1.6x): a
shifted, zoomed or dimmed view of the same shelves agrees, two different rooms give a few chance
matches that agree on nothing. A plain wall, a studio backdrop or a flat virtual background has no
corners, so it is never linked.
"""

from __future__ import annotations

import av
import cv2
import numpy as np

from interview.media import DecodedPicture, MediaError, fitted_region, to_rgb

WORK_SIDE = 480  # px: frames are described at this longer side
PERSON = 0.3  # person probability above which a pixel is the person's
MARGIN = 0.03  # the person grown by this share of the picture (hair, the mask's halo)
CORNERS_PER_FRAME = 300
SPOT_PX = 4  # one corner per spot this size over all frames (a still room repeats its corners)
FRAMES = 8
RATIO = 0.75  # Lowe's ratio test on Hamming distances
INLIER_PX = 6.0
ZOOM = (0.6, 1.6)
ROOM_THRESHOLD = 8  # corners agreeing on one camera move (README, Links: other dev rooms reach 2)


def sample_frames(path: str, duration_s: float, count: int = FRAMES,
                  region: tuple[int, int, int, int] | None = None) -> list[np.ndarray]:
    """Up to `count` RGB frames spread over the recording, by seeking (cheap on hour-long files),
    scaled to WORK_SIDE; only `region` of each (x, y, width, height) when given."""
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
                    if region is not None:
                        frame = DecodedPicture(frame, fitted_region(region, frame.width, frame.height, path)).frame()
                    scale = min(1.0, WORK_SIDE / max(frame.width, frame.height))
                    frames.append(to_rgb(frame, round(frame.width * scale) // 2 * 2, round(frame.height * scale) // 2 * 2))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(path, f"frames for the room could not be read ({exc})") from exc
    return frames


def room_features(frames: list[np.ndarray], persons: list[np.ndarray]) -> dict | None:
    """{"points": [[x, y], ...] at WORK_SIDE, "orb": [hex, ...]} of the room; None when it has no corner."""
    orb = cv2.ORB_create(CORNERS_PER_FRAME)
    points, descriptors = [], []
    for rgb, person in zip(frames, persons):
        scale = WORK_SIDE / max(rgb.shape[:2])
        size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
        grey = cv2.cvtColor(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        grow = int(MARGIN * WORK_SIDE) * 2 + 1
        mask = cv2.dilate((cv2.resize(person, size) > PERSON).astype(np.uint8), np.ones((grow, grow), np.uint8))
        keypoints, found = orb.detectAndCompute(grey, ((mask == 0) * 255).astype(np.uint8))
        if found is not None:
            points += [k.pt for k in keypoints]
            descriptors.append(found)
    if not points:
        return None
    xy, codes = np.float32(points), np.vstack(descriptors)
    _, keep = np.unique(np.round(xy / SPOT_PX).astype(int), axis=0, return_index=True)
    return {"points": np.round(xy[keep], 1).tolist(), "orb": [bytes(c).hex() for c in codes[keep]]}


def room_matches(a: dict | None, b: dict | None) -> int:
    """How many corners of the two rooms match one to one and agree on one camera move."""
    if not a or not b or len(a["orb"]) < 2 or len(b["orb"]) < 2:
        return 0
    codes = [np.array([bytearray.fromhex(h) for h in room["orb"]], np.uint8) for room in (a, b)]
    best: dict[int, cv2.DMatch] = {}
    for pair in cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(*codes, k=2):
        if len(pair) == 2 and pair[0].distance < RATIO * pair[1].distance:
            match = pair[0]
            if match.trainIdx not in best or match.distance < best[match.trainIdx].distance:
                best[match.trainIdx] = match
    if len(best) < 3:
        return 0
    src = np.float32([a["points"][m.queryIdx] for m in best.values()])
    dst = np.float32([b["points"][m.trainIdx] for m in best.values()])
    move, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=INLIER_PX)
    if move is None or not ZOOM[0] <= float(np.hypot(move[0, 0], move[1, 0])) <= ZOOM[1]:
        return 0
    return int(inliers.sum())


def room_of(path: str, duration_s: float, region: tuple[int, int, int, int] | None = None) -> dict | None:
    """The room of a recording, or of the `region` of it analysed (None: no video, or a room
    without corners)."""
    from models.selfie_segmenter import SelfieSegmenter

    frames = sample_frames(path, duration_s, region=region)
    if not frames:
        return None
    with SelfieSegmenter() as segmenter:
        return room_features(frames, [segmenter.person(f) for f in frames])
