"""What a recording says about its capture chain: size, frame rate and its regularity, codec and
encoder tags, and the traces a virtual camera or a screen capture leaves.

Read from the container and its packets' timestamps (demuxing, no decoding), plus the sensor noise
level the camera fingerprint measured on the frames the analysis decoded anyway. These are facts a
reviewer reads about one recording, not a verdict: a call recorder re-encodes what it receives, so
even intervals are the rule in recorded files; they only point at a virtual camera together with
a picture that carries no sensor noise (a rendered or denoised picture). Genuine dev clips reach
0.169 grey levels of noise at the lowest (MEAD's 1080p studio footage, whose flat backdrop the
encoder wiped clean), so the margin to a rendered scene (0.134) is thin: a trace to look at, never
a score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np

EVEN_MS = 0.1  # frame intervals all within this of their median: a constant-rate clock
NOISE_FLOOR = 0.15  # grey levels: flat areas quieter than this show no sensor noise (README, Links)
# The sizes of screens that are no camera mode: what a screen capture, or OBS's virtual camera (it
# sends its canvas, by default the monitor's size), delivers.
SCREEN_SIZES = frozenset({(1366, 768), (1440, 900), (1536, 864), (1600, 900), (1680, 1050), (1920, 1200),
                          (2560, 1440), (2560, 1600), (2880, 1800), (3440, 1440), (3840, 2160)})
TOOL_TAGS = ("obs", "manycam", "xsplit", "snap camera", "camtwist", "splitcam", "screen", "camtasia", "bandicam")


@dataclass(frozen=True)
class CaptureChain:
    width: int
    height: int
    nominal_fps: float
    measured_fps: float | None  # frames over the span of their timestamps
    interval_jitter_ms: float | None  # standard deviation of the frame intervals
    even_intervals: bool
    codec: str
    container: str
    tags: dict[str, str]  # encoder and handler tags of the container and the video stream
    noise_level: float | None  # SensorNoise.noise_level
    traces: tuple[str, ...]

    def to_dict(self) -> dict:
        return asdict(self) | {"traces": list(self.traces)}


def _intervals(path: Path) -> tuple[np.ndarray, str, str, dict[str, str], float, tuple[int, int]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = sorted(float(p.pts * p.time_base) for p in container.demux(stream) if p.pts is not None)
        tags = {f"{where}.{key}": str(value) for where, meta in (("container", container.metadata),
                                                                  ("stream", stream.metadata))
                for key, value in meta.items() if key.lower() in ("encoder", "handler_name", "comment", "software")}
        nominal = float(stream.average_rate or stream.guessed_rate or 0)
        return (np.diff(times), stream.codec_context.name, container.format.name, tags, nominal,
                (stream.codec_context.width, stream.codec_context.height))


def traces_of(size: tuple[int, int], even: bool, noise: float | None, tags: dict[str, str]) -> tuple[str, ...]:
    """What in the chain points at something other than a webcam recorded as it came."""
    found = []
    quiet = noise is not None and noise < NOISE_FLOOR
    if quiet and even:
        found.append(f"virtual camera or rendered video: perfectly even frame intervals and no sensor noise "
                     f"({noise:.2f} grey levels in flat areas)")
    elif quiet:
        found.append(f"no sensor noise ({noise:.2f} grey levels in flat areas): a rendered or denoised picture")
    if size in SCREEN_SIZES:
        found.append(f"{size[0]}x{size[1]} is a screen's size, not a camera mode: a screen capture or a virtual "
                     f"camera sending its canvas")
    found += [f"{key} names a virtual-camera or screen-capture tool: {value}" for key, value in tags.items()
              if any(tool in value.lower() for tool in TOOL_TAGS)]
    return tuple(found)


def capture_chain(path: Path | str, noise_level: float | None) -> CaptureChain | None:
    """The capture chain of a recording's video (None: no video stream, or unreadable)."""
    try:
        intervals, codec, container, tags, nominal, size = _intervals(Path(path))
    except (av.error.FFmpegError, OSError, IndexError):
        return None
    intervals = intervals[intervals > 0]
    measured = round(float(1.0 / intervals.mean()), 3) if intervals.size else None
    jitter = round(float(intervals.std() * 1000), 3) if intervals.size > 1 else None
    even = intervals.size > 1 and float(np.abs(intervals - np.median(intervals)).max() * 1000) <= EVEN_MS
    return CaptureChain(size[0], size[1], round(nominal, 3), measured, jitter, bool(even), codec, container, tags,
                        noise_level, traces_of(size, bool(even), noise_level, tags))
