"""The fixture generator makes what its truth claims: each test measures the produced file.

Decoding here uses PyAV (not the generator's ffmpeg-CLI helpers), so the checks are independent.
"""
from __future__ import annotations

import wave
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from scipy import signal
from scipy.io import wavfile

import fixtures as fx
from fixtures import cache
from fixtures.generate import main as cli
from tests.conftest import dev_file

FACE2, FACE3 = "A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4"
OTHER_VOICE = "A_talking_head/vr_audio1.wav"


@pytest.fixture(scope="module", autouse=True)
def fixture_cache(tmp_path_factory):
    """All fixtures of this module go to one temporary cache (shared, so each is built once)."""
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("fixtures")
        patch.setenv("INTERVIEW_VERIFY_FIXTURES", str(path))
        yield path


def audio(path: Path) -> tuple[np.ndarray, int, float]:
    """(mono float PCM, sample rate, time of the first decoded sample) of the first audio stream."""
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].codec_context.sample_rate
        to_mono = av.AudioResampler(format="flt", layout="mono", rate=rate)
        frames = list(container.decode(audio=0))
    pcm = [f.to_ndarray().ravel() for frame in frames for f in to_mono.resample(frame)]
    pcm += [f.to_ndarray().ravel() for f in to_mono.resample(None)]
    return np.concatenate(pcm), rate, frames[0].time


def video_frames(path: Path, fmt: str = "gray") -> tuple[list[np.ndarray], list[float]]:
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    return [f.to_ndarray(format=fmt) for f in frames], [f.time for f in frames]


def packets(path: Path, kind: str) -> list[tuple[int, bytes]]:
    """(pts, payload) of every packet of the first stream of ``kind``: equal lists mean a stream copy."""
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        return [(p.pts, bytes(p)) for p in container.demux(stream) if p.size]


def assert_aac_length(decoded: np.ndarray, samples: int) -> None:
    """Decoders drop AAC priming (mp4 edit list) but return the last 1024-sample frame whole."""
    assert 0 <= len(decoded) - samples < 1024


def lag_ms(reference: np.ndarray, other: np.ndarray, rate: int) -> float:
    """How much ``other`` lags ``reference`` (ms), at the peak of their cross-correlation."""
    n = min(len(reference), len(other))
    corr = signal.correlate(other[:n], reference[:n], mode="full", method="fft")
    return (int(np.argmax(corr)) - (n - 1)) * 1000 / rate


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def thumb(gray: np.ndarray) -> np.ndarray:
    return cv2.resize(gray, (64, 64), interpolation=cv2.INTER_AREA).astype(float)


# --- audio edits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relpath, shift_ms",
    [
        (FACE2, 0),  # re-muxing alone must not move the audio (AAC priming is compensated)
        (FACE2, 300),
        (FACE2, -200),
        (FACE3, 120),
        ("C_deepfake/dfdc_lynaeydofd_real.mp4", 300),
        ("C_deepfake/dfdc_widuwuoiur_fake.mp4", -150),
    ],
)
def test_shift_audio_measures_as_intended(relpath, shift_ms):
    source = dev_file(relpath)
    fixture = fx.shift_audio(source, shift_ms)
    assert fixture.truth["shift_ms"] == shift_ms
    original, rate, _ = audio(source)
    shifted, out_rate, start = audio(fixture.path)
    assert (out_rate, start) == (rate, 0.0)
    assert abs(lag_ms(original, shifted, rate) - shift_ms) <= 1.0
    assert abs(len(shifted) - len(original)) <= 1  # duration kept
    assert packets(fixture.path, "video") == packets(source, "video")  # picture untouched


