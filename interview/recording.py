"""What is known of a recording without decoding it (`MediaInfo`) and which of its frames perception
sees (`SamplingPolicy`): plain records the checks read, apart from the decoder (`interview.media`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

AUDIO_RATE = 16_000
CHANNEL_POWER_HZ = 100  # stereo channels are handed to the checks as mean power per 10 ms frame


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    duration_s: float
    width: int
    height: int
    fps: float
    has_video: bool
    has_audio: bool
    sha256: str
    video_bitrate: float | None = None  # bits/s of the video stream; None when unknown (a live call)

    @property
    def bits_per_pixel(self) -> float | None:
        """Video bits per pixel and frame: how much of the camera's detail the codec kept. A call
        at 720p30 and 1.5 Mb/s carries 0.05; 0.005 smears a moving face."""
        if not self.video_bitrate or not (self.width and self.height and self.fps):
            return None
        return self.video_bitrate / (self.width * self.height * self.fps)

    def to_dict(self) -> dict:
        bpp = self.bits_per_pixel
        return {"path": str(self.path), "duration_s": round(self.duration_s, 3), "width": self.width,
                "height": self.height, "fps": round(self.fps, 3), "has_audio": self.has_audio,
                "has_video": self.has_video, "sha256": self.sha256,
                "video_kbps": round(self.video_bitrate / 1000, 1) if self.video_bitrate else None,
                "bits_per_pixel": round(bpp, 4) if bpp is not None else None}


@dataclass(frozen=True)
class SamplingPolicy:
    """Which frames perception sees. Explicit because every rate-based check depends on it.

    max_fps: analysed frames per second (frames in between are skipped, and not decoded where nothing refers to them);
    max_side: frames are scaled so their longer side is at most this many pixels;
    embed_every_s: how often the identity embedding runs (YuNet + SFace: ~20 ms of CPU a face, the
    dearest model after the landmarker);
    embed_turned_every_s: how often while the main face is turned beyond STRESS_POSE's yaw or a
    requested turn is watched (perception decides, `embedding_due`): profile views are where a swap
    painted from a frontal photo fails, and the stress check compares them with the frontal views;
    reference_embeddings: a session's first embeddings of a face, also at the turned cadence, so a
    turn asked at the start of a call (where interviewers often put the checks) is compared with as
    many frontal views as one asked later. Otherwise, once a second is plenty to follow one identity
    through a call (it was every 0.5 s until the eleventh session: docs/performance-history.md);
    hands_every_s: how often hands are looked for while a hand challenge is open (~20 ms a frame;
    a hand crossing the face takes well over 0.1 s);
    region: the part of the picture analysed, (x, y, width, height) in the recording's pixels: the
    candidate's tile in a recording of a meeting's gallery view, where the other tiles are the
    interviewers (None: the whole picture).
    """

    max_fps: float = 15.0
    max_side: int = 640
    embed_every_s: float = 1.0
    embed_turned_every_s: float = 0.5
    reference_embeddings: int = 8
    hands_every_s: float = 0.1
    region: tuple[int, int, int, int] | None = None

    def bucket(self, t: float) -> int:
        """The 1/max_fps slot of time t: one frame is analysed per slot, the first to arrive."""
        return int(t * self.max_fps + 1e-6)


def parse_region(text: str) -> tuple[int, int, int, int]:
    """'640,0,640,360' -> (x, y, width, height) of SamplingPolicy.region; ValueError saying how to write it."""
    try:
        x, y, w, h = (int(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise ValueError("give X,Y,WIDTH,HEIGHT in the recording's pixels, e.g. 640,0,640,360") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise ValueError("X and Y are 0 or more, WIDTH and HEIGHT more than 0")
    return x, y, w, h
