"""MediaPipe FaceLandmarker (Tasks API, VIDEO mode): landmarks, blendshapes and head pose per frame.

VIDEO mode tracks the face from frame to frame, so each stream (a recording, a live call) gets
its own landmarker; the model bytes are read and verified once per process.
"""

from __future__ import annotations

import math

import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from models.mediapipe_video import VideoTask, model_bytes
from models.outputs import Face, HeadPose


def pose_from_matrix(matrix: np.ndarray) -> HeadPose:
    """Yaw, pitch, roll in degrees from the facial transformation matrix's rotation part."""
    r = matrix[:3, :3] / np.linalg.norm(matrix[:3, 0])
    yaw = math.degrees(math.atan2(-r[2, 0], math.hypot(r[2, 1], r[2, 2])))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return HeadPose(yaw=yaw, pitch=-pitch, roll=roll)


class MediaPipeFaceLandmarker(VideoTask):
    """One stream's face landmarker."""

    def __init__(self, max_faces: int = 3, min_confidence: float = 0.5):
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model_bytes("face_landmarker")),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=max_faces,
            min_face_detection_confidence=min_confidence,
            min_face_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        super().__init__(lambda: vision.FaceLandmarker.create_from_options(options))

    def detect(self, image: np.ndarray, t: float) -> list[Face]:
        """Faces in an RGB uint8 image at session time t (seconds)."""
        result = self._detect(image, t)
        height, width = image.shape[:2]
        faces = []
        for i, points in enumerate(result.face_landmarks):
            xyz = np.array([(p.x * width, p.y * height, p.z * width) for p in points], dtype=np.float32)
            x0, y0 = xyz[:, 0].min(), xyz[:, 1].min()
            box = (float(x0), float(y0), float(xyz[:, 0].max() - x0), float(xyz[:, 1].max() - y0))
            shapes = {c.category_name: float(c.score) for c in result.face_blendshapes[i]} if result.face_blendshapes else {}
            matrix = np.asarray(result.facial_transformation_matrixes[i]) if result.facial_transformation_matrixes else np.eye(4)
            faces.append(Face(box=box, landmarks=xyz, blendshapes=shapes, pose=pose_from_matrix(matrix), transform=matrix))
        return faces
