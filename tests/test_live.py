"""The live path: frames are dropped, never queued; the running snapshot works on real footage;
audio chunks land on the session clock; ending a live session writes the same report as a recording."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from interview.checks.base import STATUSES
from interview.config import AnalysisConfig
from interview.live import AudioTrack, ClientClock, IncrementalSpeech, LiveSession
from interview.media import FileSource, probe, read_audio
from interview.recording import AUDIO_RATE, SamplingPolicy
from interview.timeline import seconds
from tests.conftest import dev_file

TALKING_HEAD = "A_talking_head/vr_face2.mp4"


@pytest.fixture(scope="module")
def clip_frames(models_ready):
    """The real talking-head clip's frames at 15 fps, 640 px, with their times."""
    info = probe(dev_file(TALKING_HEAD))
    return list(FileSource(info, SamplingPolicy()).frames())


@pytest.fixture(scope="module")
def ended(clip_frames, tmp_path_factory):
    """A live session fed the clip at its real pace with its audio in 0.5 s chunks at 48 kHz, one
    challenge marked, snapshots taken along the way, then ended."""
    from scipy.signal import resample_poly

    samples, _ = read_audio(probe(dev_file(TALKING_HEAD)))
    audio_48k = resample_poly(samples, 3, 1).astype(np.float32)
    live = LiveSession(AnalysisConfig(candidate="Live Test"), snapshot_every_s=0.5)
    snapshots, next_audio, marked = [], 0.0, None
    for frame in clip_frames:
        while live.now() < frame.t:
            time.sleep(0.005)
        live.push_frame(live.now(), frame.image)
        if frame.t >= next_audio + 0.5:
            live.push_audio(next_audio, audio_48k[int(next_audio * 48000):int((next_audio + 0.5) * 48000)], 48000)
            next_audio += 0.5
        if marked is None and frame.t >= 2.0:
            marked = live.mark_challenge("turn_left")
        if len(snapshots) < frame.t:
            snapshots.append(live.snapshot())
    live.push_audio(next_audio, audio_48k[int(next_audio * 48000):], 48000)
    everything_in = live.now()
    for _ in range(100):  # the checks' status is recomputed on its own cadence: wait for one that saw it all
        snapshots.append(live.snapshot())
        if snapshots[-1]["status_at"] >= everything_in:
            break
        time.sleep(0.1)
    out = tmp_path_factory.mktemp("live")
    summary = live.end(out)
    return live, snapshots, marked, summary, out


def test_a_burst_of_frames_is_dropped_not_queued(clip_frames):
    """60 frames pushed at once (far faster than perception): the newest is analysed, the ones
    that arrived while it was busy are counted as dropped, and nothing is left waiting."""
    live = LiveSession(AnalysisConfig(transcribe=False))
    burst = clip_frames[:60]
    for frame in burst:
        live.push_frame(frame.t, frame.image)
    live.close()
    stats = live.frame_stats()
    assert stats.received == len(burst)
    assert stats.analysed + stats.dropped + stats.skipped == len(burst)
    assert stats.dropped > len(burst) // 2
    assert 1 <= stats.analysed < len(burst) // 2
    assert live._session.stats.last_t == pytest.approx(burst[-1].t)  # the newest frame won


def test_running_snapshot_has_every_check(ended):
    live, snapshots, marked, _, _ = ended
    last = snapshots[-1]
    assert len(snapshots) >= 5
    assert set(last["checks"]) == {"liveness", "identity", "deepfake", "relay"}
    assert all(check["status"] in STATUSES for check in last["checks"].values())
    assert last["frames"]["analysed"] > 40  # 5 s at up to 15 fps, minus what the busy machine dropped
    assert last["face_visible_ratio"] > 0.9  # a frontal talking head
    assert last["audio_s"] == pytest.approx(5.0, abs=0.6)
    assert [c["kind"] for c in last["challenges"]] == ["turn_left"]
    assert last["challenges"][0]["asked_s"] == marked.asked_s
    analysed = [s["frames"]["analysed"] for s in snapshots]
    assert analysed == sorted(analysed) and analysed[-1] > analysed[0]


