"""The stress response of the deepfake check on swaps we can make: a generated face swap of a real
man turning his head (fixtures/face_swap.py) against the real footage, with the turn asked as a
challenge at its hand-annotated time. The swap's identity changes at profile, or its face freezes
while the head moves on (a failed response: review on its own, with the frame that shows it; alert
when a second sign agrees); the real man's does neither. A real presenter whose turn scores in the
swaps' range (bench/genuine_turns.py) is never alerted for it."""
from __future__ import annotations

import re
import time

import cv2
import numpy as np
import pytest

from fixtures.face_swap import face_swap
from interview.analyze import run_check_on_file
from interview.calibration.build import build_profile, readings_of
from interview.checks.base import REVIEW_RISK, ChallengeMark
from interview.checks.deepfake.check import STRESS_PROMPT, UNCORROBORATED, DeepfakeCheck, stress_corroborated
from interview.checks.deepfake.stress import (
    IDENTITY_KEPT,
    PROFILE_YAW_DEG,
    STRESS_WINDOW_S,
    PosedEmbedding,
    StressResponse,
    frontal_reference,
    identity_through_turn,
)
from interview.config import AnalysisConfig
from interview.live import LiveSession
from interview.media import FileSource, probe
from interview.recording import SamplingPolicy
from interview.timeline import seconds
from tests.conftest import dev_file
from ui.live import panel_html

TARGET = "D_presentation_attack/tv_real.mp4"
TURN = ChallengeMark("turn_left", 1.2)  # the head starts turning at 1.9 s (tests/test_challenges.py)
SECONDS = 6.0


def _run(path, tmp_path, challenges=(TURN,)):
    return run_check_on_file(DeepfakeCheck, path, AnalysisConfig(challenges=challenges),
                             evidence_dir=tmp_path / "evidence", until_s=SECONDS)


@pytest.fixture(scope="module")
def genuine(models_ready, tmp_path_factory):
    return _run(dev_file(TARGET), tmp_path_factory.mktemp("genuine"))


@pytest.mark.parametrize("source, setting, failing, status", [
    ("B_identity/df_img10.jpg", dict(resolution=128), "stress_identity", "review"),
    ("B_identity/df_img18.jpg", dict(resolution=256, smooth=True), "stress_identity", "review"),
    ("B_identity/df_img18.jpg", dict(resolution=128, beyond_pose="freeze"), "stress_frozen", "review"),
    ("B_identity/df_img13.jpg", dict(resolution=128, beyond_pose="freeze"), "stress_frozen", "alert"),
])
def test_a_swap_fails_the_turn_and_is_flagged_with_the_frame_that_shows_it(models_ready, tmp_path, source, setting,
                                                                           failing, status):
    """One failed stress signal is review; the identity changing AND the face freezing is alert."""
    swap = face_swap(dev_file(TARGET), dev_file(source), start_s=0.0, seconds=SECONDS, **setting)
    result, check = _run(swap.path, tmp_path)
    [response] = [r for r in check.stress_responses() if r.signal == failing]
    assert response.passed is False
    assert result.status == status
    [finding] = [f for f in result.findings if f.signal == failing]
    assert (UNCORROBORATED in finding.reason) == (status == "review")
    assert seconds(response.worst_t) in finding.reason
    assert TURN.asked_s <= response.worst_t <= TURN.asked_s + STRESS_WINDOW_S
    frame_index = round(response.worst_t * swap.truth["fps"])
    assert frame_index in swap.truth["swapped"]  # the evidence frame shows the pasted face
    if failing == "stress_identity":
        assert response.value < IDENTITY_KEPT and "changed at profile" in finding.reason
        assert float(re.search(r"similarity (\d\.\d\d)", finding.reason).group(1)) < IDENTITY_KEPT
        assert abs(swap.truth["yaw"][frame_index]) >= PROFILE_YAW_DEG - 5
    else:
        assert "froze" in finding.reason and frame_index in swap.truth["frozen"]
    assert cv2.imread(str(tmp_path / finding.frame)) is not None


def test_the_genuine_original_passes_the_same_turn(genuine):
    result, check = genuine
    assert {r.signal: r.passed for r in check.stress_responses()} == {"stress_identity": True, "stress_frozen": True}
    [identity] = [r for r in check.stress_responses() if r.signal == "stress_identity"]
    assert identity.value >= IDENTITY_KEPT
    assert result.status != "alert"
    assert not [f for f in result.findings if f.risk > 0 and f.signal.startswith("stress")]


def test_without_a_turn_challenge_there_is_no_stress_response(models_ready, tmp_path):
    swap = face_swap(dev_file(TARGET), dev_file("B_identity/df_img10.jpg"), start_s=0.0, seconds=SECONDS)
    result, check = _run(swap.path, tmp_path, challenges=(ChallengeMark("smile", 1.2),))
    assert check.stress_responses() == [] and result.measurements["deepfake_stress_identity"] is None


