"""Calibration profiles: levels from a false-alarm budget, alert only with corroboration, files
that round-trip, and errors in one line."""

import json

import numpy as np
import pytest

from interview.calibration.build import READINGS, build_profile, readings_of
from interview.calibration.profile import Budget, ProfileError, SignalStats, load_profile
from interview.checks.base import ALERT_RISK, corroborated
from interview.forensics import fusion

KEYS = [r.key for r in READINGS]


def _genuine(n: int, seed: int = 3) -> list[dict[str, float]]:
    """n sessions of readings drawn around 0 (sharpness-like signals around 0 too)."""
    rng = np.random.default_rng(seed)
    return [{key: float(rng.normal(0.0, 1.0)) for key in KEYS} for _ in range(n)]


def _values(session: dict[str, float]) -> dict[str, float]:
    return {k.split(".", 1)[1]: v for k, v in session.items()}


def test_review_level_keeps_genuine_sessions_within_the_budget():
    sessions = _genuine(400)
    profile = build_profile(sessions, "t", ["a"], [])
    flagged = [fusion.judge(_values(s), profile).level for s in sessions]
    assert flagged.count("alert") == 0  # alert sits beyond every genuine session
    assert 0 < flagged.count("review") <= 0.02 * len(sessions)
    looser = build_profile(sessions, "t", ["a"], [], Budget(review_share=0.10))
    assert [fusion.judge(_values(s), looser).level for s in sessions].count("review") > flagged.count("review")


def test_one_signal_far_beyond_genuine_is_review_and_two_are_alert():
    profile = build_profile(_genuine(200), "t", ["a"], [])
    ordinary = _values(_genuine(1, seed=9)[0])
    one = dict(ordinary, boundary=40.0)
    assert fusion.judge(one, profile).level == "review"
    assert fusion.judge(one, profile).risk < ALERT_RISK
    two = dict(one, flicker=40.0)
    judged = fusion.judge(two, profile)
    assert judged.level == "alert" and judged.risk >= ALERT_RISK
    assert set(judged.beyond_genuine) == {"boundary", "flicker"}


def test_sharpness_reads_one_side_only_a_face_less_detailed_than_its_surroundings():
    profile = build_profile(_genuine(200), "t", ["a"], [])
    assert fusion.deviations({"sharpness": 6.0}, profile)["sharpness"] == 0.0  # sharper face: a lens, not a swap
    assert fusion.deviations({"sharpness": -6.0}, profile)["sharpness"] > 4


def test_corroboration_holds_a_lone_signal_below_alert():
    assert corroborated(0.9, 1) < ALERT_RISK
    assert corroborated(0.9, 2) == 0.9
    assert corroborated(0.9, 1, decisive=True) == 0.9
    assert corroborated(0.5, 1) == 0.5


def test_a_profile_round_trips_and_names_what_it_was_built_from(tmp_path):
    profile = build_profile(_genuine(50), "acme", ["x", "y", "x"], ["ab" * 32] * 50)
    path = tmp_path / "p.json"
    path.write_text(profile.to_json())
    again = load_profile(path)
    assert again.name == "acme" and again.sessions == 50 and again.sources == ("x", "y")
    assert again.thresholds == profile.thresholds
    for key, stats in profile.signals.items():
        assert again.signals[key].values == pytest.approx(stats.values, abs=1e-5)
    text = path.read_text()
    assert "embedding\"" not in text and len(json.loads(text)["inputs_sha256"]) == 50


def test_unusable_profiles_are_one_line_errors(tmp_path):
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ProfileError, match="not a usable calibration profile"):
        load_profile(bad)


def test_the_shipped_profile_loads_and_covers_every_passive_deepfake_signal():
    profile = load_profile()
    assert profile.sessions >= 50 and len(profile.sources) >= 10
    assert {r.key for r in READINGS} <= set(profile.signals)
    levels = profile.thresholds["deepfake"]
    assert levels["alert"] > levels["review"] > 0


def test_readings_skip_signals_a_session_could_not_measure():
    summary = {"measurements": {"deepfake_boundary": 1.2, "deepfake_mouth": None, "deepfake_flicker": float("nan")}}
    assert readings_of(summary) == {"deepfake.boundary": 1.2}


def test_share_beyond_is_the_genuine_tail_on_the_suspicious_side():
    stats = SignalStats(+1, tuple(float(v) for v in range(100)))
    assert stats.share_beyond(99.0) == pytest.approx(0.01)
    assert stats.share_beyond(-50.0) == 1.0  # the reassuring side: as ordinary as any