def test_replace_audio_carries_the_other_voice_for_the_video_length():
    video, voice = dev_file(FACE2), dev_file(OTHER_VOICE)
    fixture = fx.replace_audio(video, voice)
    got, rate, start = audio(fixture.path)
    other, other_rate, _ = audio(voice)
    own, _, _ = audio(video)
    assert (rate, start) == (other_rate, 0.0)
    assert fixture.truth["duration_s"] == 5.0
    assert_aac_length(got, 5 * rate)
    assert lag_ms(other, got, rate) == 0.0
    assert similarity(other, got) > 0.99 and abs(similarity(own, got)) < 0.2
    assert packets(fixture.path, "video") == packets(video, "video")


def test_wrap_audio_only_keeps_the_sound_and_has_no_video():
    source = dev_file("E_speech/whisper_jfk.flac")
    fixture = fx.wrap_audio_only(source, "m4a")
    with av.open(str(fixture.path)) as container:
        assert [s.type for s in container.streams] == ["audio"]
    got, rate, start = audio(fixture.path)
    original, _, _ = audio(source)
    assert (rate, start, fixture.truth["duration_s"]) == (44100, 0.0, 11.0)
    assert_aac_length(got, len(original))
    assert lag_ms(original, got, rate) == 0.0 and similarity(original, got) > 0.99


# --- video edits -----------------------------------------------------------------------------


def test_splice_people_switches_person_exactly_at_boundary():
    first, second = dev_file(FACE3), dev_file(FACE2)  # the smaller picture first keeps the encode quick
    fixture = fx.splice_people(first, second, seconds_a=2.0, seconds_b=1.6)
    truth = fixture.truth
    assert (truth["boundary_s"], truth["boundary_frame"], truth["frames"]) == (2.0, 50, 90)
    frames, times = video_frames(fixture.path)
    assert len(frames) == 90 and frames[0].shape == (590, 590)
    assert times == pytest.approx([i / 25 for i in range(90)], abs=1e-9)
    cut = truth["boundary_frame"]
    assert times[cut] == truth["boundary_s"]
    change = [np.abs(thumb(b) - thumb(a)).mean() for a, b in zip(frames, frames[1:])]
    assert int(np.argmax(change)) + 1 == cut  # the biggest picture change is the splice
    a_frames, _ = video_frames(first)
    b_frames, _ = video_frames(second)
    assert np.abs(thumb(frames[cut - 1]) - thumb(a_frames[cut - 1])).mean() < 4
    assert np.abs(thumb(frames[cut]) - thumb(b_frames[0])).mean() < 4
    assert np.abs(thumb(frames[cut]) - thumb(a_frames[cut])).mean() > 20

    got, rate, _ = audio(fixture.path)
    a_audio, _, _ = audio(first)
    b_audio, _, _ = audio(second)
    boundary = round(truth["boundary_s"] * rate)
    assert_aac_length(got, round(3.6 * rate))
    assert lag_ms(a_audio[:boundary], got[:boundary], rate) == 0.0
    assert lag_ms(b_audio[: rate], got[boundary : boundary + rate], rate) == 0.0
    assert similarity(b_audio[:rate], got[boundary : boundary + rate]) > 0.99


def test_freeze_frames_repeats_one_frame_bit_exactly_and_nothing_else_changes():
    source = dev_file(FACE3)
    fixture = fx.freeze_frames(source, 1.0, 2.0)
    truth = fixture.truth
    assert (truth["start_s"], truth["end_s"], truth["start_frame"], truth["end_frame"]) == (1.0, 2.0, 25, 50)
    original, original_times = video_frames(source, "yuv420p")
    frozen, times = video_frames(fixture.path, "yuv420p")
    assert times == original_times
    still = frozen[truth["start_frame"]]
    for i, (got, want) in enumerate(zip(frozen, original)):
        in_span = truth["start_s"] <= times[i] < truth["end_s"]
        assert np.array_equal(got, still if in_span else want), f"frame {i}"
    assert not np.array_equal(frozen[49], frozen[50])
    assert packets(fixture.path, "audio") == packets(source, "audio")


