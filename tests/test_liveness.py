"""Liveness on real footage and on attacks built from real photos and clips: a replayed screen, a
still photo, a photo moved by hand, a looped clip and a frozen one must raise the check with a
reason a person can check; real talking heads must not."""

from __future__ import annotations

import json

import pytest

from fixtures import freeze_frames, still_photo_video
from fixtures.liveness_media import handheld_photo_video, looped_video
from interview.checks.base import ALERT_RISK
from interview.checks.liveness import blinks
from tests.conftest import dev_file
from tests.test_liveness_media import FACE2, FACE3, TV_FAKE, TV_REAL, _observed, liveness

pytestmark = pytest.mark.usefixtures("models_ready")


def _signals(result) -> set[str]:
    return {f.signal for f in result.findings}


def test_replayed_screen_is_flagged_with_a_checkable_reason(tmp_path):
    result = liveness(dev_file(TV_FAKE), evidence_dir=tmp_path / "evidence")
    assert result.status in ("review", "alert")
    replay = next(f for f in result.findings if f.signal == "replay")
    assert "straight-edged frame" in replay.reason and replay.risk >= 0.5
    assert replay.frame is not None and (tmp_path / replay.frame).is_file()
    assert result.measurements["liveness"]["replay_score"] >= 0.5


@pytest.mark.parametrize("clip", [TV_REAL, FACE2, FACE3])
def test_real_people_are_not_alerted(clip):
    result = liveness(dev_file(clip))
    assert result.status != "alert", [f.reason for f in result.findings]
    assert result.coverage > 0.5


def test_real_head_turn_moves_like_a_three_dimensional_head():
    """tv_real.mp4 turns 40+ degrees: the landmarks leave a planar fit by what a 3-D head predicts."""
    signal = liveness(dev_file(TV_REAL)).measurements["liveness"]["signals"]["planar_motion"]
    assert signal["score"] == 0 and 0.7 <= signal["planarity_ratio"] <= 1.4 and signal["turned_frames"] >= 30


@pytest.mark.parametrize("photo", ["D_presentation_attack/sf_image_F1.jpg", "D_presentation_attack/sf_image_F2.jpg"])
def test_still_photo_video_is_alert_as_frozen(photo):
    result = liveness(still_photo_video(dev_file(photo)).path)
    assert result.status == "alert"
    frozen = next(f for f in result.findings if f.signal == "frozen")
    assert frozen.risk >= ALERT_RISK and "did not change at all" in frozen.reason
    assert result.measurements["liveness"]["frozen_seconds"] >= 9.0


def test_photo_moved_by_hand_is_alert():
    """No two frames equal, so not frozen: the face never changes shape and sits in a paper edge."""
    result = liveness(handheld_photo_video(dev_file("D_presentation_attack/sf_image_F2.jpg")).path)
    assert result.status == "alert"
    assert "static_face" in _signals(result)
    assert "frozen" not in _signals(result)


@pytest.mark.parametrize("seconds", [1.52, 1.56], ids=["whole-frames", "half-frame"])
def test_looped_clip_is_found_where_it_repeats(seconds):
    """At 25 fps analysed at 12.5: a 38-frame loop repeats whole analysed frames; a 39-frame one
    puts every repeated frame between two analysed frames of the first pass."""
    fixture = looped_video(dev_file(FACE3), start_s=1.0, seconds=seconds, repeats=2)
    result = liveness(fixture.path)
    loop = next(f for f in result.findings if f.signal == "frozen")
    first, last = fixture.truth["repeat_spans"][0][0], fixture.truth["repeat_spans"][-1][1]
    assert loop.risk >= ALERT_RISK and "loop" in loop.reason
    assert first - 0.2 <= loop.t0 and loop.t1 <= last + 0.2 and loop.t1 - loop.t0 >= 1.0


def test_loops_are_searched_by_rows_with_the_whole_sessions_result(monkeypatch):
    """A long session is compared a few thousand rows at a time (frozen.CHUNK_ROWS, for memory):
    chunks of 7 rows (every chunk boundary crossing every lag) find the same loop, at the same
    place and lag, as the whole track in one piece."""
    from interview.checks.liveness import frozen

    fixture = looped_video(dev_file(FACE3), start_s=1.0, seconds=1.56, repeats=2)
    track = _observed(fixture.path).track.arrays()
    monkeypatch.setattr(frozen, "CHUNK_ROWS", 10**9)
    whole = frozen.looped_spans(track)
    monkeypatch.setattr(frozen, "CHUNK_ROWS", 7)
    assert whole and frozen.looped_spans(track) == whole


def test_freeze_in_a_real_clip_is_located():
    """A 2 s freeze (a face-swap tool stuck on its last good frame) inside a real talking head."""
    fixture = freeze_frames(dev_file(FACE2), start_s=1.5, end_s=3.5)
    result = liveness(fixture.path)
    frozen = next(f for f in result.findings if f.signal == "frozen")
    assert abs(frozen.t0 - fixture.truth["start_s"]) <= 0.15 and abs(frozen.t1 - fixture.truth["end_s"]) <= 0.15
    assert frozen.risk >= 0.4 and result.status != "ok"


def test_blinks_match_the_hand_annotation():
    """vr_face3.mp4, annotated frame by frame: full closures at 0.48, 1.48, 2.36, 3.28, 3.96 and
    4.48 s, and a half closure at 1.1 s (either way is acceptable)."""
    found = [b.peak_t for b in blinks.find_blinks(_observed(dev_file(FACE3)).track.arrays())]
    annotated = [0.48, 1.48, 2.36, 3.28, 3.96, 4.48]
    assert all(any(abs(t - a) <= 0.1 for t in found) for a in annotated)
    extra = [t for t in found if not any(abs(t - a) <= 0.1 for a in annotated)]
    assert all(abs(t - 1.1) <= 0.1 for t in extra)


def test_summary_holds_the_liveness_measurements():
    result = liveness(dev_file(TV_REAL))
    measured = json.loads(json.dumps(result.measurements))  # JSON-able as summary.json needs
    for key in ("blinks_per_minute", "planarity_ratio", "pulse_bpm", "pulse_snr_db", "replay_score", "confidence"):
        assert key in measured["liveness"]
    assert measured["challenges"] == []
    assert {"status", "risk", "coverage", "findings"} <= set(result.to_dict())
