"""The one-glance summary: a pure function from the checks' evidence to `summary["overall"]`.

It reports evidence, never a verdict: the words are "ok", "review", "alert" or "not enough
evidence", and the headline says what was measured in plain language.

Rules (applied in this order; thresholds are the shared traffic light of `checks.base`):

| rule                                                      | effect                                   |
|-----------------------------------------------------------|------------------------------------------|
| a check absent from summary["checks"]                     | not assessed: "the check did not run"    |
| a check whose status is insufficient (coverage < 0.2)     | not assessed, with the reason            |
| any check at alert (its risk >= 0.7, coverage >= 0.2)     | overall alert (raises risk)              |
| two or more checks at review or alert                     | overall alert: independent signs agree   |
| one check at review (its risk 0.4 to 0.7)                 | overall review (raises risk)             |
| findings below 0.4 risk; input problems; no ID photo;     | caution only: listed, status unchanged   |
| no active challenge asked; more than one face seen        |                                          |
| no check assessed                                         | overall insufficient                     |
| fewer than 3 checks assessed, none at review or alert     | overall insufficient: "no warning signs" |
|                                                           | needs most checks to have looked         |
| otherwise                                                 | overall ok                               |

Overall risk is the highest assessed check's risk (raised to 0.7 when two checks agree). A
warning sign stands on its own, but "no warning signs" needs breadth, hence the asymmetry.
"""

from __future__ import annotations

from dataclasses import dataclass

from interview.checks.base import ALERT_RISK, REVIEW_RISK
from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD

RULES_VERSION = "overall-1"
CHECK_ORDER = ("liveness", "identity", "deepfake", "relay")
CHECK_LABELS = {
    "liveness": "Liveness",
    "identity": "Identity",
    "deepfake": "Deepfake signs",
    "relay": "Own answers",
}
CHECK_QUESTIONS = {
    "liveness": "Is a live person in front of the camera, not a photo, mask or replay?",
    "identity": "Is it the person on the ID, the same person all the way through?",
    "deepfake": "Does the face show signs of being generated or swapped?",
    "relay": "Do voice and lips move together, and do answers follow questions like a normal conversation?",
}
STATUS_LABELS = {"ok": "OK", "review": "Review", "alert": "Alert", "insufficient": "Not enough evidence"}
STATUS_MEANING = {
    "ok": "No warning signs in what could be checked.",
    "review": "Some signs need a closer look by a person.",
    "alert": "Strong warning signs: look at the evidence before deciding.",
    "insufficient": "Not enough evidence to say anything either way.",
}
HEADLINE_ORDER = ("identity", "liveness", "relay", "deepfake")  # reassurances, most asked-for first
MIN_ASSESSED_FOR_OK = 3  # of the four checks
# Answer-latency wording (plain words only; the relay check sets the risk). People answer a
# conversational question after ~0.2 s; an interview answer after a pause of up to ~1 s is normal.
NORMAL_LATENCY_MS = 1000
SLOW_LATENCY_MS = 2000
LIP_SYNC_NOTICE_MS = 200  # below this, an A/V offset is not mentioned in the headline
FACE_CHECKS = ("liveness", "identity", "deepfake")
FACE_REGIONS = ("eyes", "mouth", "teeth", "jaw", "nose", "skin", "hairline", "face edge", "cheeks", "forehead")


@dataclass(frozen=True)
class _Line:
    """What one check saw: `text` in plain words for the headline, `detail` with the check's own
    reason (numbers included) for the check table; `concern` when its light is review or alert."""

    check: str
    risk: float
    concern: bool
    text: str
    detail: str


