"""The fusion rules of interview/overall.py, one rule per test, on hand-written check results
(the rules are a pure function; the end-to-end report on a real clip is in test_report.py)."""

from __future__ import annotations

import copy

import pytest

from interview.checks.registry import CHECKS
from interview.overall import overall

CHECK_ORDER = tuple(kind.name for kind in CHECKS)


def check(status: str, risk: float, coverage: float = 0.9, findings: list[dict] | None = None) -> dict:
    return {"status": status, "risk": risk, "coverage": coverage, "findings": findings or []}


def finding(risk: float, reason: str, t0: float = 1.0) -> dict:
    return {"t0": t0, "t1": t0 + 1, "risk": risk, "reason": reason, "frame": None, "signal": "test"}


def summary(checks: dict, **extra) -> dict:
    base = {
        "checks": checks,
        "measurements": {},
        "input": {"has_video": True, "has_audio": True},
        "problems": [],
        "challenges_asked": [],
    }
    base.update(extra)
    return base


def test_absent_checks_are_not_assessed_with_the_reason():
    result = overall(summary({}))
    assert result["status"] == "insufficient"
    assert [item["check"] for item in result["not_assessed"]] == list(CHECK_ORDER)
    assert all(item["reason"] == "the check did not run" for item in result["not_assessed"])
    assert result["headline"].startswith("Not enough evidence to say anything")


def test_insufficient_check_reason_comes_from_coverage_or_its_finding():
    result = overall(
        summary(
            {
                "liveness": check("insufficient", 0.0, 0.05),
                "relay": check("insufficient", 0.0, 0.0, [finding(0.0, "No question and answer turns found.")]),
            }
        )
    )
    reasons = {item["check"]: item["reason"] for item in result["not_assessed"]}
    assert "5%" in reasons["liveness"]
    assert reasons["relay"] == "no question and answer turns found"


def test_missing_streams_explain_not_assessed():
    result = overall(summary({}, input={"has_video": False, "has_audio": True}))
    reasons = {item["check"]: item["reason"] for item in result["not_assessed"]}
    assert reasons["liveness"] == reasons["identity"] == reasons["deepfake"] == "the recording has no video"
    assert reasons["relay"] == "the check did not run"


def test_one_alert_raises_overall_to_alert():
    result = overall(
        summary(
            {
                "liveness": check("alert", 0.85, findings=[finding(0.85, "The face never blinked in 60 s")]),
                "identity": check("ok", 0.1),
                "deepfake": check("ok", 0.05),
                "relay": check("ok", 0.1),
            }
        )
    )
    assert result["status"] == "alert" and result["risk"] == pytest.approx(0.85)
    assert result["headline"].startswith("Signs of a photo, screen or replay;")
    assert (
        result["checks"]["liveness"]["line"] == "Signs of a photo, screen or replay (the face never blinked in 60 s)."
    )
    assert result["reasons"][0]["check"] == "liveness"


def test_one_review_raises_overall_to_review():
    result = overall(
        summary(
            {
                "deepfake": check("review", 0.5, findings=[finding(0.5, "Blending seam along the jaw")]),
                "identity": check("ok", 0.1),
            }
        )
    )
    assert result["status"] == "review" and result["risk"] == pytest.approx(0.5)


def test_two_independent_reviews_corroborate_to_alert():
    result = overall(
        summary(
            {
                "deepfake": check("review", 0.45, findings=[finding(0.45, "Blending seam along the jaw")]),
                "relay": check("review", 0.5, findings=[finding(0.5, "Answer 3 s late")]),
                "identity": check("ok", 0.1),
            }
        )
    )
    assert result["status"] == "alert"
    assert result["risk"] == pytest.approx(0.7)
    assert any("2 independent checks" in r["text"] for r in result["reasons"])


def test_low_risk_findings_are_cautions_only():
    result = overall(
        summary(
            {
                "liveness": check("ok", 0.2, findings=[finding(0.2, "Blink rate a little low")]),
                "identity": check("ok", 0.1),
                "deepfake": check("ok", 0.1),
            }
        )
    )
    assert result["status"] == "ok"
    assert any("Blink rate a little low" in c for c in result["cautions"])


def test_no_warning_signs_needs_three_checks_to_have_looked():
    two = overall(
        summary(
            {"identity": check("ok", 0.1), "deepfake": check("ok", 0.0), "liveness": check("insufficient", 0.0, 0.1)}
        )
    )
    assert two["status"] == "insufficient"
    assert two["headline"] == (
        "Not enough evidence for an overall view: liveness and own answers could not be "
        "assessed; the same face throughout; no visible signs of face manipulation."
    )
    three = overall(summary({"identity": check("ok", 0.1), "deepfake": check("ok", 0.1), "relay": check("ok", 0.1)}))
    assert three["status"] == "ok"


