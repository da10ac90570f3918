"""What the interviewer can do about a finding: one sentence per kind of signal (each check's
`next_steps`), so a reviewer who sees "review" or "alert" knows which question or challenge would
settle it. Findings below the review level get none (there is nothing to settle)."""

from __future__ import annotations

from interview.checks.base import REVIEW_RISK
from interview.checks.registry import check_type


def next_step(check: str, signal: str | None, risk: float) -> str | None:
    """The action for a finding at review level or above, or None."""
    kind = check_type(check)
    if (risk or 0.0) < REVIEW_RISK or kind is None:
        return None
    return kind.next_steps.get(signal) or kind.next_steps.get(None)
