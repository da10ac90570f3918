"""Passive liveness signals: is a live three-dimensional person in front of the camera?

`track.FaceTrack` collects, frame by frame, only what the signals need (pose, a few landmarks,
blendshapes, mean skin colour, a tiny picture fingerprint), never the frames themselves. Each
signal module turns the track into a `SignalResult` (score, confidence and a reason a person can
check); `fusion` combines them with explicit rules into the check's findings.

Signals: `blinks` (rate and regularity), `planarity` (3-D parallax when the head turns, and a
face that never changes shape), `rppg` (pulse from skin colour, supporting only), `replay_cues`
(a screen or paper edge around the face, moire), `frozen` (frozen or looped pictures).
"""
