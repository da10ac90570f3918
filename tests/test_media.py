"""Decoding: real timestamps (variable frame rate), containers, audio-only and video-only input,
audio aligned to the video clock, and one-line errors for broken files."""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import sys

import av
import numpy as np
import pytest

from fixtures.generate import broken_inputs, shift_audio, synthetic_clip, vfr_video
from fixtures.media import ffmpeg
from fixtures.synth import read_counter
from interview.media import DecodedPicture, FileSource, MediaError, Pcm16, probe, read_audio, read_pcm
from interview.recording import AUDIO_RATE, SamplingPolicy
from tests.conftest import dev_file

EVERY_FRAME = SamplingPolicy(max_fps=1000.0)


@pytest.mark.parametrize("container", ["mkv", "mp4"])
def test_variable_frame_rate_timestamps_are_the_real_ones(container):
    fixture = vfr_video(container=container)
    frames = list(FileSource(probe(fixture.path), EVERY_FRAME).frames())
    assert [read_counter(f.image) for f in frames] == list(range(fixture.truth["frames"]))
    assert [f.t for f in frames] == pytest.approx(fixture.truth["timestamps_s"], abs=0.0015)


def test_sampling_policy_keeps_at_most_max_fps_on_irregular_timestamps():
    fixture = vfr_video(container="mkv")
    times = [f.t for f in FileSource(probe(fixture.path), SamplingPolicy(max_fps=4.0)).frames()]
    assert len(set(int(t * 4 + 1e-6) for t in times)) == len(times), "one frame per 0.25 s bucket at most"
    assert times[0] == 0.0 and len(times) == len({int(t * 4) for t in fixture.truth["timestamps_s"]})


@pytest.mark.parametrize(("container", "fps"), [("mp4", 30), ("mkv", 25), ("webm", 30)])
def test_frames_the_policy_passes_over_are_left_undecoded_and_the_analysed_ones_keep_their_index(container, fps):
    """x264 writes B-frames that nothing refers to; between two analysed frames the decoder drops
    them. Every analysed frame must still be the first of its 1/15 s slot, with the index drawn in it."""
    fixture = vfr_video(timestamps_s=tuple(round(i / fps, 3) for i in range(90)), container=container)
    source = FileSource(probe(fixture.path), SamplingPolicy(max_fps=15.0))
    frames = list(source.frames())
    shown = [i for i, t in enumerate(fixture.truth["timestamps_s"])
             if i == 0 or int(t * 15 + 1e-6) > int(fixture.truth["timestamps_s"][i - 1] * 15 + 1e-6)]
    assert [f.index for f in frames] == [read_counter(f.image) for f in frames] == shown
    assert [f.t for f in frames] == pytest.approx([fixture.truth["timestamps_s"][i] for i in shown], abs=0.0015)
    if container != "webm":  # libvpx-vp9's frames are all referred to
        assert source.undecoded >= 10, "x264's unreferenced B-frames between analysed frames are not decoded"


def test_avi_with_b_frames_gets_every_frame_in_time_order_and_none_left_undecoded(tmp_path):
    """AVI stores decoding order only: FFmpeg hands x264's B-frames back in display order stamped
    with decoding-order times, which went back and forth and made half the frames look late. Every
    frame must come, in order, at increasing times; and guessed times never decide what to drop."""
    fixture = vfr_video(timestamps_s=tuple(round(i / 25, 3) for i in range(90)), container="mkv")
    ffmpeg("-i", fixture.path, "-c", "copy", "-bsf:v", "h264_mp4toannexb", tmp_path / "b_frames.avi")
    every = list(FileSource(probe(tmp_path / "b_frames.avi"), EVERY_FRAME).frames())
    assert [read_counter(f.image) for f in every] == [f.index for f in every] == list(range(90))
    assert np.diff([f.t for f in every]).min() > 0, "times increase frame after frame"
    source = FileSource(probe(tmp_path / "b_frames.avi"), SamplingPolicy(max_fps=15.0))
    assert len(list(source.frames())) >= 30 and source.undecoded == 0


def test_a_recording_cut_without_re_encoding_counts_frames_from_its_first_shown_one(tmp_path):
    """A stream-copy cut keeps the packets from the keyframe before the cut, marked to be decoded
    but never shown (an edit list). They are not frames of the recording: the first shown is index 0."""
    fixture = vfr_video(timestamps_s=tuple(round(i / 30, 3) for i in range(90)), container="mp4")
    ffmpeg("-ss", "1.0", "-i", fixture.path, "-c", "copy", tmp_path / "cut.mp4")
    frames = list(FileSource(probe(tmp_path / "cut.mp4"), SamplingPolicy(max_fps=15.0)).frames())
    first = read_counter(frames[0].image)
    assert first == 30 and frames[0].t == 0.0
    assert [f.index for f in frames] == [read_counter(f.image) - first for f in frames]


