"""Face regions from MediaPipe's 478-point face mesh: index lists, pixel masks, boxes and the
aligned face crop the forensic signals share.

The index lists are MediaPipe's own contours (`FaceLandmarksConnections` in the Tasks API), in
drawing order, copied here so this module does not import mediapipe. "Left"/"right" follow
MediaPipe: the subject's left eye (`LEFT_EYE`) appears on the image's right side.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from interview.face_landmarks import EYES_AND_BROWS, FACE_OVAL, LIPS_INNER, LIPS_OUTER, NOSE, NOSE_TIP
from interview.images import picture_mask

MIN_INTEROCULAR_PX = 12  # below this a face is a few dozen pixels: no texture left to judge
SURROUND = (1.1, 1.6)  # rho range of FaceCrop.surround (face_crop's context reaches ~1.7)
DETAIL_SIGMA = 0.7  # px: the finest band of detail, what upscaling removes first
# ArcFace's 112x112 five-point template: the fixed face geometry regions are defined in.
TEMPLATE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                         [41.5493, 92.3655], [70.7299, 92.2041]], np.float32)


def five_points(landmarks: np.ndarray) -> np.ndarray:
    """Right eye, left eye (as seen in the image: left, right), nose tip, mouth corners, (5, 2) pixels."""
    xy = landmarks[:, :2]
    return np.stack([xy[[33, 133]].mean(0), xy[[362, 263]].mean(0), xy[NOSE_TIP], xy[61], xy[291]]).astype(np.float32)


def interocular(landmarks: np.ndarray) -> float:
    """Distance between the eye centres in pixels: the face's scale for every size-free measure."""
    p = five_points(landmarks)
    return float(np.linalg.norm(p[1] - p[0]))


def align_matrix(landmarks: np.ndarray, size: int) -> np.ndarray:
    """2x3 similarity transform that maps the face to a `size` x `size` crop in ArcFace geometry."""
    matrix, _ = cv2.estimateAffinePartial2D(five_points(landmarks), TEMPLATE_112 * (size / 112.0), method=cv2.LMEDS)
    return matrix if matrix is not None else np.array([[1, 0, 0], [0, 1, 0]], np.float64)


def polygon_mask(shape: tuple[int, int], landmarks: np.ndarray, indices: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of the polygon through the given landmarks."""
    mask = np.zeros(shape, np.uint8)
    points = np.round(landmarks[list(indices), :2]).astype(np.int32)
    cv2.fillPoly(mask, [points], 1)
    return mask.astype(bool)


def region_box(landmarks: np.ndarray, indices: tuple[int, ...], pad: float = 0.15) -> tuple[float, float, float, float]:
    """x, y, w, h around the given landmarks, padded by `pad` of their size (for evidence marks)."""
    xy = landmarks[list(indices), :2]
    x0, y0 = xy.min(0)
    x1, y1 = xy.max(0)
    px, py = (x1 - x0) * pad, (y1 - y0) * pad
    return float(x0 - px), float(y0 - py), float(x1 - x0 + 2 * px), float(y1 - y0 + 2 * py)


def detail_map(gray: np.ndarray) -> np.ndarray:
    """Squared finest-band detail per pixel (image minus a slight blur)."""
    return (gray - cv2.GaussianBlur(gray, (0, 0), DETAIL_SIGMA)) ** 2


@dataclass(frozen=True)
class FaceCrop:
    """A face cut out of its frame with context around it, and its regions in crop pixels.

    `rho` is each pixel's distance from the face centre in units of the face oval's radius in that
    direction: 0 at the centre, 1 on the oval (jaw line, temples, upper forehead), >1 outside. A
    pasted face is blended in along some closed curve around rho 0.8-1.0.
    """

    image: np.ndarray  # RGB uint8
    gray: np.ndarray  # float32
    origin: tuple[int, int]  # x, y of the crop's top-left corner in the frame
    rho: np.ndarray  # float32
    features: np.ndarray  # eyes, brows, nose and lips: structure a seam search must ignore
    mouth: np.ndarray  # inside the inner lip contour
    scale: float  # interocular distance in pixels
    picture: np.ndarray  # not a letterbox/pillarbox bar, nor its edge

    @cached_property
    def inner(self) -> np.ndarray:
        """The face inside its outline, away from the edge (what a swap replaces)."""
        return self.rho < 0.85

    @cached_property
    def surround(self) -> np.ndarray:
        """A ring just outside the outline (hair, ears, neck, the nearest background): as far from
        the camera, as lit and as compressed as the face, but never synthesised. The reference the
        face's detail and spectrum are compared with."""
        return (self.rho >= SURROUND[0]) & (self.rho <= SURROUND[1]) & self.picture

    @cached_property
    def detail(self) -> np.ndarray:
        """`detail_map` of the crop: the seam, sharpness and eye signals all weigh it."""
        return detail_map(self.gray)


def _radius_map(shape: tuple[int, int], oval: np.ndarray) -> np.ndarray:
    """Normalised radius of every pixel with respect to the closed `oval` polygon (N, 2)."""
    centre = oval.mean(0)
    offsets = oval - centre
    angles = np.arctan2(offsets[:, 1], offsets[:, 0])
    radii = np.hypot(offsets[:, 0], offsets[:, 1])
    order = np.argsort(angles)
    angles, radii = angles[order], radii[order]
    angles = np.concatenate([angles[-1:] - 2 * np.pi, angles, angles[:1] + 2 * np.pi])
    radii = np.concatenate([radii[-1:], radii, radii[:1]])
    dx = np.arange(shape[1], dtype=np.float32)[None, :] - centre[0]  # a row and a column, broadcast
    dy = np.arange(shape[0], dtype=np.float32)[:, None] - centre[1]
    return (np.hypot(dx, dy) / np.interp(np.arctan2(dy, dx), angles, radii)).astype(np.float32)


def face_crop(image: np.ndarray, landmarks: np.ndarray, context: float = 0.35) -> FaceCrop | None:
    """Cut the face plus `context` of its size on each side; None if the face is too small or
    mostly outside the frame."""
    height, width = image.shape[:2]
    x, y, w, h = region_box(landmarks, FACE_OVAL, pad=context)
    x0, y0 = max(0, int(x)), max(0, int(y))
    x1, y1 = min(width, int(x + w) + 1), min(height, int(y + h) + 1)
    scale = interocular(landmarks)
    if scale < MIN_INTEROCULAR_PX or (x1 - x0) * (y1 - y0) < 0.5 * w * h:
        return None
    crop = image[y0:y1, x0:x1]
    shape = crop.shape[:2]
    local = landmarks[:, :2] - np.array([x0, y0], np.float32)
    features = np.zeros(shape, bool)
    for indices in (EYES_AND_BROWS, NOSE, LIPS_OUTER):
        bx, by, bw, bh = region_box(local, indices, pad=0.15)
        features[max(0, int(by)):max(0, int(by + bh) + 1), max(0, int(bx)):max(0, int(bx + bw) + 1)] = True
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return FaceCrop(image=crop, gray=gray, origin=(x0, y0), rho=_radius_map(shape, local[list(FACE_OVAL)]),
                    features=features, mouth=polygon_mask(shape, local, LIPS_INNER), scale=scale,
                    picture=picture_mask(gray))
