"""What the liveness signals keep of each analysed frame: about 200 numbers and an 8x8 fingerprint
(about 1.1 KB; 58 MB for an hour at 15 fps), never the picture.

`FaceTrack.add(obs, frame)` is called once per frame; `FaceTrack.arrays()` gives the columns as
numpy arrays (rows without a face hold NaN), each read when first used. Landmark subsets and
blendshape names live here so every signal agrees on them.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from interview.face_landmarks import FACE_OVAL, LIVENESS_FRONTAL_POSE
from interview.observations import Frame, FrameObservation
from interview.rows import RowTable
from models.outputs import Face

# Points that stay put on the skull when the face talks or blinks: forehead, nose ridge and wings,
# eye corners, cheekbones, temples. A homography fitted to these is the "flat picture" model.
RIGID_POINTS = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 2, 98, 327, 129, 358, 33, 133, 362, 263, 116, 345,
                123, 352, 50, 280, 205, 425, 187, 411, 127, 356, 234, 454, 21, 251, 54, 284, 103, 332, 67, 297,
                109, 338)
# Points that move with expression: lips, mouth corners, eyelids, brows, chin.
EXPRESSION_POINTS = (13, 14, 0, 17, 61, 291, 78, 308, 159, 145, 386, 374, 105, 334, 70, 300, 152, 199)
EYE_REGIONS = ((70, 63, 105, 66, 107, 55, 193, 245, 128, 121, 120, 119, 118, 117, 111, 35, 124, 46, 53, 52),
               (300, 293, 334, 296, 336, 285, 417, 465, 357, 350, 349, 348, 347, 346, 340, 265, 353, 276, 283, 282))
MOUTH_REGION = (57, 186, 92, 165, 167, 164, 393, 391, 322, 410, 287, 273, 335, 406, 313, 18, 83, 182, 106, 43)
OUTER_EYE_CORNERS = (33, 263)
# Blendshapes whose spread over time shows that a face is alive (blinks, mouth, brows, smile).
EXPRESSION_SHAPES = ("eyeBlinkLeft", "eyeBlinkRight", "jawOpen", "mouthSmileLeft", "mouthSmileRight",
                     "browInnerUp", "mouthFunnel", "mouthPucker", "mouthClose")

MOTION_SIDE = 160  # frames are compared at this width for the frozen-picture test
# For finding repeated (looped) pictures: the face region shrunk to THUMB x THUMB grey levels, then
# averaged in blocks to a FINGERPRINT x FINGERPRINT fingerprint.
THUMB = 16
FINGERPRINT = 8

# MediaPipe's matrix is in a camera frame with y up and z towards the viewer; landmarks are in image
# pixels with y down and z into the screen. Conjugating by this flip maps one to the other (checked
# on tv_real.mp4: it predicts the turned landmarks from the frontal ones, the raw matrix does not).
_FLIP = np.diag([1.0, -1.0, -1.0])


def image_rotation(face: Face) -> np.ndarray:
    """The head's rotation in image coordinates (x right, y down, z into the screen)."""
    r = face.transform[:3, :3] / np.linalg.norm(face.transform[:3, 0])
    return _FLIP @ r @ _FLIP


def skin_mean(image: np.ndarray, face: Face) -> np.ndarray:
    """Mean RGB of the face's skin: the oval without eyes, brows and mouth (for the pulse)."""
    x, y, w, h = (int(v) for v in face.box)
    x0, y0 = max(0, x), max(0, y)
    crop = image[y0:y + h + 1, x0:x + w + 1]
    if crop.size == 0:
        return np.full(3, np.nan)
    mask = np.zeros(crop.shape[:2], np.uint8)
    offset = np.array([x0, y0])
    cv2.fillPoly(mask, [(face.landmarks[list(FACE_OVAL), :2] - offset).astype(np.int32)], 1)
    for region in (*EYE_REGIONS, MOUTH_REGION):
        cv2.fillPoly(mask, [(face.landmarks[list(region), :2] - offset).astype(np.int32)], 0)
    pixels = crop[mask > 0]
    return pixels.mean(axis=0) if len(pixels) else np.full(3, np.nan)


