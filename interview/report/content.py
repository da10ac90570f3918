"""What the report says, decided once: the HTML and the PDF render this same content, section by
section, so the printable copy never says something the screen copy does not."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from interview.checks.base import ALERT_RISK, REVIEW_RISK, risk_level
from interview.checks.deepfake.stress import stress_note, with_stress_note
from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD
from interview.checks.liveness.challenges import label_of
from interview.checks.registry import check_type
from interview.checks.relay.check import NORMAL_LATENCY_MS, SLOW_LATENCY_MS
from interview.links.view import capture_line, session_links_line
from interview.next_steps import next_step
from interview.overall import MIN_ASSESSED_FOR_OK, STATUS_LABELS, STATUS_MEANING, overall
from interview.report import plots
from interview.timeline import seconds

SECTIONS = (
    "Summary",
    "Checks",
    "Timeline",
    "Findings",
    "Evidence frames",
    "Challenges",
    "Answer timing",
    "Transcript",
    "Not assessed",
    "Models and thresholds",
    "Input file",
)
STATUS_SYMBOLS = {"ok": "✔", "review": "▲", "alert": "✖", "insufficient": "○"}
MAX_EVIDENCE_FRAMES = 12


@dataclass
class Evidence:
    number: int
    caption: str
    jpeg: bytes


@dataclass
class ReportContent:
    """Rows and images of every section, already in plain words."""

    title: str
    facts: list[tuple[str, str]]
    status: str
    headline: str
    reasons: list[str]
    cautions: list[str]
    checks: list[dict]
    timeline_png: bytes
    findings: list[dict]
    evidence: list[Evidence]
    evidence_note: str
    challenges: list[dict]
    challenge_note: str
    answers: list[dict]
    latency_png: bytes | None
    answer_note: str
    transcript: list[dict]
    not_assessed: list[tuple[str, str]]
    models: list[list[str]]
    thresholds: list[list[str]]
    input_rows: list[tuple[str, str]]
    redacted: str | None = None
    footer: str = field(default="This report shows evidence, not a verdict. A person decides.")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_meaning(self) -> str:
        return STATUS_MEANING[self.status]


def build_content(summary: dict, out_dir: Path, redacted: str | None = None) -> ReportContent:
    """Everything both renderers need; `redacted` (when and why frames were deleted) replaces the
    evidence images with a note."""
    fused = summary.get("overall") or overall(summary)
    measurements = summary.get("measurements") or {}
    media = summary.get("input") or {}
    checks = []
    for name, entry in fused["checks"].items():
        result = (summary.get("checks") or {}).get(name) or {}
        checks.append(
            {
                "name": name,
                "label": entry["label"],
                "question": check_type(name).question if check_type(name) else "",
                "status": entry["status"],
                "status_label": STATUS_LABELS[entry["status"]],
                "symbol": STATUS_SYMBOLS[entry["status"]],
                "risk": entry["risk"],
                "coverage": entry["coverage"],
                "line": entry["line"],
                "findings": len(result.get("findings") or []),
            }
        )
    labels = {c["name"]: c["label"] for c in checks}
    findings = sorted(
        (
            {"check": name, "label": labels.get(name, name), **f}
            for name, result in (summary.get("checks") or {}).items()
            for f in result.get("findings") or []
        ),
        key=lambda f: (f.get("t0", 0), -f.get("risk", 0)),
    )
    for number, finding in enumerate(findings, start=1):
        finding["number"] = number
        finding["level"] = risk_level(finding.get("risk", 0.0))
        finding["next_step"] = next_step(finding["check"], finding.get("signal"), finding.get("risk", 0.0))
    for check in checks:  # the card's action: its strongest finding's
        top = max((f for f in findings if f["check"] == check["name"]), key=lambda f: f.get("risk", 0), default=None)
        check["next_step"] = top["next_step"] if top and check["status"] in ("review", "alert") else None
    evidence, evidence_note = _evidence(findings, out_dir, redacted)
    answers = [a for a in measurements.get("answers") or [] if a.get("latency_ms") is not None]
    challenges, challenge_note = _challenges(summary)
    return ReportContent(
        title="Interview evidence report",
        facts=[
            ("Candidate", summary.get("candidate") or "not given"),
            ("Session", summary.get("session_id", "-")),
            ("Analysed", summary.get("created_at", "-")),
            ("Recording", f"{Path(str(media.get('path', '-'))).name}, {seconds(media.get('duration_s'))}"),
            ("Capture chain", capture_line(summary)),
            ("Links to other names", session_links_line(summary)),
        ],
        status=fused["status"],
        headline=fused["headline"],
        reasons=[r["text"] for r in fused.get("reasons") or []],
        cautions=list(fused.get("cautions") or []),
        checks=checks,
        timeline_png=plots.timeline_png(summary, checks, findings),
        findings=findings,
        evidence=evidence,
        evidence_note=evidence_note,
        challenges=challenges,
        challenge_note=challenge_note,
        answers=[
            {
                "number": i,
                "question_end": a.get("question_end_s"),
                "answer_start": a.get("answer_start_s"),
                "latency_s": a["latency_ms"] / 1000,
                "question": a.get("question_text") or "",
            }
            for i, a in enumerate(answers, start=1)
        ],
        latency_png=plots.latency_png(answers) if answers else None,
        answer_note=(
            ""
            if answers
            else "No question-and-answer turns were measured"
            + ("" if "relay" in (summary.get("checks") or {}) else " (the relay check did not run)")
            + "."
        ),
        transcript=_transcript(summary.get("transcript") or [], answers),
        not_assessed=[(item["label"], item["reason"]) for item in fused.get("not_assessed") or []]
        + [("Input", problem) for problem in summary.get("problems") or []],
        models=[
            [
                name,
                ", ".join(card.get("carriers") or []),
                ", ".join(h[:16] for h in card.get("sha256") or []),
                card.get("license", ""),
            ]
            for name, card in (summary.get("models") or {}).items()
        ],
        thresholds=_thresholds(summary, measurements),
        input_rows=[
            ("File", str(media.get("path", "-"))),
            ("SHA-256", str(media.get("sha256", "-"))),
            ("Duration", seconds(media.get("duration_s"))),
            (
                "Video",
                f"{media.get('width', '-')}x{media.get('height', '-')} at {media.get('fps') or '-'} fps"
                + (f", {media['video_kbps']:.0f} kb/s ({media['bits_per_pixel']:.4f} bits per pixel)"
                   if media.get("video_kbps") and media.get("bits_per_pixel") else "")
                if media.get("has_video", True)
                else "none",
            ),
            ("Audio", "yes" if media.get("has_audio") else "none"),
            (
                "Tool",
                f"{(summary.get('tool') or {}).get('name', 'interview-verify')} "
                f"{(summary.get('tool') or {}).get('version', '')}, summary rules {fused.get('rules', '-')}",
            ),
        ],
        redacted=redacted,
    )


def _evidence(findings: list[dict], out_dir: Path, redacted: str | None) -> tuple[list[Evidence], str]:
    if redacted:
        return [], f"Evidence frames were deleted on {redacted}; the findings above still describe them."
    with_frames = [f for f in findings if f.get("frame") and (out_dir / f["frame"]).is_file()]
    chosen = sorted(
        sorted(with_frames, key=lambda f: -f.get("risk", 0))[:MAX_EVIDENCE_FRAMES], key=lambda f: f["number"]
    )
    items = [
        Evidence(
            f["number"],
            f"#{f['number']} {f['label']}, {seconds(f.get('t0'))}: {f.get('reason', '')}",
            (out_dir / f["frame"]).read_bytes(),
        )
        for f in chosen
    ]
    if not findings:
        note = "No finding came with a frame to look at."
    elif not items:
        note = "None of the findings came with an evidence frame."
    elif len(with_frames) > len(items):
        note = f"The {len(items)} highest-risk of {len(with_frames)} frames."
    else:
        note = ""
    return items, note


def _challenges(summary: dict) -> tuple[list[dict], str]:
    measured = (summary.get("measurements") or {}).get("challenges")
    if measured:
        deepfake = ((summary.get("checks") or {}).get("deepfake") or {}).get("findings") or []
        rows = []
        for c in measured:
            result = "passed" if c.get("passed") else "not passed" if c.get("passed") is False else "not measured"
            face = stress_note(c.get("asked_s") or 0.0, deepfake)
            rows.append({
                "kind": c.get("kind", "-"),
                "label": label_of(c.get("kind", "-")),
                "asked": c.get("asked_s"),
                "onset": c.get("onset_s"),
                "response_ms": c.get("response_ms"),
                "result": with_stress_note(result, face),
                "detail": c.get("detail") or "",
            })
        return rows, ""
    asked = summary.get("challenges_asked") or []
    if asked:
        return (
            [
                {
                    "kind": c.get("kind"),
                    "label": label_of(c.get("kind") or "-"),
                    "asked": c.get("asked_s"),
                    "onset": None,
                    "response_ms": None,
                    "result": "not measured",
                    "detail": "the liveness check reported no response measurement",
                }
                for c in asked
            ],
            "",
        )
    return [], (
        "No active challenge was asked. Asking the candidate to turn their head or pass a hand over "
        "their face gives the liveness check much stronger evidence."
    )


def _transcript(segments: list[dict], answers: list[dict]) -> list[dict]:
    """Transcript lines, each marked with the latency of the answer that starts in it."""
    rows = [
        {"start": s.get("start"), "end": s.get("end"), "text": (s.get("text") or "").strip(), "latency_s": None}
        for s in segments
    ]
    for answer in answers:
        start = answer.get("answer_start_s")
        if start is None:
            continue
        line = next(
            (r for r in rows if r["start"] is not None and r["start"] - 0.5 <= start < (r["end"] or start) + 0.1), None
        )
        if line is None:
            rows.append({"start": start, "end": start, "text": "(answer without transcript)", "latency_s": None})
            line = rows[-1]
        line["latency_s"] = answer["latency_ms"] / 1000
    return sorted(rows, key=lambda r: r["start"] or 0)


def _thresholds(summary: dict, measurements: dict) -> list[list[str]]:
    rows = [
        ["Review", f"risk >= {REVIEW_RISK}", "a check at or above this asks for a closer look"],
        ["Alert", f"risk >= {ALERT_RISK}", "strong warning sign"],
        ["Enough evidence", "coverage >= 0.2", "below this a check says 'not enough evidence'"],
        [
            "Overall OK",
            f">= {MIN_ASSESSED_FOR_OK} checks assessed",
            "'no warning signs' needs most checks to have looked",
        ],
        [
            "Same person",
            f"face similarity >= {measurements.get('id_threshold', SAME_PERSON_THRESHOLD)}",
            "the identity check's face-embedding (SFace cosine) threshold",
        ],
        [
            "Answer timing words",
            f"<= {NORMAL_LATENCY_MS / 1000:g} s normal, <= {SLOW_LATENCY_MS / 1000:g} s slower",
            "wording only; the relay check sets the risk",
        ],
    ]
    rows += [
        [key, f"{value}", "reported by the check"]
        for key, value in measurements.items()
        if "threshold" in key and key != "id_threshold"
    ]  # id_threshold is the "Same person" row
    profile = summary.get("profile")
    if profile:
        budget = profile.get("budget") or {}
        rows.append(["Calibration profile",
                     f"'{profile['name']}': {profile['sessions']} genuine sessions, {profile['sources']} sources "
                     f"({profile['created'][:10]})",
                     f"findings are read against these genuine sessions; review for at most "
                     f"{budget.get('review_share', 0):.0%} of them, alert only with "
                     f"{budget.get('corroboration', 2)} signals agreeing"])
    sampling = summary.get("sampling") or {}
    if sampling:
        rows.append(["Sampling", ", ".join(f"{k} {v}" for k, v in sampling.items() if v is not None), "what perception saw"])
    return rows
