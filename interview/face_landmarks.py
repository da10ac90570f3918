"""Named parts of MediaPipe's 478-point face mesh and the head-pose limits the checks work within.

The index lists are MediaPipe's own contours (`FaceLandmarksConnections` in the Tasks API), in
drawing order, copied here so nothing outside `models/` imports mediapipe. "Left"/"right" follow
MediaPipe: the subject's left eye (`LEFT_EYE`) appears on the image's right side.

The pose limits differ on purpose, each set where its own measurement breaks down (degrees, as
`HeadPose` reads them; MediaPipe understates large turns):
"""

from __future__ import annotations

from dataclasses import dataclass

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
             148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LIPS_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_IRIS = (474, 475, 476, 477)  # centre 473
RIGHT_IRIS = (469, 470, 471, 472)  # centre 468
LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE = 473, 468
NOSE_TIP = 1
LEFT_BROW = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
RIGHT_BROW = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
EYES_AND_BROWS = LEFT_EYE + RIGHT_EYE + LEFT_BROW + RIGHT_BROW
NOSE = (6, 197, 195, 5, 4, 1, 2, 98, 327, 129, 358, 64, 294)
# Points that move with the skull, not with expression: eye corners, nose bridge and base, temples,
# forehead. Landmark jitter is measured on these after removing the head's own motion.
RIGID = (33, 133, 362, 263, 6, 168, 197, 195, 5, 4, 1, 98, 327, 10, 151, 9, 8, 234, 454, 127, 356, 21, 251)


@dataclass(frozen=True)
class PoseLimit:
    """A head pose within `yaw` and `pitch` degrees of facing the camera."""

    yaw: float
    pitch: float

    def allows(self, yaw: float, pitch: float) -> bool:
        return abs(yaw) <= self.yaw and abs(pitch) <= self.pitch


# Identity: beyond this SFace similarity of the same person drops (a head tilted 26-32 degrees up fell
# to 0.24-0.52 against the same man's frontal frames on dev-media tv_real).
IDENTITY_POSE = PoseLimit(40.0, 25.0)
# Liveness coverage: a face "roughly facing the camera", both eyes visible.
LIVENESS_USABLE_POSE = PoseLimit(40.0, 30.0)
# Liveness signals from blendshapes and skin regions (blinks, pulse, deformation): unreliable beyond.
LIVENESS_FRONTAL_POSE = PoseLimit(25.0, 20.0)
# Lip-sync: mouth opening read from landmarks holds up to here.
LIPSYNC_FRONTAL_POSE = PoseLimit(35.0, 30.0)
# Deepfake stress: a face beyond this is at profile or steeply tilted, where swap models fail.
STRESS_POSE = PoseLimit(30.0, 25.0)