def test_live_panel_prompts_for_a_turn_then_shows_the_failed_response(models_ready):
    """A live call playing a generated swap at its own pace: until a turn is asked the panel prompts
    for one; after the interviewer marks the turn, a running snapshot shows the failed stress response
    (review: nothing else agrees) while the call is still on."""
    swap = face_swap(dev_file(TARGET), dev_file("B_identity/df_img10.jpg"), start_s=0.0, seconds=SECONDS)
    live = LiveSession(AnalysisConfig(transcribe=False), snapshot_every_s=0.5)
    snapshots, marked = [], None
    for frame in FileSource(probe(swap.path), SamplingPolicy()).frames():
        while live.now() < frame.t:
            time.sleep(0.005)
        live.push_frame(live.now(), frame.image)
        if marked is None and frame.t >= TURN.asked_s:
            marked = live.mark_challenge("turn_left")
        snapshots.append(live.snapshot())
    for _ in range(100):  # wait for a status that saw every frame
        snapshots.append(live.snapshot())
        if snapshots[-1]["status_at"] >= snapshots[-1]["t"] - 0.01 and snapshots[-1]["status_at"] > frame.t:
            break
        time.sleep(0.1)
    live.close()
    before = [s for s in snapshots if s["status_at"] < marked.asked_s]
    assert before and all(s["prompt"] == STRESS_PROMPT for s in before)
    after = [s for s in snapshots if s["status_at"] > marked.asked_s + 0.1]
    assert all(s["prompt"] is None for s in after)
    stress_alerts = [a for s in after for a in s["alerts"] if a["check"] == "deepfake" and "changed at profile" in a["reason"]]
    assert stress_alerts and snapshots[-1]["checks"]["deepfake"]["status"] == "review"  # one signal
    assert "<b>Next:</b> " + STRESS_PROMPT in panel_html({**snapshots[0], "prompt": STRESS_PROMPT})


def test_a_passed_turn_holds_a_weak_passive_finding_below_review(models_ready):
    """Judged against a narrow profile (two steady talking heads, each counted thrice), the real
    man's first seconds reach review on the passive signals alone; with the turn asked and passed,
    the same footage is ok and says why."""
    steady = ["A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4"]
    sessions = [readings_of({"measurements": run_check_on_file(DeepfakeCheck, dev_file(rel), AnalysisConfig())[0].measurements})
                for rel in steady]
    profile = build_profile(sessions * 3, "two steady heads", steady, [])
    passive, _ = run_check_on_file(DeepfakeCheck, dev_file(TARGET), AnalysisConfig(profile=profile), until_s=SECONDS)
    assert passive.status == "review"
    result, _ = run_check_on_file(DeepfakeCheck, dev_file(TARGET), AnalysisConfig(profile=profile, challenges=(TURN,)),
                                  until_s=SECONDS)
    assert result.status == "ok" and result.risk < REVIEW_RISK
    assert {f.signal for f in result.findings} == {"stress_identity", "stress_frozen"}
    assert all(f.risk == 0 for f in result.findings)
    assert any("kept its identity" in f.reason for f in result.findings)


def _failed(signal: str, kind: str = "turn_left") -> StressResponse:
    return StressResponse(kind, 1.0, signal, False, 0.6, 2.0, "failed")


def test_one_failed_stress_signal_needs_a_second_sign_for_alert():
    """Genuine turns can score in the swaps' range: one failed signal is review; the identity failing
    on both turns is still one signal (a poor camera lowers every profile view alike)."""
    assert not stress_corroborated([_failed("stress_identity")], passive_finding=False)
    assert not stress_corroborated([_failed("stress_identity"), _failed("stress_identity", "turn_right")], False)
    assert stress_corroborated([_failed("stress_identity"), _failed("stress_frozen")], False)
    assert stress_corroborated([_failed("stress_frozen")], passive_finding=True)


def _unit(v):
    return np.asarray(v, float) / np.linalg.norm(v)


