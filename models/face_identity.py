"""YuNet face detection + SFace embedding through OpenCV, with 5-point alignment.

Chosen over deepface's SFace path because OpenCV's alignCrop aligns on YuNet's five points
and separates same/different people by a wider margin on dev-media/B_identity (see README).
cv2's DNN objects are not thread-safe, so one lock guards each shared instance.
"""

from __future__ import annotations

import threading
from functools import cache

import cv2
import numpy as np

from models.outputs import FaceIdentity
from models.registry import model_path

DETECT_MAX_SIDE = 640  # YuNet is trained on faces of roughly 10-300 px: detect on a downscaled copy


class FaceIdentifier:
    """Find faces with their 5 points and embed each into an L2-normalised 128-d vector."""

    def __init__(self, score_threshold: float = 0.6):
        self._detector = cv2.FaceDetectorYN.create(str(model_path("yunet")), "", (320, 320), score_threshold, 0.3, 50)
        self._recognizer = cv2.FaceRecognizerSF.create(str(model_path("sface")), "")
        self._lock = threading.Lock()

    def detect(self, bgr: np.ndarray) -> list[tuple[tuple[float, float, float, float], np.ndarray, float, np.ndarray]]:
        """Raw detections as (box, 5 points, score, yunet row) in the image's own pixels."""
        height, width = bgr.shape[:2]
        scale = min(1.0, DETECT_MAX_SIDE / max(height, width))
        small = cv2.resize(bgr, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else bgr
        with self._lock:
            self._detector.setInputSize((small.shape[1], small.shape[0]))
            _, rows = self._detector.detect(small)
        found = []
        for row in rows if rows is not None else []:
            row = row.copy()
            row[:14] /= scale
            box = tuple(float(v) for v in row[:4])
            found.append((box, row[4:14].reshape(5, 2), float(row[14]), row))
        return found

    def identify(self, bgr: np.ndarray) -> list[FaceIdentity]:
        """Every face in a BGR image with its embedding, largest first."""
        faces = []
        for box, points, score, row in self.detect(bgr):
            with self._lock:
                crop = self._recognizer.alignCrop(bgr, row)
                feature = self._recognizer.feature(crop).reshape(-1).astype(np.float32)
            faces.append(FaceIdentity(box=box, points=points, score=score,
                                      embedding=feature / (np.linalg.norm(feature) + 1e-12)))
        return sorted(faces, key=lambda f: f.box[2] * f.box[3], reverse=True)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two L2-normalised embeddings (SFace: same person above ~0.36)."""
    return float(np.dot(a, b))


@cache
def shared_identifier() -> FaceIdentifier:
    """The process-wide identifier: SFace weighs 39 MB, so it is loaded once."""
    return FaceIdentifier()