@pytest.mark.parametrize("container", ["mp4", "mov", "webm", "mkv", "avi"])
def test_common_containers_decode_video_and_audio(container):
    fixture = synthetic_clip(container, seconds=2)
    info = probe(fixture.path)
    assert (info.width, info.height) == (fixture.truth["width"], fixture.truth["height"])
    assert info.has_video and info.has_audio
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    frames = list(FileSource(info, SamplingPolicy(max_fps=25.0, max_side=160)).frames())
    assert len(frames) == pytest.approx(fixture.truth["frames"], abs=2)
    assert frames[0].image.shape == (120, 160, 3) and frames[0].image.flags["C_CONTIGUOUS"]
    samples, problems = read_audio(info)
    assert problems == [] and samples.size / AUDIO_RATE == pytest.approx(2.0, abs=0.08)
    spectrum = np.abs(np.fft.rfft(samples[:AUDIO_RATE]))
    assert np.argmax(spectrum) == pytest.approx(fixture.truth["tone_hz"], abs=2), "the 440 Hz tone survives resampling"


def test_analysis_holds_audio_as_16_bit_and_reads_it_back_as_float():
    """A recording's audio is held as int16 (half of float32: an hour is 115 MB, not 230) and read
    back by slices as float32 within half a step of 16-bit quantisation, full scale clipped."""
    info = probe(dev_file("E_speech/whisper_jfk.flac"))
    pcm, problems = read_pcm(info)
    samples, _ = read_audio(info)
    assert problems == [] and pcm.size == samples.size and pcm[100:200].dtype == np.float32
    assert pcm._pcm.dtype == np.int16 and pcm._pcm.nbytes == 2 * pcm.size
    assert np.array_equal(pcm[5_000:9_000], samples[5_000:9_000])
    assert np.abs(samples).max() > 0.3, "real speech, not silence"
    ramp = np.linspace(-1.5, 1.5, 10_001, dtype=np.float32)
    back = Pcm16(Pcm16.quantise(ramp))[:]
    assert np.abs(back - np.clip(ramp, -1, 1)).max() <= 0.5 / Pcm16.SCALE + 1e-7


def test_video_only_and_audio_only_files():
    video_only = probe(synthetic_clip("mp4", with_audio=False).path)
    assert video_only.has_video and not video_only.has_audio
    assert read_audio(video_only)[0].size == 0
    audio_only = probe(synthetic_clip("m4a", with_video=False).path)
    assert audio_only.has_audio and not audio_only.has_video
    assert list(FileSource(audio_only).frames()) == []


@pytest.mark.parametrize("shift_ms", [-300, 300])
def test_audio_stays_on_the_video_clock(models_ready, shift_ms):
    """VAD onsets of a clip whose audio was shifted by the generator move by exactly that shift."""
    from models.speech import speech_segments

    clip = dev_file("A_talking_head/vr_face2.mp4")
    original = speech_segments(read_audio(probe(shift_audio(clip, 0).path))[0])
    shifted = speech_segments(read_audio(probe(shift_audio(clip, shift_ms).path))[0])
    onsets = [(a.start, b.start) for a, b in zip(original, shifted) if a.start > 0.35]
    assert onsets, "speech onsets found in both"
    for before, after in onsets:
        assert after - before == pytest.approx(shift_ms / 1000, abs=0.035)


def test_truncated_file_decodes_what_it_has_and_says_so():
    path = broken_inputs()["truncated_faststart"]
    source = FileSource(probe(path), EVERY_FRAME)
    frames = list(source.frames())
    assert 0 < len(frames) < 100, "some of the 4 s (100 frames) decoded"
    assert frames[-1].t < 4.0