def test_a_challenge_waiting_for_its_response_is_waiting_everywhere(ended):
    """One state per challenge: while the table says it waits, neither the alert list nor the
    liveness card (the check's own findings and measurements) calls it failed."""
    _, snapshots, marked, _, _ = ended
    said = f"Challenge 'Turn to your left' asked at {seconds(marked.asked_s)} failed"
    waiting = [s for s in snapshots if s["challenges"] and s["challenges"][0]["result"] is None]
    assert waiting, "the clip ends inside the challenge's response window"
    assert not [a for s in waiting for a in s["alerts"] if a["reason"].startswith(said)]
    for snapshot in waiting:
        assert not [f for f in snapshot["checks"]["liveness"]["findings"] if f["reason"].startswith(said)]
        measured = snapshot["measurements"]["challenges"]
        assert [c["passed"] for c in measured] == [None] and measured[0]["detail"] == "waiting for the response"


def test_end_writes_the_review_report(ended):
    _, _, marked, summary, out = ended
    for name in ("summary.json", "report.html", "report.pdf", "live-audio.wav"):
        assert (out / name).stat().st_size > 0
    stored = json.loads((out / "summary.json").read_text())
    assert stored["session_id"] == summary["session_id"]
    assert set(summary["checks"]) == {"liveness", "identity", "deepfake", "relay"}
    assert summary["overall"]["status"] in STATUSES
    assert summary["challenges_asked"] == [{"kind": "turn_left", "asked_s": marked.asked_s}]
    assert summary["candidate"] == "Live Test"
    assert summary["input"]["has_video"] and summary["input"]["has_audio"]
    assert summary["input"]["duration_s"] == pytest.approx(5.0, abs=0.7)
    assert len(summary["input"]["sha256"]) == 64
    assert summary["live"]["analysed"] == summary["measurements"]["analysed_frames"]
    assert summary["transcript"], "the clip's speech was transcribed at the end"


def test_audio_track_places_chunks_on_the_session_clock(tmp_path):
    track = AudioTrack(tmp_path / "audio.wav")
    tone = np.sin(np.arange(24000) / 48000 * 2 * np.pi * 440).astype(np.float32)
    track.add(1.0, (tone * 32767).astype(np.int16), 48000)  # starts 1 s in: 1 s of silence before it
    track.add(1.49, np.stack([tone, tone], axis=1), 48000)  # 10 ms early: the overlap is trimmed
    held = track.samples()
    samples = held[:]
    assert samples.size == held.size == pytest.approx(1.99 * AUDIO_RATE, abs=2)  # the second chunk ends where it was sent
    assert np.abs(samples[:AUDIO_RATE - 10]).max() == 0
    assert np.abs(samples[AUDIO_RATE + 100:samples.size - 100]).max() == pytest.approx(1.0, abs=0.02)
    track.close()
    written, _ = read_audio(probe(tmp_path / "audio.wav"))  # the session's recording holds the same audio
    assert np.abs(written - samples).max() < 1e-3


def test_audio_track_grows_without_changing_what_was_handed_out(tmp_path):
    """Past its first minute the buffer is replaced by a larger one; a view taken before keeps its audio."""
    track = AudioTrack(tmp_path / "audio.wav")
    rng = np.random.default_rng(0)
    first = (0.1 * rng.standard_normal(50 * AUDIO_RATE)).astype(np.float32)
    track.add(0.0, first, AUDIO_RATE)
    early = track.samples()
    track.add(50.0, first, AUDIO_RATE)  # 100 s in all: beyond the first buffer
    assert early.size == first.size and np.abs(early[:] - first).max() <= 0.5 / 32767 + 1e-7
    whole = track.samples()[:]
    assert whole.size == 2 * first.size and np.array_equal(whole[:first.size], whole[first.size:])
    track.close()