class TrackArrays:
    """Rows first..last of a FaceTrack as columns; row i is analysed frame i, rows without a face
    hold NaN. A column is read from the packed rows when it is first asked for, and kept with this
    object: a signal given its own TrackArrays holds only the columns it reads (all of them come
    to ~190 MB at three hours)."""

    t: np.ndarray
    index: np.ndarray  # source frame number (its parity matters to the pulse)
    has_face: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    rotation: np.ndarray  # (n, 3, 3) image-space head rotation
    blink: np.ndarray  # mean of eyeBlinkLeft/Right
    smile: np.ndarray  # mean of mouthSmileLeft/Right
    shapes: np.ndarray  # (n, len(EXPRESSION_SHAPES))
    rigid: np.ndarray  # (n, len(RIGID_POINTS), 3) float32 pixels, z in the landmarker's units
    expression: np.ndarray  # (n, len(EXPRESSION_POINTS), 2) float32
    eye_distance: np.ndarray  # outer eye corners, pixels: the face's scale
    box: np.ndarray  # (n, 4)
    skin: np.ndarray  # (n, 3) mean skin RGB
    motion: np.ndarray  # mean absolute grey change against the previous frame, in the face region
    fingerprints: np.ndarray  # (n, FINGERPRINT**2) float32 of the face region (whole frame without a face)

    def __init__(self, track: FaceTrack, first: int, last: int):
        self._track, self._first, self._last = track, first, last

    def __getattr__(self, name: str) -> np.ndarray:
        """A column not read yet (Python calls this only for attributes not set)."""
        if name.startswith("_"):
            raise AttributeError(name)
        value = self._track.column(name, self._first, self._last)
        setattr(self, name, value)
        return value

    def __len__(self) -> int:
        return len(self.t)

    @property
    def frontal(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return self.has_face & (np.abs(self.yaw) < LIVENESS_FRONTAL_POSE.yaw) & (np.abs(self.pitch) < LIVENESS_FRONTAL_POSE.pitch)

    @property
    def step(self) -> float:
        """Mean time between analysed frames (s); the mean, since sampling 25 fps at 15 alternates gaps."""
        return float(self.t[-1] - self.t[0]) / (len(self.t) - 1) if len(self.t) > 1 else 1 / 15

    def duration(self, mask: np.ndarray) -> float:
        """Seconds covered by the rows in mask."""
        return float(mask.sum()) * self.step

    def window(self, t0: float, t1: float) -> np.ndarray:
        return (self.t >= t0) & (self.t < t1)


_CLOCK = ("t", "index", "motion")  # every frame's row of the clock table
# Layout of one packed face row (float32): field name -> shape in TrackArrays (after the row axis).
_FIELDS: dict[str, tuple[int, ...]] = {
    "yaw": (), "pitch": (), "rotation": (3, 3), "blink": (), "smile": (), "shapes": (len(EXPRESSION_SHAPES),),
    "rigid": (len(RIGID_POINTS), 3), "expression": (len(EXPRESSION_POINTS), 2), "eye_distance": (), "box": (4,),
    "skin": (3,)}
_SIZES = {name: int(np.prod(shape)) for name, shape in _FIELDS.items()}
_STARTS = dict(zip(_FIELDS, itertools.accumulate(_SIZES.values(), initial=1)))  # after the row's face flag
_WIDTH = sum(_SIZES.values())
# The landmark fields (168 of the 198 numbers) stay float32 in TrackArrays: their one reader
# (planarity) works in float64 on copies, and float64 columns would cost 57 MB more an hour.
_FLOAT32_FIELDS = ("rigid", "expression")


class FaceTrack:
    """Accumulates per-frame measurements of the main face (the largest one), as rows of numbers."""

    def __init__(self) -> None:
        self._clock = RowTable(len(_CLOCK), np.float64)
        self._faces = RowTable(1 + _WIDTH)  # 1 where a face was seen, then its packed row (NaN without one)
        self._fingerprints = RowTable(FINGERPRINT * FINGERPRINT, fill=0)
        self._previous_grey: np.ndarray | None = None
        self.hands: dict[float, tuple[np.ndarray, ...]] = {}  # time -> hands, only where they were looked for

    def add(self, obs: FrameObservation, frame: Frame) -> None:
        face = obs.face
        grey = _grey_small(frame.image)
        region = _region(face.box if face else None, frame.image.shape, grey.shape)
        previous = self._previous_grey
        motion = (float(np.mean(cv2.absdiff(grey[region], previous[region])))
                  if previous is not None and previous.shape == grey.shape else np.nan)
        self._previous_grey = grey
        fingerprint = _fingerprint(cv2.resize(grey[region], (THUMB, THUMB), interpolation=cv2.INTER_AREA))
        packed = None if face is None else np.concatenate([[1.0], _pack(face, frame.image)])
        # Appended only once every part is computed (a frame that fails leaves no partial row), the
        # clock last: a reader counts a row once all its parts are in.
        self._fingerprints.append(fingerprint)
        self._faces.append(packed)
        if obs.hands is not None:
            self.hands[obs.t] = obs.hands
        self._clock.append((obs.t, frame.index, motion))

    def arrays(self) -> TrackArrays:
        return TrackArrays(self, 0, len(self._clock))

    def arrays_since(self, t: float) -> TrackArrays:
        """The rows from time t on (a live panel's recent window)."""
        return TrackArrays(self, int(np.searchsorted(self._clock.columns(0, 1)[:, 0], t, side="left")), len(self._clock))

    def column(self, name: str, first: int, last: int) -> np.ndarray:
        """One TrackArrays column of rows first..last, as a new array."""
        if name in _CLOCK:
            value = self._clock.columns(_CLOCK.index(name), _CLOCK.index(name) + 1, first, last)[:, 0]
            return value.astype(int) if name == "index" else value
        if name == "has_face":
            return self._faces.columns(0, 1, first, last)[:, 0] == 1
        if name == "fingerprints":
            return self._fingerprints.columns(0, FINGERPRINT * FINGERPRINT, first, last)
        if name not in _FIELDS:
            raise AttributeError(f"a liveness track has no column {name!r}")
        start = _STARTS[name]
        value = self._faces.columns(start, start + _SIZES[name], first, last).reshape((-1, *_FIELDS[name]))
        return value if name in _FLOAT32_FIELDS else value.astype(np.float64)


def _pack(face: Face, image: np.ndarray) -> np.ndarray:
    shapes = face.blendshapes
    parts = {
        "yaw": face.pose.yaw, "pitch": face.pose.pitch, "rotation": image_rotation(face),
        "blink": (shapes.get("eyeBlinkLeft", 0.0) + shapes.get("eyeBlinkRight", 0.0)) / 2,
        "smile": (shapes.get("mouthSmileLeft", 0.0) + shapes.get("mouthSmileRight", 0.0)) / 2,
        "shapes": [shapes.get(name, 0.0) for name in EXPRESSION_SHAPES],
        "rigid": face.landmarks[list(RIGID_POINTS)],
        "expression": face.landmarks[list(EXPRESSION_POINTS), :2],
        "eye_distance": np.linalg.norm(np.subtract(*face.landmarks[list(OUTER_EYE_CORNERS), :2])),
        "box": face.box, "skin": skin_mean(image, face)}
    return np.concatenate([np.ravel(np.asarray(parts[name], np.float32)) for name in _FIELDS])


def _fingerprint(thumb: np.ndarray) -> np.ndarray:
    """The 2x2 block means of a THUMB x THUMB uint8 picture, row by row (quarters of a grey level:
    exact in float32). Kept per frame instead of the thumbnail, at the same 256 bytes, so the loop
    search reads them as they are instead of averaging every frame's thumbnail at the end."""
    side, block = FINGERPRINT, THUMB // FINGERPRINT
    return thumb.reshape(side, block, side, block).mean(axis=(1, 3)).astype(np.float32).reshape(-1)


def _grey_small(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    size = (MOTION_SIDE, max(1, round(height * MOTION_SIDE / width)))
    return cv2.resize(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA)


def _region(box: tuple | None, image_shape: tuple, small_shape: tuple) -> tuple[slice, slice]:
    """The face box (whole picture without a face) in the coordinates of the small grey frame."""
    if box is None:
        return slice(None), slice(None)
    scale = small_shape[1] / image_shape[1]
    x, y, w, h = (v * scale for v in box)
    x0, y0 = max(0, int(x)), max(0, int(y))
    x1, y1 = min(small_shape[1], int(np.ceil(x + w))), min(small_shape[0], int(np.ceil(y + h)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return slice(None), slice(None)
    return slice(y0, y1), slice(x0, x1)
