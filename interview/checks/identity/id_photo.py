"""The candidate's ID photo (a photo of the document, or a plain portrait): the face, its embedding,
and quality problems in words.

The face comes from the same code path as `interview-verify match` and the benchmark
(face_match.photo_face). A face printed small on a document photographed whole is tiny in the
detector's 640 px copy: it may vanish (then the photo is searched again in overlapping tiles, each
seen at twice the resolution), and its five points, scaled back, are too coarse for alignment (a
document photo of dev-media/B_identity's df_img18 matched its twin at 0.05 instead of 0.75). So a
face under 64 px in the copy is detected again on a crop around it, at full resolution.

Quality limits, measured on the 38 same-person pairs of dev-media/B_identity (photos shrunk or
blurred, then matched against the other photo of the pair): similarity holds down to 16 px between
the eyes (median 0.75) and drops below (12 px: 0.68, 8 px: 0.50); a face whose 112 px crop has a
Laplacian variance under 40 has lost its detail (the originals: 342-1302; Gaussian blur of 2 px at
that scale: at most 34, median similarity 0.69; 3 px: 0.58).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD, MatchResult, photo_face, the_one_face
from interview.images import ImageError, load_photo
from models.outputs import FaceIdentity

MIN_EYE_DISTANCE_PX = 16.0
MIN_SHARPNESS = 40.0
TILE_SIDE = 1280  # tiles of at most this size, so each is detected at half scale or better
MIN_DETECTED_SIDE = 64  # px of the face in the detector's copy below which its points are re-measured


@dataclass(frozen=True)
class IdPhoto:
    path: Path
    face: FaceIdentity  # box and points in the photo's own pixels
    eye_distance_px: float
    sharpness: float  # variance of the Laplacian of the face crop resized to 112x112
    warnings: tuple[str, ...]  # usable, but matching is less reliable

    def to_dict(self) -> dict:
        return {"path": str(self.path), "eye_distance_px": round(self.eye_distance_px, 1),
                "sharpness": round(self.sharpness, 1), "warnings": list(self.warnings)}


def face_sharpness(image_bgr: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Variance of the Laplacian of the face crop at 112x112 (SFace's input size), so faces of any
    size are compared at the scale the embedding sees them."""
    x, y, w, h = (round(v) for v in box)
    crop = image_bgr[max(0, y):max(0, y) + max(1, h), max(0, x):max(0, x) + max(1, w)]
    if crop.size == 0:
        return 0.0
    gray = cv2.cvtColor(cv2.resize(crop, (112, 112), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def _tiles(height: int, width: int) -> list[tuple[int, int, int, int]]:
    """Overlapping (x, y, w, h) windows of about TILE_SIDE covering the image (half overlap)."""
    def starts(length: int) -> list[int]:
        if length <= TILE_SIDE:
            return [0]
        step = TILE_SIDE // 2
        return sorted(set(list(range(0, length - TILE_SIDE, step)) + [length - TILE_SIDE]))

    return [(x, y, min(TILE_SIDE, width), min(TILE_SIDE, height)) for y in starts(height) for x in starts(width)]


def _offset(face: FaceIdentity, x: int, y: int) -> FaceIdentity:
    bx, by, bw, bh = face.box
    return replace(face, box=(bx + x, by + y, bw, bh), points=face.points + np.array([x, y]))


def _refined(image: np.ndarray, face: FaceIdentity) -> FaceIdentity:
    """The face detected again on a crop three times its size, where the detector sees it large
    enough to place its five points precisely; the original when the crop finds nothing."""
    from models.face_identity import DETECT_MAX_SIDE, shared_identifier

    height, width = image.shape[:2]
    bx, by, bw, bh = face.box
    if max(bw, bh) * min(1.0, DETECT_MAX_SIDE / max(height, width)) >= MIN_DETECTED_SIDE:
        return face
    half = 1.5 * max(bw, bh)
    cx, cy = bx + bw / 2, by + bh / 2
    x0, y0 = max(0, int(cx - half)), max(0, int(cy - half))
    crop = np.ascontiguousarray(image[y0:int(cy + half), x0:int(cx + half)])
    found = [_offset(f, x0, y0) for f in shared_identifier().identify(crop)]
    if not found:
        return face
    return min(found, key=lambda f: abs(f.box[0] + f.box[2] / 2 - cx) + abs(f.box[1] + f.box[3] / 2 - cy))


def _face_in_tiles(path: Path, image: np.ndarray) -> FaceIdentity:
    from models.face_identity import shared_identifier

    found: list[FaceIdentity] = []
    for x, y, w, h in _tiles(*image.shape[:2]):
        found += [_offset(f, x, y) for f in shared_identifier().identify(np.ascontiguousarray(image[y:y + h, x:x + w]))]
    if not found:
        raise ImageError(path, "no face found in the photo (not on the document either); "
                               "use a sharper, closer photo of the ID or a portrait")
    return the_one_face(path, found)


def read_id_photo(path: Path | str) -> IdPhoto:
    """The ID photo's face and quality, or ImageError with the specific problem (unreadable,
    no face, several faces)."""
    path = Path(path)
    image = load_photo(path)
    try:
        face = photo_face(path)
    except ImageError as exc:
        if not exc.problem.startswith("no face") or max(image.shape[:2]) <= TILE_SIDE:
            raise
        face = _face_in_tiles(path, image)
    face = _refined(image, face)
    eyes = float(np.linalg.norm(face.points[0] - face.points[1]))
    sharpness = face_sharpness(image, face.box)
    warnings = []
    if eyes < MIN_EYE_DISTANCE_PX:
        warnings.append(f"face too small: {eyes:.0f} px between the eyes (matching is reliable from "
                        f"{MIN_EYE_DISTANCE_PX:.0f} px); use a closer or higher-resolution photo")
    if sharpness < MIN_SHARPNESS:
        warnings.append(f"face blurred (sharpness {sharpness:.0f}, usable from {MIN_SHARPNESS:.0f}); "
                        "use a sharper photo")
    return IdPhoto(path, face, eyes, sharpness, tuple(warnings))


def match_photos(a: Path | str, b: Path | str) -> MatchResult:
    """Two photos (portraits or ID documents) read the way the identity check reads an ID photo."""
    similarity = float(np.dot(read_id_photo(a).face.embedding, read_id_photo(b).face.embedding))
    return MatchResult(similarity >= SAME_PERSON_THRESHOLD, similarity, SAME_PERSON_THRESHOLD)