def test_reencode_lowers_the_bitrate_and_keeps_frames_and_audio():
    """The stream's measured rate is near the request (one x264 pass undershoots on short clips),
    the frames are the same in number, size and time, the picture is the same picture, and the
    audio packets are copied untouched."""
    source = dev_file(FACE3)
    fixture = fx.reencode(source, 0.01)
    assert 0.6 * 0.01 <= fixture.truth["measured_bits_per_pixel"] <= 1.05 * 0.01
    original, original_times = video_frames(source, "gray")
    squeezed, times = video_frames(fixture.path, "gray")
    assert times == pytest.approx(original_times, abs=1e-3) and squeezed[0].shape == original[0].shape
    errors = [np.abs(a.astype(float) - b.astype(float)).mean() for a, b in zip(squeezed, original)]
    assert 0.3 < float(np.mean(errors)) < 8.0  # visibly compressed, still the same picture
    assert packets(fixture.path, "audio") == packets(source, "audio")


def changed(edited: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Pixels a scene edit touched: beyond what the near-lossless re-encode moves (grey levels; the
    re-encode still moves a stray pixel or two that far in some frames)."""
    return np.abs(edited.astype(float) - original.astype(float)) > 25


def test_bystander_walks_behind_with_a_small_detectable_face_and_keeps_the_audio():
    """The bystander appears only during the recorded pass, inside the recorded path, never over the
    candidate's face (the middle of its box: the box's lower corners are room beside the jaw); a face
    detector finds their face, smaller than the candidate's, on some frames."""
    from fixtures.perturb import BYSTANDER_PHOTOS, perturb
    from models.face_identity import shared_identifier

    source = dev_file(FACE3)
    fixture = perturb(source, "bystander")
    truth = fixture.truth
    assert truth["variant"] == "bystander" and truth["photo"] in BYSTANDER_PHOTOS and truth["genuine"]
    start, end = truth["pass_s"]
    path = {t: box for t, *box in truth["path"]}
    cx, cy, cw, ch = truth["candidate_face"]
    original, times = video_frames(source, "gray")
    edited, _ = video_frames(fixture.path, "gray")
    colour, _ = video_frames(fixture.path, "bgr24")
    assert len(edited) == len(original) and len(path) >= 40
    small_faces = 0
    for i, t in enumerate(times):
        moved = changed(edited[i], original[i])
        if not start <= t <= end:
            assert moved.mean() < 0.001, f"frame {i} at {t:.2f} s changed outside the pass"
            continue
        assert moved[int(cy + 0.15 * ch):int(cy + 0.85 * ch), int(cx + 0.25 * cw):int(cx + 0.75 * cw)].mean() < 0.001
        ys, xs = np.nonzero(moved)
        x, y, w, h = path[round(t, 3)]
        if len(xs):  # the cut-out: a head and shoulders around the recorded face box
            assert x - 1.0 * w <= xs.min() and xs.max() <= x + 2.0 * w and y - 0.7 * h <= ys.min(), f"frame {i}"
        found = [box for box, *_ in shared_identifier().detect(colour[i])]
        small_faces += any(x <= bx + bw / 2 <= x + w and bh < 0.6 * ch for bx, _, bw, bh in found)
    assert small_faces >= 5
    assert [p for _, p in packets(fixture.path, "audio")] == [p for _, p in packets(source, "audio")]


