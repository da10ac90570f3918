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

from interview.checks.base import ALERT_RISK, REVIEW_RISK, Check
from interview.checks.registry import check_type, check_types
from interview.wording import join_words, lower_first, sentence

RULES_VERSION = "overall-1"
STATUS_LABELS = {"ok": "OK", "review": "Review", "alert": "Alert", "insufficient": "Not enough evidence"}
STATUS_MEANING = {
    "ok": "No warning signs in what could be checked.",
    "review": "Some signs need a closer look by a person.",
    "alert": "Strong warning signs: look at the evidence before deciding.",
    "insufficient": "Not enough evidence to say anything either way.",
}
MIN_ASSESSED_FOR_OK = 3  # of the four checks
FACE_REGIONS = ("eyes", "mouth", "teeth", "jaw", "nose", "skin", "hairline", "face edge", "cheeks", "forehead")


def label_of_check(name: str) -> str:
    """The card title of a check (an unknown one by its name)."""
    kind = check_type(name)
    return kind.label if kind else name.capitalize()


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
    order = [kind.name for kind in check_types()]
    names = order + [n for n in results if n not in order]
    checks: dict[str, dict] = {}
    not_assessed: list[dict] = []
    lines: list[_Line] = []
    for name in names:
        result = results.get(name)
        status = result.get("status", "insufficient") if result else "insufficient"
        entry = {
            "label": label_of_check(name),
            "status": status,
            "risk": float(result.get("risk", 0.0)) if result else 0.0,
            "coverage": float(result.get("coverage", 0.0)) if result else 0.0,
            "assessed": status != "insufficient",
        }
        if entry["assessed"]:
            line = _Line(name, entry["risk"], status in ("review", "alert"), *_describe(name, result, measurements))
            lines.append(line)
            entry["line"] = sentence(line.detail)
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

    reasons = [{"check": ln.check, "risk": round(ln.risk, 3), "text": sentence(ln.detail)} for ln in raised]
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
            return sentence(
                f"Not enough evidence to say anything: {join_words([i['label'].lower() for i in not_assessed])} "
                f"could not be assessed{why}"
            )
        missing = join_words([item["label"].lower() for item in not_assessed])
        return sentence(
            f"Not enough evidence for an overall view: {missing} could not be assessed; "
            + "; ".join(ln.text for ln in lines[:2])
        )
    concerns = sorted((ln for ln in lines if ln.concern), key=lambda ln: -ln.risk)
    normal = sorted((ln for ln in lines if not ln.concern), key=lambda ln: _rank(ln.check))
    parts = [ln.text for ln in (concerns + normal)[:3]]
    if not_assessed:
        parts.append(f"{join_words([item['label'].lower() for item in not_assessed])} not assessed")
    return sentence("; ".join(parts))


def _rank(name: str) -> int:
    kind = check_type(name)
    return kind.headline_rank if kind else Check.headline_rank


def _describe(name: str, result: dict, measurements: dict) -> tuple[str, str]:
    """(plain, detail) for an assessed check: a measurement where the check says one tells the
    story (`Check.describe`), otherwise its strongest finding (the headline names the kind of sign
    and where; the detail keeps the check's own reason), otherwise its reassurance."""
    top = max(result.get("findings") or [], key=lambda f: f.get("risk", 0.0), default=None)
    # A check that is ok overall may still list a moment at review level (one window of a long
    # call): it stays in the findings and the timeline, but the headline follows the check's status.
    concern = top is not None and top.get("risk", 0.0) >= REVIEW_RISK and result.get("status") in ("review", "alert")
    kind = check_type(name)
    told = kind.describe(result, measurements, top if concern else None) if kind else None
    if told is not None:
        return told
    if concern:
        reason = lower_first(top["reason"]).rstrip(".")
        if kind is None or kind.concern is None:
            return reason, reason
        region = top.get("region") or (top.get("signal") if top.get("signal") in FACE_REGIONS else None)
        plain = f"{kind.concern} around the {region}" if region else kind.concern
        return plain, f"{plain} ({reason})"
    text = kind.reassurance if kind else f"no concerns from {name}"
    return text, text


def _why_not_assessed(name: str, result: dict | None, summary: dict) -> str:
    media = summary.get("input") or {}
    kind = check_type(name)
    if kind is not None and media.get(f"has_{kind.needs}") is False:
        return f"the recording has no {kind.needs}"
    if result is None:
        return "the check did not run"
    reasons = [f["reason"] for f in result.get("findings") or [] if f.get("reason")]
    if reasons:
        return lower_first(reasons[0]).rstrip(".")
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
    for kind in check_types():
        if checks.get(kind.name, {}).get("assessed"):
            cautions += kind.cautions(summary)
    measurements = summary.get("measurements") or {}
    if (measurements.get("max_faces") or 0) > 1:
        cautions.append(f"Up to {measurements['max_faces']} faces were in the picture at once.")
    cautions += [f"Input problem: {p}" for p in summary.get("problems") or []]
    return cautions