def test_the_turned_head_is_compared_with_its_own_frontal_face():
    """A second face that becomes the main face for a while (an inset on a broadcast, a poster) does
    not join the reference; the frontal views' own spread scales the similarity."""
    rng = np.random.default_rng(3)
    me, other = _unit(rng.normal(size=128)), _unit(rng.normal(size=128))
    views = [_unit(me + 0.3 * _unit(rng.normal(size=128))) for _ in range(6)]
    posed = ([PosedEmbedding(0.5 * i, e, 2.0, 0.0) for i, e in enumerate(views[:4])]
             + [PosedEmbedding(2.0 + 0.5 * i, e, 38.0, 0.0) for i, e in enumerate(views[4:])]
             + [PosedEmbedding(10.0 + 0.5 * i, other, 1.0, 0.0) for i in range(8)])
    turned = np.array([p.embedding for p in posed if p.yaw > 30])
    reference, agreement = frontal_reference(posed, turned)
    assert float(reference @ me) > 0.9 and 0.9 < agreement < 1.0
    response = identity_through_turn("turn_left", 1.0, posed)
    assert response.passed is True and response.value > IDENTITY_KEPT
    assert f"{agreement:.2f}" in response.reason
    swapped = [p if p.yaw < 30 else PosedEmbedding(p.t, _unit(me + 1.5 * other), p.yaw, p.pitch) for p in posed[:6]]
    assert identity_through_turn("turn_left", 1.0, swapped).passed is False


def test_a_turn_is_judged_once_it_is_over_and_then_keeps_its_verdict():
    """Pose-tagged embeddings built by the test: a frontal face (vector a), a turn to 40 degrees
    whose views resemble it by 0.6 (a swap's stretch), the head back at 5.0 s. While a live call is
    still at profile the response waits; once the head is back it fails, and frontal views of a
    slightly different look arriving later (another lighting) leave the live verdict and value as
    they were."""
    a, off_frontal, off_profile, off_later = np.linalg.qr(np.random.default_rng(0).normal(size=(128, 4)))[0].T

    def like(cosine: float, away: np.ndarray) -> np.ndarray:
        """A unit vector `cosine` from a, leaning towards `away` (orthogonal to a and the others)."""
        return cosine * a + np.sqrt(1 - cosine ** 2) * away

    frontal = [PosedEmbedding(t, like(0.99, off_frontal), 0.0, 0.0) for t in np.arange(0.0, 2.5, 0.5)]
    turned = [PosedEmbedding(t, like(0.6, off_profile), 40.0, 0.0) for t in np.arange(2.5, 5.0, 0.5)]
    back = [PosedEmbedding(t, like(0.99, off_frontal), 0.0, 0.0) for t in np.arange(5.0, 6.0, 0.5)]
    later = [PosedEmbedding(t, like(0.8, off_later), 0.0, 0.0) for t in np.arange(6.0, 30.0, 0.5)]

    waiting = identity_through_turn("turn_left", 2.0, frontal + turned[:3], seen_until=3.6)
    assert waiting.passed is None and "waiting for the turn" in waiting.reason
    judged = identity_through_turn("turn_left", 2.0, frontal + turned + back, seen_until=5.6)
    assert judged.passed is False and judged.value < IDENTITY_KEPT
    for seen in (8.0, 30.0):
        again = identity_through_turn("turn_left", 2.0, frontal + turned + back + later, seen_until=seen)
        assert (again.passed, round(again.value, 6)) == (False, round(judged.value, 6))
    # the file (or the call's final report) is judged against every frontal view; still a change
    assert identity_through_turn("turn_left", 2.0, frontal + turned + back + later).passed is False


@pytest.mark.parametrize("swapped", [True, False])
def test_the_report_says_when_a_move_was_made_by_a_face_that_did_not_hold_up(models_ready, tmp_path, swapped):
    """The swapped head does turn, so the liveness challenge passes; the report's challenge row says
    so and, beside it, that the face changed at profile. The genuine original's row says only passed."""
    from interview.analyze import analyze_recording

    path = (face_swap(dev_file(TARGET), dev_file("B_identity/df_img10.jpg"), start_s=0.0, seconds=SECONDS,
                      resolution=128).path if swapped else dev_file(TARGET))
    summary = analyze_recording(path, AnalysisConfig(face_db="off", transcribe=False, challenges=(TURN,)), tmp_path)
    [measured] = summary["measurements"]["challenges"]
    assert measured["passed"] is True, "the head turned"
    html = (tmp_path / "report.html").read_text()
    assert ("passed, but the face changed at profile (see Deepfake signs)" in html) == swapped
    assert ">passed<" in html or swapped


def test_stress_note_contrasts_only_with_a_pass():
    """'but' reads as a contrast to a passed move; beside a move not made it would not."""
    from interview.checks.deepfake.stress import stress_note, with_stress_note

    findings = [{"signal": "stress_identity", "risk": REVIEW_RISK, "t0": 12.0},
                {"signal": "stress_identity", "risk": REVIEW_RISK, "t0": 40.0}]
    note = stress_note(12.0, findings)
    assert note == "the face changed at profile (see Deepfake signs)"
    assert with_stress_note("passed", note) == f"passed, but {note}"
    assert with_stress_note("not passed", note) == f"not passed; {note}"
    assert with_stress_note("passed", stress_note(25.0, findings)) == "passed"
