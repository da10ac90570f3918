"""Perception runs once per analysed frame and is shared by every check.

The landmarker runs on every sampled frame; the identity embedding on a lower cadence (and at
once when the number of faces changes, so a new face is identified without waiting); hands
only while some check asks for them (challenge windows) and on their own cadence, since they cost
as much as the face.
"""

from __future__ import annotations

import cv2

from interview.media import SamplingPolicy
from interview.observations import Frame, FrameObservation
from interview.timing import Stopwatch
from models.protocols import FaceEmbedder, FaceLandmarker, HandLandmarker


class Perceiver:
    def __init__(self, policy: SamplingPolicy, landmarker: FaceLandmarker | None = None,
                 embedder: FaceEmbedder | None = None, hands: HandLandmarker | None = None,
                 stopwatch: Stopwatch | None = None):
        if landmarker is None:
            from models.face_landmarker import MediaPipeFaceLandmarker

            landmarker = MediaPipeFaceLandmarker()
        if embedder is None:
            from models.face_identity import shared_identifier

            embedder = shared_identifier()
        self.policy = policy
        self._landmarker = landmarker
        self._embedder = embedder
        self._hands = hands
        self.stopwatch = stopwatch or Stopwatch()
        self._next_embed_t = float("-inf")
        self._next_hands_t = float("-inf")
        self._last_face_count = -1

    def observe(self, frame: Frame, want_hands: bool = False) -> FrameObservation:
        with self.stopwatch.time("face_landmarks"):
            faces = tuple(self._landmarker.detect(frame.image, frame.t))
        identities = None
        if frame.t >= self._next_embed_t or len(faces) != self._last_face_count:
            with self.stopwatch.time("face_embedding"):
                identities = tuple(self._embedder.identify(cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)))
            self._next_embed_t = frame.t + self.policy.embed_every_s
        self._last_face_count = len(faces)
        hands = None
        if want_hands and frame.t >= self._next_hands_t:
            self._next_hands_t = frame.t + self.policy.hands_every_s
            if self._hands is None:
                from models.hand_landmarker import MediaPipeHandLandmarker

                self._hands = MediaPipeHandLandmarker()
            with self.stopwatch.time("hand_landmarks"):
                hands = tuple(self._hands.detect(frame.image, frame.t))
        width, height = frame.size
        return FrameObservation(t=frame.t, index=frame.index, width=width, height=height, faces=faces,
                                identities=identities, hands=hands)

    def close(self) -> None:
        self._landmarker.close()
        if self._hands is not None:
            self._hands.close()