def overall(summary: dict) -> dict:
    """{status, risk, headline, checks, reasons, cautions, not_assessed, rules} from a summary.

    Pure: reads only `summary` (checks, measurements, input, problems, challenges_asked) and
    tolerates any missing key. `checks` holds every known check in report order, with a plain
    `line` per check, so a report or UI can show the traffic lights without re-deriving them.
    """
    results = summary.get("checks") or {}
    measurements = summary.get("measurements") or {}
    names = list(CHECK_ORDER) + [n for n in results if n not in CHECK_ORDER]
    checks: dict[str, dict] = {}
    not_assessed: list[dict] = []
    lines: list[_Line] = []
    for name in names:
        result = results.get(name)
        status = result.get("status", "insufficient") if result else "insufficient"
        entry = {
            "label": CHECK_LABELS.get(name, name.capitalize()),
            "status": status,
            "risk": float(result.get("risk", 0.0)) if result else 0.0,
            "coverage": float(result.get("coverage", 0.0)) if result else 0.0,
            "assessed": status != "insufficient",
        }
        if entry["assessed"]:
            line = _Line(name, entry["risk"], status in ("review", "alert"), *_describe(name, result, measurements))
            lines.append(line)
            entry["line"] = _sentence(line.detail)
        else:
            reason = _why_not_assessed(name, result, summary)
            not_assessed.append({"check": name, "label": entry["label"], "reason": reason})
            entry["line"] = f"Not assessed: {reason}."
        checks[name] = entry

    assessed = [c for c in checks.values() if c["assessed"]]
    raised = sorted((ln for ln in lines if ln.concern), key=lambda ln: -ln.risk)
    risk = max((c["risk"] for c in assessed), default=0.0)
    if len(raised) >= 2:
        risk = max(risk, ALERT_RISK)
    if any(c["status"] == "alert" for c in assessed) or len(raised) >= 2:
        status = "alert"
    elif raised:
        status = "review"
    elif len(assessed) >= MIN_ASSESSED_FOR_OK:
        status = "ok"
    else:
        status = "insufficient"

    reasons = [{"check": ln.check, "risk": round(ln.risk, 3), "text": _sentence(ln.detail)} for ln in raised]
    if len(raised) >= 2:
        reasons.append(
            {
                "check": None,
                "risk": round(risk, 3),
                "text": f"{len(raised)} independent checks raise concerns at the same time.",
            }
        )
    return {
        "status": status,
        "status_label": STATUS_LABELS[status],
        "risk": round(risk, 3),
        "headline": _headline(status, lines, not_assessed),
        "checks": checks,
        "reasons": reasons,
        "cautions": _cautions(summary, checks),
        "not_assessed": not_assessed,
        "rules": RULES_VERSION,
    }


def _headline(status: str, lines: list[_Line], not_assessed: list[dict]) -> str:
    """One sentence: the concerns first (highest risk first), then what looked normal, then
    what could not be assessed; at most three measured parts so it reads at a glance."""
    if status == "insufficient":
        if not lines:
            reasons = {item["reason"] for item in not_assessed}
            why = f"; {reasons.pop()}" if len(reasons) == 1 else ""
            return _sentence(
                f"Not enough evidence to say anything: {_join([i['label'].lower() for i in not_assessed])} "
                f"could not be assessed{why}"
            )
        missing = _join([item["label"].lower() for item in not_assessed])
        return _sentence(
            f"Not enough evidence for an overall view: {missing} could not be assessed; "
            + "; ".join(ln.text for ln in lines[:2])
        )
    concerns = sorted((ln for ln in lines if ln.concern), key=lambda ln: -ln.risk)
    normal = sorted(
        (ln for ln in lines if not ln.concern),
        key=lambda ln: HEADLINE_ORDER.index(ln.check) if ln.check in HEADLINE_ORDER else len(HEADLINE_ORDER),
    )
    parts = [ln.text for ln in (concerns + normal)[:3]]
    if not_assessed:
        parts.append(f"{_join([item['label'].lower() for item in not_assessed])} not assessed")
    return _sentence("; ".join(parts))


