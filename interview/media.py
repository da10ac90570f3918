"""Reading recordings: probe, frames with their real timestamps, and audio as 16 kHz mono.

Frames are streamed (never the whole video in memory) and scaled down by the decoder itself.
Times are seconds from the container's presentation zero, shared by video and audio, so the
lip-sync check measures the recording, not the decoder.
"""

from __future__ import annotations

import collections
import contextlib
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from interview.observations import Frame
from interview.recording import AUDIO_RATE, CHANNEL_POWER_HZ, MediaInfo, SamplingPolicy
from models.hashing import file_sha256

# PyAV's default (threads=0: swscale picks a thread per core) builds a thread pool with every new
# scaling context, and PyAV makes a context per frame. For a face-sized region the pool cost ~3 times
# the conversion's own CPU and 20 times its time on a busy machine (0.30 against 0.09 ms of CPU, 2.5
# against 0.13 ms wall), and a quarter more CPU for each analysed 720p frame; the analysis keeps both
# cores busy without it. One thread gives the same pixels (tests/test_media.py).
SCALE_THREADS = 1


def to_rgb(frame: av.VideoFrame, width: int | None = None, height: int | None = None,
           reformatter: VideoReformatter | None = None) -> np.ndarray:
    """The frame as RGB (scaled to width x height if given), on one thread. A `reformatter` kept by
    the caller reuses its scaling context while frames keep their size; without one a new one is
    used, never the frame's own cached one (frames are read by regions from two threads)."""
    reformatter = reformatter or VideoReformatter()
    return reformatter.reformat(frame, width=width, height=height, format="rgb24", threads=SCALE_THREADS).to_ndarray()


