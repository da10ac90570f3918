"""The one result type every liveness signal returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SignalResult:
    """What one signal concluded.

    score: how strongly it points to a presentation attack, 0 (looks live) .. 1 (attack), already
    on the shared risk scale (review >= 0.4, alert >= 0.7); confidence: how much data backed it,
    0 (could not measure) .. 1; reason: one sentence a non-expert can check against the video;
    t0/t1: the span the reason is about; evidence_t: the moment worth showing as a picture.
    """

    name: str
    score: float
    confidence: float
    reason: str
    measurements: dict = field(default_factory=dict)
    t0: float | None = None
    t1: float | None = None
    evidence_t: float | None = None

    def to_dict(self) -> dict:
        return {"score": round(self.score, 3), "confidence": round(self.confidence, 3), "reason": self.reason,
                **self.measurements}
