"""Perception runs once per analysed frame and is shared by every check.

The landmarker runs on every sampled frame; the identity embedding on a lower cadence
(`embedding_due`: once a second, twice while the face is turned, a turn is watched or no face is
seen, and at once when the number of faces changes, so a new face is identified without waiting);
hands only while some check asks for them (challenge windows) and on their own cadence, since they
cost as much as the face.

Small faces: the landmarker's detector misses faces under about 40 px in the analysed picture (a
phone held up in front of a webcam, a candidate far from the camera), which YuNet still finds. When
the landmarker sees no face but YuNet does, the face is landmarked on a crop around it, cut from
the recording at its own resolution and enlarged (`Zoom`), and followed that way until it is lost
or, if large, the landmarker finds it again. Landmarks come back in the analysed picture's pixels,
so no check needs to know.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from interview.face_landmarks import STRESS_POSE
from interview.observations import Frame, FrameObservation
from interview.recording import SamplingPolicy
from interview.timing import Stopwatch
from models.protocols import FaceEmbedder, FaceLandmarker, HandLandmarker


def embedding_due(policy: SamplingPolicy, t: float, last_t: float, faces: tuple, last_count: int,
                  taken: int, watching_turn: bool = False) -> bool:
    """Whether the identity embedding should run on the frame at t, given when it last ran, how many
    faces the last frame had and how many embeddings of a face were `taken` so far: on the policy's
    cadence; the turned one for the session's first `reference_embeddings`, while the largest face
    is turned past STRESS_POSE's yaw, while a requested turn is watched, and while the landmarker
    sees no face (YuNet then looks for a small one to zoom on); at once when the number of faces
    changed."""
    if len(faces) != last_count:
        return True
    main = max(faces, key=lambda f: f.box[2] * f.box[3], default=None)
    turned = main is None or abs(main.pose.yaw) >= STRESS_POSE.yaw
    dense = turned or watching_turn or taken < policy.reference_embeddings
    return t >= last_t + (policy.embed_turned_every_s if dense else policy.embed_every_s)


class EmbeddingCadence:
    """One stream's identity-embedding cadence: `embedding_due` with the state it needs (when the
    embedding last ran, how many ran on a face, how many faces the last frame had)."""

    def __init__(self, policy: SamplingPolicy):
        self.policy = policy
        self._last_t = float("-inf")
        self._taken = 0
        self._count = -1

    def take(self, t: float, faces: tuple, watching_turn: bool = False) -> bool:
        """Whether the embedding runs on the frame at t, recorded as run when it does."""
        due = embedding_due(self.policy, t, self._last_t, faces, self._count, self._taken, watching_turn)
        if due:
            self._last_t = t
            self._taken += bool(faces)
        return due

    def saw(self, count: int) -> None:
        """The number of faces the frame ended with (after the zoom, which may find one)."""
        self._count = count


@dataclass(frozen=True)
class Sighting:
    """A frame's observation before its identity embedding: `owes_identities` when one is due."""

    obs: FrameObservation
    owes_identities: bool


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
        self._cadence = EmbeddingCadence(policy)
        self._next_hands_t = float("-inf")
        self._zoom = Zoom()

    def observe(self, frame: Frame, want_hands: bool = False, watching_turn: bool = False) -> FrameObservation:
        """Everything perception sees on one frame, on the caller's thread."""
        return self.identified(frame, self.look(frame, want_hands, watching_turn))

    def look(self, frame: Frame, want_hands: bool = False, watching_turn: bool = False) -> Sighting:
        """Landmarks (and hands) of one frame. The identity embedding that is due on it runs here
        only when the landmarker found no face (YuNet then aims the zoom); otherwise it is left owed,
        for `identified` to run on another thread: a recording's perception is its slowest stage."""
        zoom = self._zoom
        with self.stopwatch.time("face_landmarks"):
            faces = zoom.follow(frame) if zoom.active and not zoom.may_hand_back(frame.t) else ()
            if not faces:
                faces = tuple(self._landmarker.detect(frame.image, frame.t))
                if zoom.active and zoom.is_followed(faces):
                    zoom.let_go()
                elif zoom.active:  # the face is still the zoom's alone (any face found is someone else's)
                    faces = zoom.kept(frame)
        identities = None
        due = self._cadence.take(frame.t, faces, watching_turn)
        if due and not faces:
            identities = self._identify(frame)
            if identities:
                with self.stopwatch.time("face_landmarks"):
                    faces = self._zoom.start(frame, identities[0].box)
        self._cadence.saw(len(faces))
        hands = None
        if want_hands and frame.t >= self._next_hands_t:
            self._next_hands_t = frame.t + self.policy.hands_every_s
            if self._hands is None:
                from models.hand_landmarker import MediaPipeHandLandmarker

                self._hands = MediaPipeHandLandmarker()
            with self.stopwatch.time("hand_landmarks"):
                hands = tuple(self._hands.detect(frame.image, frame.t))
        width, height = frame.size
        obs = FrameObservation(t=frame.t, index=frame.index, width=width, height=height, faces=faces,
                               identities=identities, hands=hands, whole_frame=not zoom.active)
        return Sighting(obs, owes_identities=due and identities is None)

    def identified(self, frame: Frame, sighting: Sighting) -> FrameObservation:
        """The sighting's observation with the identity embedding it owes. May run on another thread
        than `look`: the shared FaceIdentifier guards its DNN objects with its own lock."""
        if not sighting.owes_identities:
            return sighting.obs
        return replace(sighting.obs, identities=self._identify(frame))

    def _identify(self, frame: Frame) -> tuple:
        with self.stopwatch.time("face_embedding"):
            return tuple(self._embedder.identify(cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)))

    def close(self) -> None:
        self._landmarker.close()
        self._zoom.close()
        if self._hands is not None:
            self._hands.close()