def test_headline_reads_like_the_issue_example():
    result = overall(
        summary(
            {
                "identity": check("ok", 0.05),
                "relay": check("review", 0.55, findings=[finding(0.55, "Answers late")]),
                "liveness": check("ok", 0.1),
                "deepfake": check("ok", 0.1),
            },
            measurements={"id_similarity": 0.72, "answers": [{"latency_ms": 2500}, {"latency_ms": 3100}]},
            challenges_asked=[{"kind": "turn_left", "asked_s": 3.0}],
        )
    )
    assert result["headline"] == (
        "Answers started 2.8 s after questions on average, much slower than normal "
        "conversation; face matches the ID photo; no signs of a photo, mask or replay."
    )
    assert result["status"] == "review"


def test_id_mismatch_is_said_plainly():
    result = overall(
        summary({"identity": check("alert", 0.9), "deepfake": check("ok", 0.1)}, measurements={"id_similarity": 0.12})
    )
    assert result["headline"].startswith("Face does not match the ID photo;")
    assert "similarity 0.12" in result["checks"]["identity"]["line"]


def test_normal_latency_with_another_relay_concern_keeps_the_concern():
    result = overall(
        summary(
            {
                "relay": check("review", 0.5, findings=[finding(0.5, "Speech for 4 s while the mouth was closed")]),
                "identity": check("ok", 0.1),
            },
            measurements={"answers": [{"latency_ms": 400}]},
        )
    )
    assert result["headline"].startswith("Speech for 4 s while the mouth was closed")


def test_cautions_name_missing_id_photo_challenges_and_problems():
    result = overall(
        summary(
            {"identity": check("ok", 0.1), "liveness": check("ok", 0.1)},
            measurements={"max_faces": 2},
            problems=["audio stream ends early at 12.0 s"],
        )
    )
    text = " ".join(result["cautions"])
    assert "No ID photo" in text and "No active challenge" in text
    assert "Up to 2 faces" in text and "audio stream ends early" in text


def test_unknown_extra_check_is_reported_after_the_four():
    result = overall(
        summary(
            {
                "voice": check("review", 0.5, findings=[finding(0.5, "Voice changer artefacts")]),
                "identity": check("ok", 0.1),
            }
        )
    )
    assert list(result["checks"])[-1] == "voice"
    assert result["status"] == "review"


@pytest.mark.parametrize(
    "raw", [{}, {"checks": None}, {"checks": {"relay": {}}}, {"measurements": None, "input": None}]
)
def test_missing_keys_are_tolerated(raw):
    assert overall(raw)["status"] in ("insufficient", "ok", "review", "alert")


def test_pure_and_never_says_fraud():
    cases = [
        summary({name: check(status, risk, findings=[finding(risk, "x")]) for name in CHECK_ORDER})
        for status, risk in (("ok", 0.1), ("review", 0.5), ("alert", 0.9), ("insufficient", 0.0))
    ]
    for case in cases:
        before = copy.deepcopy(case)
        result = overall(case)
        assert case == before
        assert "fraud" not in str(result).lower()
        assert result["headline"].endswith(".") and result["headline"].count(".") >= 1


def test_headline_keeps_plain_words_and_the_table_keeps_the_numbers():
    technical = {
        "t0": 0.0,
        "t1": 5.0,
        "risk": 0.9,
        "signal": "eyes",
        "frame": None,
        "reason": "eye highlight mismatch: 3.43 iris radii, higher than real faces (0.50 ± 0.30)",
    }
    result = overall(summary({"deepfake": check("alert", 0.9, findings=[technical]), "identity": check("ok", 0.0)}))
    assert result["headline"].startswith("Signs of face manipulation around the eyes; the same face throughout")
    assert "iris radii" not in result["headline"]
    assert "3.43 iris radii" in result["checks"]["deepfake"]["line"]
    assert "3.43 iris radii" in result["reasons"][0]["text"]


def test_a_review_level_moment_in_a_check_that_is_ok_does_not_reach_the_headline():
    """One window of a long call scored at review level, the recording as a whole is ok: the headline
    follows the check's status (the moment stays in its findings and on the timeline)."""
    moment = finding(0.5, "face detail and noise against the head around it in the face")
    checks = {"liveness": check("ok", 0.0), "identity": check("ok", 0.0),
              "deepfake": check("ok", 0.2, findings=[moment])}  # relay not assessed: deepfake gets a say
    result = overall(summary(checks))
    assert result["status"] == "ok"
    assert "signs of face manipulation" not in result["headline"].replace("no visible signs of face manipulation", "")
    checks["deepfake"] = check("review", 0.5, findings=[moment])
    assert "signs of face manipulation" in overall(summary(checks))["headline"].lower()
