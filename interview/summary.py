"""summary.json: a pure function of what the session measured. No verdicts here: each check
reports its own evidence, and keys of checks that did not run are absent, never placeholders."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timezone

import interview
from interview.config import AnalysisConfig
from interview.recording import MediaInfo
from interview.session import SessionResult
from models.manifest import MANIFEST

SCHEMA_VERSION = 2  # 2: each check names its own measurements ("measured") and lists its signals
SESSION_MEASUREMENTS = ("face_visible_ratio", "speech_ratio", "max_faces", "analysed_frames")


def model_card(config: AnalysisConfig) -> dict:
    """Which model files an analysis used, pinned by carrier and hash, for the report's audit trail."""
    used = {"face_landmarker", "yunet", "sface", "silero_vad", "hand_landmarker", "voice_encoder", "selfie_segmenter"}
    if config.transcribe:
        used.add("whisper_tiny_en" if config.whisper_model == "tiny.en" else "whisper_base")
    return {spec.name: {"carriers": spec.requirements, "sha256": [f.sha256 for f in spec.files], "license": spec.license}
            for spec in MANIFEST if spec.name in used}


@dataclass
class CheckSummary:
    """One check's part of the summary: its traffic light, findings and its own measurements."""

    status: str
    risk: float
    coverage: float
    findings: list[dict] = field(default_factory=list)
    measurements: dict = field(default_factory=dict)
    signals: list[dict] = field(default_factory=list)  # every signal's reading (checks.base.Signal)

    def to_dict(self) -> dict:
        return {"status": self.status, "risk": round(self.risk, 3), "coverage": round(self.coverage, 3),
                "findings": self.findings, "measured": sorted(self.measurements), "signals": self.signals}


@dataclass
class Summary:
    """What a session measured, typed. `to_dict()` is summary.json (schema SCHEMA_VERSION): each check
    names the measurements that are its own ("measured"), and "measurements" holds all of them flat,
    the session's own first (a check's key never replaces the session's); `from_dict()` also reads
    schema 1, whose checks did not name their measurements. Later steps (timings, overall, links)
    add their keys to `more`."""

    session_id: str
    created_at: str
    tool: dict
    candidate: str | None
    input: dict
    checks: dict[str, CheckSummary]
    session_measurements: dict
    transcript: list[dict]
    speech_segments: list[dict]
    challenges_asked: list[dict]
    problems: list[str]
    sampling: dict
    models: dict
    profile: dict | None
    more: dict = field(default_factory=dict)
    schema: int = SCHEMA_VERSION

    @property
    def measurements(self) -> dict:
        flat = {}
        for check in self.checks.values():
            flat.update(check.measurements)
        return flat | self.session_measurements

    def to_dict(self) -> dict:
        return {"schema": self.schema, "session_id": self.session_id, "created_at": self.created_at, "tool": self.tool,
                "candidate": self.candidate, "input": self.input,
                "checks": {name: check.to_dict() for name, check in self.checks.items()},
                "measurements": self.measurements, "transcript": self.transcript,
                "speech_segments": self.speech_segments, "challenges_asked": self.challenges_asked,
                "problems": self.problems, "sampling": self.sampling, "models": self.models, "profile": self.profile,
                **self.more}

    @classmethod
    def from_dict(cls, data: dict) -> Summary:
        flat = data.get("measurements") or {}
        checks = {name: CheckSummary(check.get("status", "insufficient"), float(check.get("risk", 0.0)),
                                     float(check.get("coverage", 0.0)), list(check.get("findings") or []),
                                     {key: flat.get(key) for key in check.get("measured") or []},
                                     list(check.get("signals") or []))
                  for name, check in (data.get("checks") or {}).items()}
        known = {f.name for f in fields(cls)} | {"measurements"}
        return cls(session_id=data.get("session_id", ""), created_at=data.get("created_at", ""),
                   tool=data.get("tool") or {}, candidate=data.get("candidate"), input=data.get("input") or {},
                   checks=checks, session_measurements={k: flat[k] for k in SESSION_MEASUREMENTS if k in flat},
                   transcript=data.get("transcript") or [], speech_segments=data.get("speech_segments") or [],
                   challenges_asked=data.get("challenges_asked") or [], problems=data.get("problems") or [],
                   sampling=data.get("sampling") or {}, models=data.get("models") or {}, profile=data.get("profile"),
                   more={k: v for k, v in data.items() if k not in known}, schema=int(data.get("schema", 1)))


def build_summary(session_id: str, media: MediaInfo, config: AnalysisConfig, result: SessionResult,
                  problems: list[str]) -> Summary:
    duration = media.duration_s or result.audio.duration
    session = {
        "face_visible_ratio": round(result.stats.face_visible_ratio, 4),
        "speech_ratio": round(result.audio.speech_seconds / duration, 4) if duration else 0.0,
        "max_faces": result.stats.max_faces,
        "analysed_frames": result.stats.analysed_frames,
    }
    shadowing = {name: sorted(set(check.measurements) & set(session)) for name, check in result.checks.items()}
    if any(shadowing.values()):
        raise ValueError(f"checks may not report the session's own measurements: {shadowing}")
    checks = {name: CheckSummary(check.status, check.risk, check.coverage, [f.to_dict() for f in check.findings],
                                 check.measurements, [s.to_dict() for s in check.signals])
              for name, check in result.checks.items()}
    return Summary(
        session_id=session_id,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        tool={"name": "interview-verify", "version": interview.__version__},
        candidate=config.candidate,
        input=media.to_dict(),
        checks=checks,
        session_measurements=session,
        transcript=[segment.to_dict() for segment in result.audio.transcript],
        speech_segments=[segment.to_dict() for segment in result.audio.speech],
        challenges_asked=[{"kind": c.kind, "asked_s": c.asked_s} for c in config.challenges],
        problems=problems,
        sampling={"max_fps": config.policy.max_fps, "max_side": config.policy.max_side,
                  "embed_every_s": config.policy.embed_every_s,
                  "embed_turned_every_s": config.policy.embed_turned_every_s,
                  "reference_embeddings": config.policy.reference_embeddings, "whisper_model": config.whisper_model,
                  "region": list(config.policy.region) if config.policy.region else None},
        models=model_card(config),
        profile=config.profile.describe(),
    )


def console_lines(summary: dict) -> list[str]:
    """A few lines for the terminal: each check's traffic light and its strongest reason."""
    overall = summary.get("overall")
    lines = [f"{overall['status_label'].upper()}: {overall['headline']}"] if overall else []
    lines += [f"input: {summary['input']['path']} ({summary['input']['duration_s']:.1f} s), "
             f"face visible {summary['measurements']['face_visible_ratio']:.0%}, "
             f"speech {summary['measurements']['speech_ratio']:.0%}"]
    for name, check in summary["checks"].items():
        top = max(check["findings"], key=lambda f: f["risk"], default=None)
        reason = f" - {top['reason']}" if top else ""
        lines.append(f"{name:<9} {check['status'].upper():<12} risk {check['risk']:.2f}{reason}")
    return lines