class Zoom:
    """Landmarks of one small face, found on an enlarged crop around it (see the module docstring).

    It has its own landmarker (VIDEO mode tracks one image stream), made the first time a small
    face turns up; recordings whose faces the landmarker finds never pay for it.

    It hands a large face back: one whose crop (CONTEXT times its size) is no smaller than SIDE_PX,
    i.e. one the crop shows at no more detail than the analysed picture. A large face the landmarker
    missed once (a passing hand, a fast turn, a fade) would otherwise be followed on the crop for
    the rest of the interview, and while zoomed a second face elsewhere gets no landmarks. The
    hand-back is a trial: the landmarker looks at the whole frame, and if it still misses the face
    (it may find another one) the zoom follows it on that frame and tries again HAND_BACK_RETRY_S
    later, so a face only the zoom can see costs one extra whole-frame look a second (not YuNet and
    a restart every frame). A small face is never handed back: while it is followed, a second face
    elsewhere gets no landmarks (YuNet still counts it every embedding)."""

    CONTEXT = 3.0  # crop side: this many times the face's larger side
    SIDE_PX = 256  # the crop is landmarked at this size
    HAND_BACK_RETRY_S = 1.0

    def __init__(self):
        self._landmarker = None
        self._box: tuple[float, float, float, float] | None = None  # the followed face, analysed pixels
        self._retry_t = float("-inf")

    @property
    def active(self) -> bool:
        return self._box is not None

    def may_hand_back(self, t: float) -> bool:
        """Whether the whole-frame landmarker should look for the followed face on the frame at t:
        it is large enough for it, and the last trial is HAND_BACK_RETRY_S behind."""
        return self.active and self.CONTEXT * max(self._box[2:]) >= self.SIDE_PX and t >= self._retry_t

    def is_followed(self, faces: tuple) -> bool:
        """Whether one of these whole-frame faces is the one followed (its centre inside the box
        the zoom last saw)."""
        if self._box is None:
            return False
        x, y, w, h = self._box
        return any(x <= f.box[0] + f.box[2] / 2 <= x + w and y <= f.box[1] + f.box[3] / 2 <= y + h for f in faces)

    def let_go(self) -> None:
        """Stop following (the face is lost, or the landmarker found it on its own)."""
        self._box = None

    def kept(self, frame: Frame) -> tuple:
        """The landmarker still misses the face: follow it on this frame, retry the hand-back later."""
        self._retry_t = frame.t + self.HAND_BACK_RETRY_S
        return self.follow(frame)

    def start(self, frame: Frame, box: tuple[float, float, float, float]) -> tuple:
        """Landmark the face in `box` (analysed pixels) on a crop; keep following it if found."""
        self._box = box
        return self.follow(frame)

    def follow(self, frame: Frame) -> tuple:
        """The followed face on this frame, re-aimed at it; () and stop when it is lost."""
        if self._landmarker is None:
            from models.face_landmarker import MediaPipeFaceLandmarker

            self._landmarker = MediaPipeFaceLandmarker()
        bx, by, bw, bh = self._box
        side = self.CONTEXT * max(bw, bh)
        x, y = bx + bw / 2 - side / 2, by + bh / 2 - side / 2
        scale = frame.source_size[0] / frame.image.shape[1]
        x0, y0 = max(0, int(x * scale)), max(0, int(y * scale))
        crop = frame.source_region(x0, y0, int((x + side) * scale), int((y + side) * scale))
        if crop.size == 0:
            self.let_go()
            return ()
        factor = self.SIDE_PX / max(crop.shape[:2])
        enlarged = np.ascontiguousarray(cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC))
        found = self._landmarker.detect(enlarged, frame.t)
        if not found:
            self.let_go()
            return ()
        back = 1.0 / (factor * scale)  # crop pixels -> analysed pixels
        offset = np.array([x0 / scale, y0 / scale, 0.0], np.float32)
        faces = tuple(replace(f, landmarks=f.landmarks * back + offset,
                              box=(f.box[0] * back + offset[0], f.box[1] * back + offset[1], f.box[2] * back, f.box[3] * back))
                      for f in found)
        self._box = faces[0].box
        return faces

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