def test_glasses_glare_brightens_part_of_the_eyes_only_and_keeps_the_audio():
    """On a man with glasses the glare covers a small bright patch inside the recorded eye boxes on
    every frame with a face, brighter than what was there, and a varying amount over time."""
    from fixtures.perturb import perturb

    source = dev_file("A_talking_head/gr_lbax4n.mpg")
    fixture = perturb(source, "glasses_glare")
    boxes = {t: box for t, *box in fixture.truth["glare"]}
    original, times = video_frames(source, "gray")
    edited, _ = video_frames(fixture.path, "gray")
    assert fixture.truth["variant"] == "glasses_glare" and len(boxes) >= 0.9 * len(times)
    gains = []
    for i, t in enumerate(times):
        x0, y0, x1, y1 = boxes[round(t, 3)]
        moved = changed(edited[i], original[i])
        inside = np.zeros_like(moved)
        inside[y0 - 2:y1 + 2, x0 - 2:x1 + 2] = True
        assert moved.any() and (moved & ~inside).sum() < 5, f"frame {i}"  # < 5: the re-encode's strays
        assert moved.mean() < 0.01  # a patch over the eyes, not the face (the face is ~12% of the picture)
        gains.append(float((edited[i][moved].astype(float) - original[i][moved]).mean()))
    assert min(gains) > 25 and max(gains) - min(gains) > 5
    assert [p for _, p in packets(fixture.path, "audio")] == [p for _, p in packets(source, "audio")]


def test_still_photo_video_is_upright_still_and_has_the_audio():
    photo, voice = dev_file("D_presentation_attack/sf_image_F1.jpg"), dev_file(OTHER_VOICE)
    fixture = fx.still_photo_video(photo, seconds=2, fps=25, with_audio=voice)
    assert {k: fixture.truth[k] for k in ("width", "height", "frames")} == {"width": 480, "height": 640, "frames": 50}
    frames, times = video_frames(fixture.path, "bgr24")
    assert len(frames) == 50 and frames[0].shape == (640, 480, 3)
    assert times == pytest.approx([i / 25 for i in range(50)], abs=1e-9)
    assert max(np.abs(f.astype(float) - frames[0]).mean() for f in frames) < 0.5  # still, up to codec noise
    raw = cv2.imread(str(photo), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    assert raw.shape == (480, 640, 3)  # stored landscape, EXIF orientation 6 = rotate 90 deg clockwise
    upright = cv2.rotate(raw, cv2.ROTATE_90_CLOCKWISE)
    wrong_way = cv2.rotate(raw, cv2.ROTATE_90_COUNTERCLOCKWISE)
    assert np.abs(frames[0].astype(float) - upright).mean() < 4
    assert np.abs(frames[0].astype(float) - wrong_way).mean() > 20
    got, rate, start = audio(fixture.path)
    other, _, _ = audio(voice)
    assert start == 0.0
    assert_aac_length(got, 2 * rate)
    assert lag_ms(other[: 2 * rate], got, rate) == 0.0


# --- synthetic media -------------------------------------------------------------------------


@pytest.mark.parametrize("container", ["mkv", "mp4", "webm"])
def test_vfr_video_timestamps_read_back_exactly(container):
    fixture = fx.vfr_video(container=container)
    assert fixture.truth["timestamps_s"][:5] == [0.0, 0.033, 0.1, 0.12, 0.3]
    frames, times = video_frames(fixture.path, "rgb24")
    assert times == pytest.approx(fixture.truth["timestamps_s"], abs=1e-9)
    assert [fx.read_counter(f) for f in frames] == list(range(len(frames)))  # no frame dropped or doubled


def test_vfr_video_rejects_timestamps_closer_than_a_millisecond():
    with pytest.raises(ValueError):
        fx.vfr_video(timestamps_s=(0.0, 0.0004), container="mkv")


@pytest.mark.parametrize(
    "container, with_video, with_audio",
    [(c, True, True) for c in ("mp4", "mov", "mkv", "webm", "avi")]
    + [(c, False, True) for c in ("m4a", "mp3", "ogg", "flac", "wav")]
    + [("mp4", True, False)],
)
def test_synthetic_clip_streams_size_length_and_tone(container, with_video, with_audio):
    fixture = fx.synthetic_clip(container, with_audio=with_audio, with_video=with_video, seconds=2)
    truth = fixture.truth
    assert fixture.path.suffix == f".{container}"
    with av.open(str(fixture.path)) as probe:
        assert (bool(probe.streams.video), bool(probe.streams.audio)) == (with_video, with_audio)
    if with_video:
        frames, times = video_frames(fixture.path)
        assert len(frames) == truth["frames"] == 50
        assert frames[0].shape == (truth["height"], truth["width"])
        # spacing, not start: with Opus (mkv, webm) ffmpeg shifts every stream by the 6.5 ms pre-skip
        assert np.diff(times) == pytest.approx(np.full(49, 1 / 25), abs=1e-3)
    if with_audio:
        tone, rate, _ = audio(fixture.path)
        assert rate == truth["sample_rate"]
        assert len(tone) / rate == pytest.approx(truth["duration_s"], abs=0.03)
        spectrum = np.abs(np.fft.rfft(tone * np.hanning(len(tone))))
        assert np.fft.rfftfreq(len(tone), 1 / rate)[np.argmax(spectrum)] == pytest.approx(truth["tone_hz"], abs=1)


def test_synthetic_clip_refuses_video_in_an_audio_container():
    with pytest.raises(ValueError):
        fx.synthetic_clip("wav")


def test_broken_inputs_are_broken_in_their_own_way():
    files = fx.broken_inputs()
    assert {p.suffix for p in files.values()} == {".mp4", ".mov"}
    assert files["empty"].stat().st_size == 0
    assert files["png_as_mp4"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert files["text_as_mov"].read_bytes().startswith(b"This is a text file")
    for kind in ("empty", "truncated_moov_at_end", "random_bytes", "text_as_mov"):
        with pytest.raises(av.error.InvalidDataError):
            av.open(str(files[kind]))
    frames, _ = video_frames(files["truncated_faststart"])
    assert 0 < len(frames) < 100  # moov first: the head of the stream still decodes


# --- interview dialog ------------------------------------------------------------------------


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(float) ** 2)))


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    rate, pcm = wavfile.read(path)
    return pcm.reshape(len(pcm), -1) / 32768.0, rate


