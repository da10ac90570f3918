"""The bundled demo: a public-domain portrait (NASA photo of Eileen Collins, from scikit-image's
sample data) held up to the camera while a synthetic voice (espeak-ng) speaks.

It is deliberately an attack, the kind a photo-and-voice-changer operative would stage, so a
new user sees on the first run what the checks report; real clips live in ../shared/dev-media.
"""

from __future__ import annotations

import math
from pathlib import Path

import av
import cv2
import numpy as np

ASSETS = Path(__file__).with_name("demo_media")
FPS = 25


def _hand_held(portrait: np.ndarray, t: float) -> np.ndarray:
    """The photo as a hand holds it: a slow sway, tilt and zoom, all in the picture's plane."""
    height, width = portrait.shape[:2]
    angle = 3.0 * math.sin(2 * math.pi * 0.23 * t)
    scale = 1.0 + 0.03 * math.sin(2 * math.pi * 0.31 * t)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
    matrix[:, 2] += (6 * math.sin(2 * math.pi * 0.17 * t), 4 * math.sin(2 * math.pi * 0.29 * t))
    return cv2.warpAffine(portrait, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def build_demo_clip(target: Path) -> Path:
    """Write the demo recording (H.264 + AAC mp4) once; later calls reuse it."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    portrait = cv2.cvtColor(cv2.imread(str(ASSETS / "portrait.jpg")), cv2.COLOR_BGR2RGB)
    portrait = portrait[: portrait.shape[0] // 2 * 2, : portrait.shape[1] // 2 * 2]
    partial = target.with_suffix(".partial.mp4")
    with av.open(str(ASSETS / "speech.flac")) as speech_in, av.open(str(partial), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = portrait.shape[1], portrait.shape[0], "yuv420p"
        audio = out.add_stream("aac", rate=16_000)
        seconds = 0.0
        for frame in speech_in.decode(audio=0):
            seconds = float(frame.time + frame.samples / frame.sample_rate)
            frame.pts = None
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
        for i in range(int(seconds * FPS)):
            picture = av.VideoFrame.from_ndarray(_hand_held(portrait, i / FPS), format="rgb24")
            for packet in video.encode(picture):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
    partial.replace(target)
    return target