class MediaError(Exception):
    """A recording that cannot be used; str() is one line naming the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise MediaError(path, "file not found")
    if path.is_dir():
        raise MediaError(path, "is a folder, not a media file")
    if path.stat().st_size == 0:
        raise MediaError(path, "file is empty (0 bytes)")
    try:
        return av.open(str(path))
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"not a readable audio/video file ({exc.strerror or type(exc).__name__})") from None


def probe(path: Path | str) -> MediaInfo:
    """Read the container header; raises MediaError for anything unusable."""
    path = Path(path)
    with _open(path) as container:
        if container.format.name.endswith("_pipe") or container.format.name == "image2":
            raise MediaError(path, "is a still image, not a recording (an ID photo goes to --id-photo)")
        video = container.streams.video[0] if container.streams.video else None
        has_audio = bool(container.streams.audio)
        if video is None and not has_audio:
            raise MediaError(path, "contains neither video nor audio")
        if container.duration:
            duration = container.duration / av.time_base
        elif video is not None and video.duration and video.time_base:
            duration = float(video.duration * video.time_base)
        else:
            duration = 0.0
        fps = float(video.average_rate or video.guessed_rate or 0) if video is not None else 0.0
        width = video.codec_context.width if video is not None else 0
        height = video.codec_context.height if video is not None else 0
        bitrate = _video_bitrate(container, duration) if video is not None else None
    if video is not None and (width == 0 or height == 0):
        raise MediaError(path, "video stream has no picture size (corrupt header)")
    return MediaInfo(path, duration, width, height, fps, video is not None, has_audio, file_sha256(path), bitrate)


def _video_bitrate(container, duration: float) -> float | None:
    """The video stream's bits/s: as the stream states it (mp4, mov), else the sum of its packets
    over the duration (mkv and webm state no stream rates; demuxing reads no pictures). None
    without a duration."""
    stream = container.streams.video[0]
    if stream.bit_rate:
        return float(stream.bit_rate)
    if duration <= 0:
        return None
    total = sum(packet.size for packet in container.demux(stream))
    return total * 8 / duration or None


class DecodedPicture:
    """A decoded frame at its own resolution, converted to RGB a region at a time (`SourcePicture`).

    A 4:2:0 frame's region is cut from its planes on even bounds and converted alone by the same
    converter: the same pixels as converting the whole frame and cutting (tests/test_media.py), at
    a fraction of the cost when the region is a face. Other layouts, and frames with an odd side
    (their whole conversion interpolates colour between rows, an even cut's does not), are
    converted whole, once."""

    PLANAR_420 = ("yuv420p", "yuvj420p")

    def __init__(self, decoded: av.VideoFrame, crop: tuple[int, int, int, int] | None = None):
        """`crop` (x, y, width, height, even numbers inside the frame: `fitted_region`) makes the
        picture that part of the frame: sizes and regions are the crop's."""
        self._decoded = decoded
        self._origin = crop[:2] if crop is not None else (0, 0)
        self.size = crop[2:] if crop is not None else (decoded.width, decoded.height)
        self._whole: np.ndarray | None = None

    def frame(self) -> av.VideoFrame:
        """The picture as a frame of its own (the decoded frame itself when nothing is cropped)."""
        if self._origin == (0, 0) and self.size == (self._decoded.width, self._decoded.height):
            return self._decoded
        x, y = self._origin
        if not self._planar():
            return av.VideoFrame.from_ndarray(np.ascontiguousarray(self.region(0, 0, *self.size)), format="rgb24")
        return self._part(x, y, x + self.size[0], y + self.size[1])

    def region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        if x1 <= x0 or y1 <= y0:
            return np.zeros((max(0, y1 - y0), max(0, x1 - x0), 3), np.uint8)
        x0, y0, x1, y1 = x0 + self._origin[0], y0 + self._origin[1], x1 + self._origin[0], y1 + self._origin[1]
        if not self._planar():
            return self._whole_rgb()[y0:y1, x0:x1]
        ex0, ey0, ex1, ey1 = x0 - x0 % 2, y0 - y0 % 2, x1 + x1 % 2, y1 + y1 % 2
        return to_rgb(self._part(ex0, ey0, ex1, ey1))[y0 - ey0:y1 - ey0, x0 - ex0:x1 - ex0]

    def _planar(self) -> bool:
        """4:2:0 at even sides: regions are cut from the planes (otherwise from the whole conversion)."""
        frame = self._decoded
        return frame.format.name in self.PLANAR_420 and not frame.width % 2 and not frame.height % 2

    def _part(self, x0: int, y0: int, x1: int, y1: int) -> av.VideoFrame:
        """Rows y0:y1 and columns x0:x1 (even bounds) of the 4:2:0 frame, as a frame."""
        frame = self._decoded
        luma, blue, red = (np.frombuffer(p, np.uint8).reshape(p.height, p.line_size) for p in frame.planes)
        packed = np.concatenate([luma[y0:y1, x0:x1].ravel(), blue[y0 // 2:y1 // 2, x0 // 2:x1 // 2].ravel(),
                                 red[y0 // 2:y1 // 2, x0 // 2:x1 // 2].ravel()]).reshape(-1, x1 - x0)
        part = av.VideoFrame.from_ndarray(packed, format=frame.format.name)
        part.colorspace, part.color_range = frame.colorspace, frame.color_range
        return part

    def _whole_rgb(self) -> np.ndarray:
        if self._whole is None:
            self._whole = np.ascontiguousarray(to_rgb(self._decoded))
        return self._whole


MIN_REGION_PX = 64  # a region smaller than this a side holds no face worth analysing


def fitted_region(region: tuple[int, int, int, int], width: int, height: int, path: Path | str) -> tuple[int, int, int, int]:
    """The region (x, y, width, height) on even pixels, clipped to a width x height picture; a
    MediaError when little of it is in the picture."""
    x, y, w, h = (int(v) for v in region)
    x0, y0 = max(0, x) // 2 * 2, max(0, y) // 2 * 2
    x1, y1 = min(width, x + w) // 2 * 2, min(height, y + h) // 2 * 2
    if x1 - x0 < MIN_REGION_PX or y1 - y0 < MIN_REGION_PX:
        raise MediaError(path, f"the region {x},{y},{w},{h} (x,y,width,height) leaves less than {MIN_REGION_PX} "
                               f"pixels a side of the {width}x{height} picture")
    return x0, y0, x1 - x0, y1 - y0


def seconds(pts: int, time_base: Fraction) -> float:
    """A timestamp in seconds, computed as av.Frame.time does (frames the decoder hands back at the
    end carry no time base of their own, and packet and frame times must compare exactly)."""
    return float(pts) * time_base.numerator / time_base.denominator


# FFmpeg's names of demuxers whose packets carry presentation times (AVI, raw streams and the like
# store decoding order only, and times there are FFmpeg's guesses).
PRESENTATION_TIME_CONTAINERS = frozenset({"mov", "mp4", "matroska", "webm", "mpegts", "mpeg", "flv"})


def stores_presentation_times(container: av.container.InputContainer) -> bool:
    return bool(PRESENTATION_TIME_CONTAINERS & set(container.format.name.split(",")))


def _scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


@dataclass
class FileSource:
    """Frames of a recording, sampled by a policy. `problems` collects decode errors met on the way
    (a truncated file yields what it has, then stops with a problem instead of raising)."""

    info: MediaInfo
    policy: SamplingPolicy = field(default_factory=SamplingPolicy)
    problems: list[str] = field(default_factory=list)
    # FFmpeg's own decoding threads, 0 for as many as it likes. One for an analysis: the decoder runs
    # far ahead of the landmarker anyway, and frame threads cost 0.4 s more CPU per 120 s at 720p
    # while the other stages want both cores (1080p: 10% less wall time with one).
    decode_threads: int = 1
    # Frames the policy passes over are left undecoded where nothing refers to them (UnusedFrames);
    # False decodes every frame, as the bench's yardstick of the machine's decoding speed does.
    leave_unused: bool = True
    undecoded: int = field(default=0, init=False)  # frames between analysed ones the decoder left out (UnusedFrames)

    def frames(self) -> Iterator[Frame]:
        if not self.info.has_video:
            return
        with _open(self.info.path) as container:
            stream = container.streams.video[0]
            context = stream.codec_context
            context.thread_count = self.decode_threads
            if self.decode_threads != 1:
                stream.thread_type = "AUTO"
            region = self.policy.region
            crop = fitted_region(region, self.info.width, self.info.height, self.info.path) if region else None
            source_size = crop[2:] if crop is not None else (self.info.width, self.info.height)
            width, height = _scaled_size(*source_size, self.policy.max_side)
            start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
            unused = UnusedFrames(self.policy, start, stream.time_base)
            timed = stores_presentation_times(container)
            leave_unused = self.leave_unused and timed
            last_bucket = -1
            index = -1
            reformatter = VideoReformatter()

            def shown(decoded_frames: Iterable[av.VideoFrame]) -> Iterator[Frame]:
                """The first of each of the policy's time slots among `decoded_frames`, indexed."""
                nonlocal last_bucket, index
                for decoded in decoded_frames:
                    dropped = unused.dropped_before(decoded.pts)
                    self.undecoded += dropped
                    index += 1 + dropped
                    t = (seconds(decoded.pts, stream.time_base) - start if decoded.pts is not None
                         else index / (self.info.fps or 25.0))
                    bucket = self.policy.bucket(t)
                    if bucket <= last_bucket:
                        continue
                    last_bucket = bucket
                    picture = DecodedPicture(decoded, crop)
                    rgb = to_rgb(picture.frame(), width, height, reformatter)
                    full = picture if (width, height) != source_size else None
                    yield Frame(t=t, index=index, image=np.ascontiguousarray(rgb), source=full)

            ordered = DecodingOrderTimes(0 if timed else DecodingOrderTimes.DEPTH)
            broke: av.error.FFmpegError | None = None
            try:
                for packet in container.demux(stream):
                    context.skip_frame = "NONREF" if leave_unused and unused.seen(packet) else "DEFAULT"
                    yield from shown(ordered(context.decode(packet)))
            except av.error.FFmpegError as exc:
                # The frames the decoder still holds (it keeps a few to put B-frames in order) are
                # whole: hand them over before reporting where the file broke.
                broke = exc
                with contextlib.suppress(av.error.FFmpegError):
                    yield from shown(ordered(context.decode(None)))
            yield from shown(ordered.rest())
            if broke is not None:
                self.problems.append(f"video decoding stopped after frame {index} "
                                     f"({broke.strerror or type(broke).__name__}): the file is truncated or corrupt")


class DecodingOrderTimes:
    """Presentation times for containers that store only decoding order (AVI). There FFmpeg hands
    H.264 B-frames back in display order but stamped with the times of the packets in decoding
    order (1, 3, 4, 2, 7, 6, ...): the set of times is right, not which frame has which. Each frame,
    in the order it is shown, takes the smallest time not yet given, over a window deeper than any
    decoder reorders. Without B-frames this gives every frame its own time."""

    DEPTH = 8

    def __init__(self, depth: int):
        self._depth = depth  # 0 where packets carry presentation times: every frame passes as it is
        self._frames: collections.deque[av.VideoFrame] = collections.deque()
        self._times: list[int] = []

    def __call__(self, decoded_frames: Iterable[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        for decoded in decoded_frames:
            self._frames.append(decoded)
            if decoded.pts is not None:
                heapq.heappush(self._times, decoded.pts)
            if len(self._frames) > self._depth:
                yield self._stamped()

    def rest(self) -> Iterator[av.VideoFrame]:
        """The frames still held, once the decoder has handed over its last."""
        while self._frames:
            yield self._stamped()

    def _stamped(self) -> av.VideoFrame:
        decoded = self._frames.popleft()
        if decoded.pts is not None and self._times:
            decoded.pts = heapq.heappop(self._times)
        return decoded


class UnusedFrames:
    """Which packets hold frames the sampling policy will pass over, so the decoder may drop them.

    Only the first frame (in time) of each 1/max_fps bucket is analysed. A packet whose bucket already
    holds an earlier frame cannot be that one, and if nothing refers to its picture (a non-reference
    frame: most B-frames of x264, OBS or re-encoded files) FFmpeg's `skip_frame` leaves it undecoded:
    the other pictures are decoded exactly as before. Reference frames are decoded whatever the flag
    says. `dropped_before` counts the frames the decoder left out, so every frame keeps its index.

    Packet times must be presentation times for this (`stores_presentation_times`): in AVI,
    FFmpeg's times for H.264 B-frames are those of decoding order and other frames would be
    analysed (measured), so such files are decoded whole."""

    def __init__(self, policy: SamplingPolicy, start: float, time_base: Fraction):
        self._policy, self._start, self._time_base = policy, start, time_base
        self._first: dict[int, int] = {}  # bucket -> smallest pts met in it
        self._flagged: list[int] = []  # heap of the pts of packets flagged, not yet decoded or counted

    def seen(self, packet: av.Packet) -> bool:
        """Note a packet's time; whether its frame is later than another of its bucket, or one the
        demuxer marked to be decoded only as a reference (before an edit list's start: never shown)."""
        if packet.is_discard:
            return True
        pts = packet.pts
        if pts is None:
            return False
        bucket = self._policy.bucket(seconds(pts, self._time_base) - self._start)
        first = self._first.get(bucket)
        if first is None or pts < first:
            self._first[bucket] = pts
            if len(self._first) > 256:
                for old in sorted(self._first)[:128]:
                    del self._first[old]
            return False
        if pts == first:
            return False
        heapq.heappush(self._flagged, pts)
        return True

    def dropped_before(self, pts: int | None) -> int:
        """How many flagged frames due before the decoded frame at pts were dropped by the decoder
        (a flagged reference frame is decoded, arrives itself, and is not counted)."""
        dropped = 0
        if pts is None:
            return dropped
        while self._flagged and self._flagged[0] < pts:
            heapq.heappop(self._flagged)
            dropped += 1
        if self._flagged and self._flagged[0] == pts:
            heapq.heappop(self._flagged)
        return dropped


def _audio_pieces(info: MediaInfo, layout: str, problems: list[str]) -> Iterator[np.ndarray]:
    """The audio track as (channels, n) 16 kHz float32 pieces in order, aligned to time zero: a
    track that starts late is led by silence, one that starts early is trimmed. Decode errors are
    appended to `problems` and end the track."""
    with _open(info.path) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=AUDIO_RATE)
        video = container.streams.video[0] if container.streams.video else None
        zero = float(video.start_time * video.time_base) if video is not None and video.start_time is not None else 0.0
        skip: int | None = None
        try:
            for decoded in container.decode(stream):
                if skip is None and decoded.time is not None:
                    offset = int(round((decoded.time - zero) * AUDIO_RATE))
                    if offset > 0:
                        yield np.zeros((1 if layout == "mono" else 2, offset), np.float32)
                    skip = max(0, -offset)
                for out in resampler.resample(decoded):
                    piece = out.to_ndarray()
                    if skip:
                        piece, skip = piece[:, skip:], max(0, skip - piece.shape[1])
                    yield piece
        except av.error.FFmpegError as exc:
            problems.append(f"audio decoding stopped ({exc.strerror or type(exc).__name__}): truncated or corrupt")
        for out in resampler.resample(None):
            yield out.to_ndarray()


def _stereo_layout(info: MediaInfo) -> str:
    with _open(info.path) as container:
        return "stereo" if (container.streams.audio[0].codec_context.channels or 1) >= 2 else "mono"


def read_channel_power(info: MediaInfo, rate_hz: int = CHANNEL_POWER_HZ) -> tuple[np.ndarray, list[str]]:
    """Mean power of the first two audio channels (one row for a mono track) in consecutive frames
    of 1/`rate_hz` s, (channels, frames) float64, on the video's clock, plus decode problems: what
    telling the parties of a two-channel call apart needs, at 1/160 of the samples' memory."""
    if not info.has_audio:
        return np.zeros((1, 0)), []
    problems: list[str] = []
    hop = AUDIO_RATE // rate_hz
    powers, carry = [], None
    for piece in _audio_pieces(info, _stereo_layout(info), problems):
        carry = piece if carry is None else np.concatenate([carry, piece], axis=1)
        whole = carry.shape[1] // hop * hop
        if whole:
            block = carry[:, :whole].astype(np.float64)
            powers.append((block.reshape(block.shape[0], -1, hop) ** 2).mean(axis=2))
            carry = carry[:, whole:]
    if not powers:
        return np.zeros((1 if carry is None else carry.shape[0], 0)), problems
    return np.concatenate(powers, axis=1), problems


class Pcm16:
    """Mono audio held as 16-bit integers, read as float32: a slice gives float32 samples in -1..1,
    so it stands wherever the samples are only read by slices (half the memory of float32:
    115 MB an hour, 345 MB for three hours). Peaks beyond full scale (a resampler's overshoot) clip."""

    SCALE = 32767.0

    def __init__(self, pcm: np.ndarray):
        self._pcm = pcm
        self.size = int(pcm.size)

    @classmethod
    def quantise(cls, samples: np.ndarray) -> np.ndarray:
        """float samples in -1..1 as the int16 this class holds (clipped beyond full scale)."""
        return np.round(np.clip(samples, -1.0, 1.0) * cls.SCALE).astype(np.int16)

    def __getitem__(self, span: slice) -> np.ndarray:
        return self._pcm[span].astype(np.float32) * np.float32(1.0 / self.SCALE)


class Pcm16Buffer:
    """Float samples appended as int16 to one buffer that grows by half when full (a recording's
    track, sized from its duration; a live call's, which grows as it goes)."""

    def __init__(self, capacity: int):
        self._pcm = np.zeros(capacity, np.int16)
        self.size = 0

    def append(self, samples: np.ndarray) -> np.ndarray:
        """Add float samples in -1..1; returns them as the int16 stored."""
        pcm = Pcm16.quantise(samples)
        end = self.size + pcm.size
        if end > self._pcm.size:  # a new buffer: views handed out keep the old one
            grown = np.zeros(max(end, self._pcm.size * 3 // 2), np.int16)
            grown[:self.size] = self._pcm[:self.size]
            self._pcm = grown
        self._pcm[self.size:end] = pcm
        self.size = end
        return pcm

    def view(self) -> Pcm16:
        """The samples so far; later appends do not change it."""
        return Pcm16(self._pcm[:self.size])


def read_pcm(info: MediaInfo) -> tuple[Pcm16, list[str]]:
    """The whole audio track as 16 kHz mono Pcm16, on the video's clock, plus decode problems.
    Written into one buffer sized from the duration, never held twice."""
    buffer = Pcm16Buffer(int((info.duration_s + 1.0) * AUDIO_RATE) if info.has_audio else 0)
    problems: list[str] = []
    if info.has_audio:
        for piece in _audio_pieces(info, "mono", problems):
            buffer.append(piece[0])
    return buffer.view(), problems


def read_audio(info: MediaInfo) -> tuple[np.ndarray, list[str]]:
    """The audio track as 16 kHz mono float32 (the same values the analysis reads through read_pcm)."""
    pcm, problems = read_pcm(info)
    return pcm[:], problems