def test_qa_dialog_gaps_are_exact_silences_between_speech():
    dev_file("E_speech/whisper_jfk.flac")
    gaps = (0.3, 1.0, 2.5)
    fixture = fx.qa_dialog(gaps)
    pcm, rate = read_wav(fixture.path)
    assert (rate, pcm.shape[1]) == (16000, 1)
    track, turns = pcm[:, 0], fixture.truth["turns"]
    assert [t["gap_s"] for t in turns] == list(gaps)
    assert len({t["question_text"] for t in turns}) == len(turns)
    noise = 10 ** (fixture.truth["noise_dbfs"] / 20)
    edge_ratio = 10 ** (fixture.truth["trim_db"] / 20)
    at = lambda seconds: round(seconds * rate)  # noqa: E731
    for turn in turns:
        q_end, a_start = at(turn["question_end_s"]), at(turn["answer_start_s"])
        assert (a_start - q_end) / rate == turn["gap_s"]
        assert rms(track[q_end:a_start]) == pytest.approx(noise, rel=0.05)  # nothing but the noise floor
        assert np.abs(track[q_end:a_start]).max() < 6 * noise
        for start, end in ((at(turn["question_start_s"]), q_end), (a_start, at(turn["answer_end_s"]))):
            assert rms(track[start - 160 : start]) < 1.5 * noise and rms(track[end : end + 160]) < 1.5 * noise
            frames = track[start:end].reshape(-1, 160)  # the piece's own 10 ms frames
            levels = np.sqrt(np.mean(frames**2, axis=1))
            # speech reaches right up to both edges: edge frames are within trim_db of the loudest
            assert min(levels[0], levels[-1]) >= 0.9 * edge_ratio * levels.max()
            assert min(levels[0], levels[-1]) > 5 * noise


