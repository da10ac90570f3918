"""MediaPipe FaceLandmarker (Tasks API, VIDEO mode): landmarks, blendshapes and head pose per frame.

VIDEO mode tracks the face from frame to frame, so each stream (a recording, a live call) gets
its own landmarker; the model bytes are read and verified once per process.

The native result is read straight into numpy (`read_result`): the Tasks wrapper builds a Python
object for each of the 478 points of each face, ~2.5 ms a frame holding the GIL on the thread
that every other stage of a recording waits for (the values are the same: tests/test_perception.py).
It reads private attributes of the Tasks wrapper, hence the version pin in pyproject.toml.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.components.containers import landmark_c
from mediapipe.tasks.python.core.base_options import BaseOptions
from mediapipe.tasks.python.vision.face_landmarker import MpFaceLandmarkerResultC

from models.mediapipe_video import VideoTask, model_bytes
from models.outputs import Face, HeadPose


def pose_from_matrix(matrix: np.ndarray) -> HeadPose:
    """Yaw, pitch, roll in degrees from the facial transformation matrix's rotation part."""
    r = matrix[:3, :3] / np.linalg.norm(matrix[:3, 0])
    yaw = math.degrees(math.atan2(-r[2, 0], math.hypot(r[2, 1], r[2, 2])))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return HeadPose(yaw=yaw, pitch=-pitch, roll=roll)


_POINT = np.dtype({"names": ["x", "y", "z"], "formats": ["<f4"] * 3,
                   "offsets": [landmark_c.MpNormalizedLandmarkC.x.offset, landmark_c.MpNormalizedLandmarkC.y.offset,
                               landmark_c.MpNormalizedLandmarkC.z.offset],
                   "itemsize": ctypes.sizeof(landmark_c.MpNormalizedLandmarkC)})


@dataclass(frozen=True)
class RawFace:
    """One face of the native result: normalised points (n, 3), blendshape scores by name, 4x4 transform."""

    points: np.ndarray
    blendshapes: dict[str, float]
    matrix: np.ndarray


def read_result(result: MpFaceLandmarkerResultC) -> list[RawFace]:
    """The faces of a native result, copied out before it is freed."""
    faces = []
    for i in range(result.face_landmarks_count):
        marks = result.face_landmarks[i]
        if not marks.landmarks_count:
            continue
        raw = np.ctypeslib.as_array(ctypes.cast(marks.landmarks, ctypes.POINTER(ctypes.c_uint8)),
                                    shape=(marks.landmarks_count * _POINT.itemsize,))
        table = raw.view(_POINT)
        points = np.stack([table["x"], table["y"], table["z"]], axis=1)
        shapes = {}
        if i < result.face_blendshapes_count:
            categories = result.face_blendshapes[i]
            shapes = {(c.category_name or b"").decode(): c.score
                      for c in (categories.categories[j] for j in range(categories.categories_count))}
        matrix = (result.facial_transformation_matrixes[i].to_numpy()
                  if i < result.facial_transformation_matrixes_count else np.eye(4))
        faces.append(RawFace(points, shapes, matrix))
    return faces


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

    def _run(self, image, ms: int) -> list[RawFace]:
        """detect_for_video's native call, its result read by read_result."""
        task = self._task
        result = MpFaceLandmarkerResultC()
        task._lib.MpFaceLandmarkerDetectForVideo(task._handle, image._image_ptr, None, ms, ctypes.byref(result))
        try:
            return read_result(result)
        finally:
            task._lib.MpFaceLandmarkerCloseResult(ctypes.byref(result))

    def detect(self, image: np.ndarray, t: float) -> list[Face]:
        """Faces in an RGB uint8 image at session time t (seconds)."""
        height, width = image.shape[:2]
        faces = []
        for raw in self._detect(image, t):
            xyz = (raw.points.astype(np.float64) * (width, height, width)).astype(np.float32)
            x0, y0 = xyz[:, 0].min(), xyz[:, 1].min()
            box = (float(x0), float(y0), float(xyz[:, 0].max() - x0), float(xyz[:, 1].max() - y0))
            faces.append(Face(box=box, landmarks=xyz, blendshapes=raw.blendshapes, pose=pose_from_matrix(raw.matrix),
                              transform=raw.matrix))
        return faces