def test_a_truncated_file_hands_over_every_frame_it_holds_whole(tmp_path):
    """The decoder keeps a few frames back to put B-frames in order; when the file breaks off, the
    frames of every whole packet are still analysed (the last packet, cut, is not)."""
    fixture = vfr_video(timestamps_s=tuple(round(i / 30, 3) for i in range(90)), container="mp4")
    ffmpeg("-i", fixture.path, "-c", "copy", "-movflags", "+faststart", tmp_path / "whole.mp4")
    data = (tmp_path / "whole.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    with av.open(str(tmp_path / "whole.mp4")) as whole:
        every = [packet.pts for packet in whole.demux(whole.streams.video[0]) if packet.size]
    with av.open(str(tmp_path / "cut.mp4")) as cut, contextlib.suppress(av.error.FFmpegError):
        arrived = [packet.pts for packet in cut.demux(cut.streams.video[0]) if packet.size]
    held_whole = {sorted(every).index(pts) for pts in arrived[:-1]}
    source = FileSource(probe(tmp_path / "cut.mp4"), EVERY_FRAME)
    frames = list(source.frames())
    assert {read_counter(f.image) for f in frames} == held_whole
    assert source.problems and "truncated or corrupt" in source.problems[0]


@pytest.mark.parametrize("kind, words", [
    ("empty", "empty (0 bytes)"),
    ("truncated_moov_at_end", "not a readable audio/video file"),
    ("random_bytes", "not a readable audio/video file"),
    ("text_as_mov", "not a readable audio/video file"),
    ("png_as_mp4", "is a still image, not a recording"),
])
def test_broken_inputs_fail_with_one_line_naming_file_and_problem(kind, words, tmp_path):
    path = broken_inputs()[kind]
    result = subprocess.run([sys.executable, "-m", "interview.cli", "analyze", str(path), "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("interview-verify: error:")]
    assert len(errors) == 1, result.stderr
    assert str(path) in errors[0]
    assert any(w in errors[0] for w in words.split("|")), errors[0]
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_media_error(tmp_path):
    with pytest.raises(MediaError, match="file not found"):
        probe(tmp_path / "nope.mp4")


def test_bits_per_pixel_from_the_stream_or_from_its_packets(tmp_path):
    """mp4 states the video stream's rate; mkv does not, so it is summed from the stream's packets.
    The same stream in both containers must give the same bits per pixel."""
    from fixtures.av_edit import reencode
    from fixtures.media import ffmpeg

    fixture = reencode(dev_file("A_talking_head/vr_face2.mp4"), 0.01)
    stated = probe(fixture.path)
    assert stated.bits_per_pixel == pytest.approx(fixture.truth["measured_bits_per_pixel"], rel=1e-6)
    assert stated.to_dict()["bits_per_pixel"] == pytest.approx(stated.bits_per_pixel, abs=1e-4)
    remuxed = tmp_path / "same_stream.mkv"
    ffmpeg("-i", fixture.path, "-c", "copy", remuxed)
    estimated = probe(remuxed)
    assert estimated.bits_per_pixel == pytest.approx(stated.bits_per_pixel, rel=0.1)


@pytest.mark.parametrize("clip", ["A_talking_head/lp_d13.mp4", "C_deepfake/roop_target.mp4", "A_talking_head/lp_d12.mp4",
                                  "C_deepfake/gh_orig.webm", "C_deepfake/gc_0048_fake.mp4", "C_deepfake/ffpp_004_real.mp4"])
def test_a_source_region_is_the_same_pixels_as_the_whole_frame_converted_and_cut(clip):
    """Regions at odd and even bounds, at the edges and the whole frame, on H.264, VP9 and MPEG-4,
    BT.709 / SMPTE 170M / untagged, 4:2:0 and 4:4:4 (converted whole), portrait and landscape."""
    import av

    rng = np.random.default_rng(0)
    with av.open(str(dev_file(clip))) as container:
        decoded = next(container.decode(video=0))
        whole = decoded.to_ndarray(format="rgb24")
        picture = DecodedPicture(decoded)
        height, width = whole.shape[:2]
        assert picture.size == (width, height)
        boxes = [(0, 0, width, height), (1, 1, width - 1, height - 1), (width - 3, height - 5, width, height), (5, 7, 6, 8)]
        for _ in range(40):
            x0, x1 = sorted(rng.integers(0, width + 1, 2))
            y0, y1 = sorted(rng.integers(0, height + 1, 2))
            boxes.append((int(x0), int(y0), int(x1), int(y1)))
        for x0, y0, x1, y1 in boxes:
            assert np.array_equal(picture.region(x0, y0, x1, y1), whole[y0:y1, x0:x1]), (clip, x0, y0, x1, y1)


@pytest.mark.parametrize("width, height, pixel_format, colorspace", [
    (66, 33, "yuv420p", None), (65, 33, "yuv420p", None), (640, 361, "yuv420p", None), (853, 480, "yuv420p", None),
    (1280, 720, "yuv420p", "ITU709"), (64, 48, "yuvj420p", None), (96, 64, "yuv444p", None)])
def test_a_source_region_of_any_frame_size_and_layout_is_the_whole_frame_cut(width, height, pixel_format, colorspace):
    """Random pictures (no dev media): odd sides (whose whole conversion interpolates colour between
    rows), full-range 4:2:0, BT.709, 4:4:4."""
    import av

    rng = np.random.default_rng(width * height)
    frame = av.VideoFrame(width, height, pixel_format)
    for plane in frame.planes:
        plane.update(rng.integers(16, 236, plane.buffer_size, dtype=np.uint8).tobytes())
    if colorspace:
        frame.colorspace = getattr(av.video.reformatter.Colorspace, colorspace)
    whole, picture = frame.to_ndarray(format="rgb24"), DecodedPicture(frame)
    for _ in range(60):
        x0, x1 = sorted(int(v) for v in rng.integers(0, width + 1, 2))
        y0, y1 = sorted(int(v) for v in rng.integers(0, height + 1, 2))
        assert np.array_equal(picture.region(x0, y0, x1, y1), whole[y0:y1, x0:x1]), (x0, y0, x1, y1)


@pytest.mark.parametrize("clip, region", [("C_deepfake/ffpp_004_real.mp4", (641, 181, 500, 301)),
                                          ("C_deepfake/gh_orig.webm", (0, 0, 464, 560)),
                                          ("C_deepfake/gc_0048_fake.mp4", (10, 100, 200, 300))])
def test_a_region_of_the_recording_is_analysed_as_if_it_were_the_whole_picture(clip, region):
    """SamplingPolicy.region (the candidate's tile of a meeting recording): on even pixels inside
    the picture, every source read is the whole frame converted and cut there, and the analysed
    image is that cut scaled (4:2:0 H.264, VP9, MPEG-4; an odd region and the whole picture)."""
    import av

    from interview.media import fitted_region

    info = probe(dev_file(clip))
    x, y, w, h = fitted_region(region, info.width, info.height, info.path)
    assert (x % 2, y % 2, w % 2, h % 2) == (0, 0, 0, 0) and x + w <= info.width and y + h <= info.height
    policy = SamplingPolicy(max_side=max(w, h) // 2, region=region)
    with contextlib.closing(FileSource(info, policy).frames()) as frames:
        analysed = list(itertools.islice(frames, 4))
    with av.open(str(dev_file(clip))) as container:
        decoded = list(itertools.islice(container.decode(video=0), analysed[-1].index + 1))
    for frame in analysed:
        whole = decoded[frame.index].to_ndarray(format="rgb24")
        assert frame.source_size == (w, h)
        assert np.array_equal(frame.source_region(0, 0, w, h), whole[y:y + h, x:x + w])
        assert np.array_equal(frame.source_region(3, 5, 40, 33), whole[y + 5:y + 33, x + 3:x + 40])
        cut = av.VideoFrame.from_ndarray(np.ascontiguousarray(whole[y:y + h, x:x + w]), format="rgb24")
        scaled = cut.reformat(width=frame.image.shape[1], height=frame.image.shape[0], format="rgb24").to_ndarray()
        assert np.abs(frame.image.astype(int) - scaled).mean() < 2.0  # scaled from YUV, not from RGB


def test_a_region_outside_the_picture_is_a_media_error():
    from interview.media import fitted_region

    with pytest.raises(MediaError, match="less than 64 pixels a side of the 1280x720 picture"):
        fitted_region((1250, 0, 400, 400), 1280, 720, "call.mp4")


@pytest.mark.parametrize("clip", ["C_deepfake/ffpp_004_real.mp4", "D_presentation_attack/tv_real.mp4", "C_deepfake/dfdc_lynaeydofd_real.mp4"])
def test_analysed_frames_are_the_pixels_of_ffmpegs_default_threaded_scaling(clip):
    """FileSource scales on one thread with a reused context (media.SCALE_THREADS): the same pixels
    as PyAV's default, a new thread-pooled context per frame, on the first frames it keeps."""
    import av

    policy = SamplingPolicy()
    info = probe(dev_file(clip))
    with contextlib.closing(FileSource(info, policy).frames()) as frames:
        analysed = list(itertools.islice(frames, 10))
    with av.open(str(dev_file(clip))) as container:
        decoded = list(itertools.islice(container.decode(video=0), analysed[-1].index + 1))
    height, width = analysed[0].image.shape[:2]
    assert (width, height) != (info.width, info.height), "a clip the analysis scales"
    for frame in analysed:
        assert np.array_equal(frame.image, decoded[frame.index].reformat(width=width, height=height, format="rgb24").to_ndarray())