def test_qa_dialog_stereo_puts_interviewer_left_and_candidate_right():
    dev_file("E_speech/whisper_jfk.flac")
    fixture = fx.qa_dialog((0.5, 1.5), stereo=True)
    pcm, rate = read_wav(fixture.path)
    assert pcm.shape[1] == 2 and fixture.truth["channels"] == 2
    noise = 10 ** (fixture.truth["noise_dbfs"] / 20)
    for turn in fixture.truth["turns"]:
        question = slice(round(turn["question_start_s"] * rate), round(turn["question_end_s"] * rate))
        answer = slice(round(turn["answer_start_s"] * rate), round(turn["answer_end_s"] * rate))
        assert rms(pcm[question, 0]) > 30 * noise and rms(pcm[question, 1]) < 1.5 * noise
        assert rms(pcm[answer, 1]) > 30 * noise and rms(pcm[answer, 0]) < 1.5 * noise


def test_qa_dialog_mp4_has_the_same_audio_as_the_wav():
    dev_file("E_speech/whisper_jfk.flac")
    gaps = (0.3, 1.0)
    wav, mp4 = fx.qa_dialog(gaps), fx.qa_dialog(gaps, container="mp4")
    assert mp4.truth["turns"] == wav.truth["turns"]
    reference, rate = read_wav(wav.path)
    got, got_rate, start = audio(mp4.path)
    assert (got_rate, start) == (rate, 0.0)
    assert_aac_length(got, len(reference))
    assert lag_ms(reference[:, 0], got, rate) == 0.0


# --- camera feed -----------------------------------------------------------------------------


def test_camera_feed_is_what_chromium_fake_capture_expects():
    y4m, wav_path = fx.camera_feed(dev_file(FACE2))
    with y4m.open("rb") as stream:
        header = stream.readline().split()
    assert header[:4] == [b"YUV4MPEG2", b"W640", b"H480", b"F25:1"]
    # Chromium's parser reads a header of at most 200 bytes and CHECK-fails on any other C tag
    assert [t for t in header if t.startswith(b"C")] in ([b"C420"], [b"C420jpeg"], [b"C420mpeg2"], [b"C420paldv"])
    assert len(b" ".join(header)) < 200
    frame_bytes = len(b"FRAME\n") + 640 * 480 * 3 // 2
    payload = y4m.stat().st_size - len(b" ".join(header)) - 1
    assert payload % frame_bytes == 0 and payload // frame_bytes == 125  # 5 s at 25 fps
    with wave.open(str(wav_path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes()) == (48000, 1, 2, 240000)


# --- cache behaviour -------------------------------------------------------------------------


def test_cached_fixture_is_reused_not_rebuilt(fixture_cache):
    first = fx.synthetic_clip("wav", with_video=False, seconds=1)
    stamp = first.path.stat().st_mtime_ns
    again = fx.synthetic_clip("wav", with_video=False, seconds=1)
    assert again == first and again.path.stat().st_mtime_ns == stamp
    assert first.path.parent == fixture_cache
    assert fx.synthetic_clip("wav", with_video=False, seconds=1.5).path != first.path
    assert not [p for p in fixture_cache.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_failed_build_leaves_no_file(fixture_cache):
    def half_then_crash(out: Path) -> dict:
        out.write_bytes(b"half a video")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cache.make("crash.mp4", half_then_crash)
    assert not [p for p in fixture_cache.iterdir() if "crash" in p.name]


def test_dev_media_absent_raises_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(cache, "DEV_MEDIA", tmp_path)
    with pytest.raises(fx.DevMediaMissing, match="INTERVIEW_VERIFY_DEV_MEDIA"):
        fx.dev_media("A_talking_head/vr_face2.mp4")


def test_cli_lists_builders_and_standard_set(capsys):
    assert cli(["list"]) == 0
    listing = capsys.readouterr().out
    for name in ("shift_audio(", "qa_dialog(", "broken_inputs(", "shift_audio/vr_face2/+400ms", "vfr_video/mkv"):
        assert name in listing