def _describe(name: str, result: dict, measurements: dict) -> tuple[str, str]:
    """(plain, detail) for an assessed check: a measurement where one tells the story, otherwise
    its strongest finding (the headline names the kind of sign and where; the detail keeps the
    check's own reason), otherwise a neutral 'no signs of ...'."""
    top = max(result.get("findings") or [], key=lambda f: f.get("risk", 0.0), default=None)
    # A check that is ok overall may still list a moment at review level (one window of a long
    # call): it stays in the findings and the timeline, but the headline follows the check's status.
    concern = top is not None and top.get("risk", 0.0) >= REVIEW_RISK and result.get("status") in ("review", "alert")
    if name == "identity":
        similarity = measurements.get("id_similarity")
        if similarity is not None:
            threshold = measurements.get("id_threshold", SAME_PERSON_THRESHOLD)
            if similarity < threshold:
                return (
                    "face does not match the ID photo",
                    f"face does not match the ID photo (similarity {similarity:.2f}, same person from {threshold:.2f})",
                )
            if concern:
                return (
                    f"face matches the ID photo, but {_lower(top['reason'])}",
                    f"face matches the ID photo ({similarity:.2f}), but {_lower(top['reason'])}",
                )
            return "face matches the ID photo", f"face matches the ID photo (similarity {similarity:.2f})"
    if name == "relay":
        parts = []
        latency = _mean_latency_s(measurements.get("answers"))
        if latency is not None:
            parts.append(f"answers started {latency:.1f} s after questions on average, {_latency_words(latency)}")
        offset = measurements.get("av_offset_ms")
        offset_noted = (
            offset is not None
            and abs(offset) >= LIP_SYNC_NOTICE_MS
            and measurements.get("av_offset_confidence", 1.0) >= 0.5
        )
        if offset_noted:
            parts.append(f"voice and lips were out of step by {abs(offset) / 1000:.2f} s")
        slow = latency is not None and latency * 1000 > NORMAL_LATENCY_MS
        if parts and (slow or offset_noted or not concern):
            return ", and ".join(parts), ", and ".join(parts)
    if name == "liveness":
        challenges = measurements.get("challenges") or []
        passed = sum(1 for c in challenges if c.get("passed"))
        if challenges and (passed < len(challenges) or not concern):
            text = f"responded to {passed} of {len(challenges)} live challenges"
            return text, text + (f"; {_lower(top['reason'])}" if concern else "")
    if concern:
        reason = _lower(top["reason"]).rstrip(".")
        kind = {"liveness": "signs of a photo, screen or replay", "deepfake": "signs of face manipulation"}.get(name)
        if kind is None:
            return reason, reason
        region = top.get("region") or (top.get("signal") if top.get("signal") in FACE_REGIONS else None)
        plain = f"{kind} around the {region}" if region else kind
        return plain, f"{plain} ({reason})"
    text = {
        "liveness": "no signs of a photo, mask or replay",
        "identity": "the same face throughout",
        "deepfake": "no visible signs of face manipulation",
        "relay": "voice and lips move together",
    }.get(name, f"no concerns from {name}")
    return text, text


def _why_not_assessed(name: str, result: dict | None, summary: dict) -> str:
    media = summary.get("input") or {}
    if name in FACE_CHECKS and media.get("has_video") is False:
        return "the recording has no video"
    if name == "relay" and media.get("has_audio") is False:
        return "the recording has no audio"
    if result is None:
        return "the check did not run"
    reasons = [f["reason"] for f in result.get("findings") or [] if f.get("reason")]
    if reasons:
        return _lower(reasons[0]).rstrip(".")
    coverage = float(result.get("coverage", 0.0))
    return f"too little could be judged (coverage {coverage:.0%} of the recording)"


def _cautions(summary: dict, checks: dict) -> list[str]:
    """Things a reviewer should know that do not change the status."""
    cautions = []
    for name, result in (summary.get("checks") or {}).items():
        if not checks.get(name, {}).get("assessed"):
            continue
        for finding in result.get("findings") or []:
            if 0 < finding.get("risk", 0.0) < REVIEW_RISK:
                cautions.append(f"{checks[name]['label']} at {finding.get('t0', 0):.1f} s: {finding['reason']}")
    measurements = summary.get("measurements") or {}
    if checks.get("identity", {}).get("assessed") and measurements.get("id_similarity") is None:
        cautions.append("No ID photo was given: identity only checks that the same face stays throughout.")
    if checks.get("liveness", {}).get("assessed") and not summary.get("challenges_asked"):
        cautions.append(
            "No active challenge (turn the head, cover the face) was asked: liveness rests on passive signs."
        )
    if (measurements.get("max_faces") or 0) > 1:
        cautions.append(f"Up to {measurements['max_faces']} faces were in the picture at once.")
    cautions += [f"Input problem: {p}" for p in summary.get("problems") or []]
    return cautions


def _mean_latency_s(answers: list[dict] | None) -> float | None:
    latencies = [a["latency_ms"] for a in answers or [] if a.get("latency_ms") is not None]
    return sum(latencies) / len(latencies) / 1000 if latencies else None


def _latency_words(seconds: float) -> str:
    if seconds * 1000 <= NORMAL_LATENCY_MS:
        return "like normal conversation"
    if seconds * 1000 <= SLOW_LATENCY_MS:
        return "slower than normal conversation"
    return "much slower than normal conversation"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _lower(text: str) -> str:
    """Lower-case the first letter for use mid-sentence, unless it starts an acronym (ID, AV)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."
