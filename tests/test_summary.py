"""summary.json as a typed Summary: each check's own measurements, the session's never replaced,
a round trip that loses nothing, and summaries written before schema 2 still read."""

from __future__ import annotations

from pathlib import Path

import pytest

from interview.checks.base import CheckResult, Finding
from interview.config import AnalysisConfig
from interview.observations import AudioAnalysis
from interview.recording import MediaInfo
from interview.session import SessionResult, SessionStats
from interview.summary import SCHEMA_VERSION, Summary, build_summary

MEDIA = MediaInfo(Path("call.mp4"), 60.0, 640, 480, 25.0, True, True, "ab" * 32)


def _summary() -> Summary:
    checks = {"identity": CheckResult("identity", "review", 0.5, 0.9, [Finding(1.0, 2.0, 0.5, "two faces")],
                                      {"id_similarity": 0.61, "id_threshold": 0.363}),
              "relay": CheckResult("relay", "ok", 0.1, 0.8, [], {"av_offset_ms": 40})}
    result = SessionResult(SessionStats(analysed_frames=900, frames_with_face=850, max_faces=2),
                           AudioAnalysis(60.0, 16_000, (), ()), checks)
    return build_summary("s1", MEDIA, AnalysisConfig(candidate="Jane"), result, [])


def test_each_check_names_its_own_measurements_and_the_session_keeps_its_own():
    data = _summary().to_dict()
    assert data["schema"] == SCHEMA_VERSION == 2
    assert data["checks"]["identity"]["measured"] == ["id_similarity", "id_threshold"]
    assert data["checks"]["relay"]["measured"] == ["av_offset_ms"]
    assert data["measurements"]["av_offset_ms"] == 40 and data["measurements"]["analysed_frames"] == 900


def test_a_check_cannot_replace_a_session_measurement():
    result = SessionResult(SessionStats(), AudioAnalysis(1.0, 16_000, (), ()),
                           {"identity": CheckResult("identity", "ok", 0.0, 1.0, [], {"max_faces": 3})})
    with pytest.raises(ValueError, match="max_faces"):
        build_summary("s2", MEDIA, AnalysisConfig(), result, [])


def test_round_trip_loses_nothing():
    typed = _summary()
    typed.more["overall"] = {"status": "review"}
    again = Summary.from_dict(typed.to_dict())
    assert again == typed
    assert again.checks["identity"].measurements == {"id_similarity": 0.61, "id_threshold": 0.363}


def test_a_schema_1_summary_still_reads():
    old = {"schema": 1, "session_id": "old", "candidate": "Ann", "input": {"path": "x.mp4"},
           "checks": {"liveness": {"status": "ok", "risk": 0.1, "coverage": 0.9, "findings": []}},
           "measurements": {"face_visible_ratio": 0.9, "blinks_per_minute": 12.0, "max_faces": 1},
           "overall": {"status": "ok"}, "timings": {}}
    typed = Summary.from_dict(old)
    assert typed.schema == 1 and typed.checks["liveness"].status == "ok"
    assert typed.checks["liveness"].measurements == {}  # schema 1 did not say whose they were
    assert typed.session_measurements == {"face_visible_ratio": 0.9, "max_faces": 1}
    assert typed.more == {"overall": {"status": "ok"}, "timings": {}}
