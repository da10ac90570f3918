"""summary.json: a pure function of what the session measured. No verdicts here: each check
reports its own evidence, and keys of checks that did not run are absent, never placeholders."""

from __future__ import annotations

from datetime import datetime, timezone

import interview
from interview.config import AnalysisConfig
from interview.media import MediaInfo
from interview.session import SessionResult
from models.manifest import MANIFEST

SCHEMA_VERSION = 1


def model_card(config: AnalysisConfig) -> dict:
    """Which model files an analysis used, pinned by carrier and hash, for the report's audit trail."""
    used = {"face_landmarker", "yunet", "sface", "silero_vad", "hand_landmarker", "voice_encoder", "selfie_segmenter"}
    if config.transcribe:
        used.add("whisper_tiny_en" if config.whisper_model == "tiny.en" else "whisper_base")
    return {spec.name: {"carriers": spec.requirements, "sha256": [f.sha256 for f in spec.files], "license": spec.license}
            for spec in MANIFEST if spec.name in used}


def build_summary(session_id: str, media: MediaInfo, config: AnalysisConfig, result: SessionResult,
                  problems: list[str]) -> dict:
    duration = media.duration_s or result.audio.duration
    measurements = {
        "face_visible_ratio": round(result.stats.face_visible_ratio, 4),
        "speech_ratio": round(result.audio.speech_seconds / duration, 4) if duration else 0.0,
        "max_faces": result.stats.max_faces,
        "analysed_frames": result.stats.analysed_frames,
    }
    for check in result.checks.values():
        measurements.update(check.measurements)
    return {
        "schema": SCHEMA_VERSION,
        "session_id": session_id,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tool": {"name": "interview-verify", "version": interview.__version__},
        "candidate": config.candidate,
        "input": media.to_dict(),
        "checks": {name: check.to_dict() for name, check in result.checks.items()},
        "measurements": measurements,
        "transcript": [segment.to_dict() for segment in result.audio.transcript],
        "speech_segments": [segment.to_dict() for segment in result.audio.speech],
        "challenges_asked": [{"kind": c.kind, "asked_s": c.asked_s} for c in config.challenges],
        "problems": problems,
        "sampling": {"max_fps": config.policy.max_fps, "max_side": config.policy.max_side,
                     "embed_every_s": config.policy.embed_every_s, "whisper_model": config.whisper_model},
        "models": model_card(config),
        "profile": config.profile.describe(),
    }


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