def test_client_clock_uses_the_least_delayed_message():
    clock = ClientClock()
    assert clock.to_session(0.0, 0.30) == pytest.approx(0.30)  # first message: delayed 0.3 s
    assert clock.to_session(1.0, 1.05) == pytest.approx(1.05)  # a faster delivery sets the offset
    assert clock.to_session(2.0, 2.90) == pytest.approx(2.05)  # a late delivery does not move its time


def test_incremental_speech_matches_one_pass(models_ready):
    """Voice activity over a growing real call, 0.5 s at a time, agrees with one pass over it."""
    from models.speech import speech_segments

    samples, _ = read_audio(probe(dev_file("E_speech/pyannote_sample.wav")))
    incremental = IncrementalSpeech()
    for end in range(AUDIO_RATE // 2, samples.size + AUDIO_RATE // 2, AUDIO_RATE // 2):
        found = incremental.update(samples[:end])
    whole = speech_segments(samples)

    def speaking(segments):  # per 10 ms
        mask = np.zeros(samples.size * 100 // AUDIO_RATE, bool)
        for s in segments:
            mask[int(s.start * 100):int(s.end * 100)] = True
        return mask

    assert (speaking(found) == speaking(whole)).mean() > 0.97
    assert sum(s.duration for s in found) == pytest.approx(sum(s.duration for s in whole), rel=0.05)


def test_an_alert_the_checks_stop_reporting_stays_marked_withdrawn():
    """What the panel showed never silently vanishes: a review in the window that the next
    assessment no longer reports is kept, marked withdrawn; one that comes back is standing again;
    one before the window stays as it was."""
    from interview.live import merge_alerts
    from ui.live import panel_html

    old = {"t": 10.0, "check": "deepfake", "signal": "flicker", "risk": 0.5, "reason": "colour flicker 3.1"}
    lag = {"t": 40.0, "check": "relay", "signal": "av_offset", "risk": 0.5, "reason": "lips 310 ms behind"}
    first = merge_alerts([], [old, lag], since=0.0)
    assert first == [old, lag]
    second = merge_alerts(first, [], since=30.0)  # old is before the window, the lag is no longer reported
    assert second == [old, {**lag, "withdrawn": True}]
    again = {**lag, "reason": "lips 330 ms behind"}
    third = merge_alerts(second, [again], since=30.0)
    assert third == [old, again], "reported again: standing, with the new reading, listed once"
    moved = {**lag, "t": 42.0}  # the same finding, its start moved as more data came in
    assert merge_alerts(first, [moved], since=30.0) == [old, moved]

    snapshot = {"t": 60.0, "frames": {"analysed": 900, "analysed_fps": 15.0, "dropped": 0, "frame_ms_p95": 40.0},
                "face_visible_ratio": 1.0, "audio_s": 60.0, "speech_s": 30.0, "status_at": 60.0, "checks": {},
                "alerts": second}
    html = panel_html(snapshot)
    assert '<li class="iv-review iv-withdrawn"><s>' in html and "withdrawn: not seen on more data" in html
    assert html.count("iv-withdrawn") == 1


def test_challenge_table_shows_a_quick_response_in_milliseconds():
    """A 45 ms response read "0.0 s" in the live table while its detail said 45 ms."""
    from ui.live import challenge_table

    rows = [{"kind": kind, "asked_s": 10.0, "result": True, "response_ms": ms, "detail": ""}
            for kind, ms in (("turn_left", 45), ("turn_right", 1340), ("look_up", None), ("look_down", -1500),
                             ("smile", 999.6))]
    assert [row[3] for row in challenge_table({"challenges": rows})] == ["45 ms", "1.3 s", "-", "-1.5 s", "1.0 s"]
