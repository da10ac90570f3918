"""From signal values to a status, judged against what genuine sessions look like (a profile).

Each signal's session value (the median over the session's 1 s windows) is turned into a
deviation: how many genuine spreads it lies from the genuine sessions' centre, towards
"synthetic" (interview.calibration.profile). The session's fused score is the mean of its two
largest deviations (one strong signal is worth a look, two agreeing are more). The levels come
from the profile's false-alarm budget, not from hand-set numbers:

| level  | rule                                                                                      |
|--------|-------------------------------------------------------------------------------------------|
| review | fused score above the genuine sessions' (1 - review_share) quantile                        |
| alert  | fused score `alert_margin` beyond every genuine session, AND at least `corroboration`      |
|        | signals each `alert_margin` beyond every genuine session's value of that signal            |

A fused score past the alert level without a second signal beyond its own genuine range stays
at review: one signal, however strong, is not corroboration. Windows are scored the same way to
find where in the call to look (findings), never to set the status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from interview.calibration.profile import Budget, Profile, SignalStats

CHECK = "deepfake"


@dataclass(frozen=True)
class SignalSpec:
    """One signal's reading rule. direction: +1 higher is more synthetic, -1 lower is, 0 either;
    region: where it is marked; plain: what a reviewer would see, for a value below / above genuine."""

    name: str
    label: str
    region: str  # "face", "seam", "mouth", "eyes"
    direction: int
    unit: str
    plain: tuple[str, str]

    @property
    def key(self) -> str:
        """The profile's name for this signal."""
        return f"{CHECK}.{self.name}"


REGION_NAMES = {"face": "face", "seam": "ring around the face", "mouth": "mouth", "eyes": "eyes"}

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("boundary", "blending seam (colour/noise/shading step across a ring)", "seam", +1,
               "x a typical ring-to-ring step",
               ("", "A visible edge in colour, noise or shading where a pasted face would be blended in")),
    SignalSpec("sharpness", "face detail and noise against the head around it", "face", -1, "log ratio",
               ("The face has less fine detail and noise than the hair, ears and neck around it, as an upscaled "
                "pasted face has", "The face has more fine detail and noise than the hair, ears and neck around "
                "it, as a sharpened or enhanced face has")),
    SignalSpec("spectrum", "high-frequency falloff against the head around it", "face", -1, "log ratio",
               ("Fine detail fades out faster in the face than around it, a trace of upscaling",
                "The face carries more high-frequency detail than around it, a trace of sharpening")),
    SignalSpec("flicker", "face colour flicker not shared by the surroundings", "face", +1, "levels/frame^2",
               ("", "The face's colour flickers from frame to frame while its surroundings stay steady")),
    SignalSpec("landmark_jitter", "landmark jitter after head-motion removal", "face", +1, "% interocular",
               ("", "The face's features jitter more than a real face's once head motion is taken out")),
    SignalSpec("embedding_jitter", "identity-embedding wobble between samples", "face", +1, "1 - cosine",
               ("", "The identity of the face wobbles from one sample to the next")),
    SignalSpec("mouth", "teeth/tongue contrast in the open mouth", "mouth", -1, "log contrast",
               ("Little detail of teeth and tongue shows inside the open mouth, as in a generated mouth", "")),
    SignalSpec("eyes", "eye highlight and sharpness mismatch", "eyes", +1, "iris radii + log detail",
               ("", "The two eyes differ in their highlights or sharpness")),
    SignalSpec("stress", "artifact rise in profile views or under a hand", "face", +1, "score units",
               ("", "Artifacts rise when the head turns to profile or a hand passes over the face, where swaps "
                "break down")),
)
# Sharpness and spectrum read one side only: a face LESS detailed than the head around it, as a
# face painted at 128-256 px and upscaled into the frame is (roop, DFDC and GHOST swaps in dev-media:
# -0.7 to -1.2 log ratio). A face MORE detailed than its surroundings is what a lens does: shallow
# depth of field in studios and phone portrait modes blurs hair and background (all 9 MEAD studio
# clips: +1.2 to +2.0), and read both ways it put every one of them at review or alert.
BY_NAME = {spec.name: spec for spec in SIGNALS}
PER_FRAME = ("boundary", "sharpness", "spectrum", "mouth", "eyes")  # computed on single frames
TOP_K = 2
# The stress rise is a difference of fused scores, 0 for a real face by construction; genuine
# sessions rarely hold a profile view or a hand, so it is read on that fixed scale.
STRESS_STATS = SignalStats(+1, (-1.349 / 2, 0.0, 1.349 / 2))


def _stats(name: str, profile: Profile) -> SignalStats | None:
    return profile.stats(BY_NAME[name].key) or (STRESS_STATS if name == "stress" else None)


def deviations(values: dict[str, float], profile: Profile) -> dict[str, float]:
    """Each signal's distance from genuine sessions towards "synthetic", in genuine spreads."""
    out = {}
    for name, value in values.items():
        stats = _stats(name, profile)
        if stats is not None and value is not None and not math.isnan(value):
            out[name] = stats.deviation(value)
    return out


def fuse(signal_deviations: dict[str, float]) -> float:
    """Mean of the TOP_K largest deviations (NaN when no signal has a value)."""
    if not signal_deviations:
        return float("nan")
    return float(np.mean(sorted(signal_deviations.values(), reverse=True)[:TOP_K]))


@dataclass(frozen=True)
class Judgement:
    level: str  # "ok", "review" or "alert"
    risk: float
    fused: float
    deviations: dict[str, float]
    beyond_genuine: tuple[str, ...]  # signals past every genuine session by the margin

    @property
    def strongest(self) -> str | None:
        return max(self.deviations, key=self.deviations.get) if self.deviations else None


def judge(values: dict[str, float], profile: Profile) -> Judgement:
    """The session's level from its signal values (session medians) under `profile`."""
    levels = profile.thresholds[CHECK]
    devs = deviations(values, profile)
    fused = fuse(devs)
    beyond = tuple(name for name, d in devs.items() if d >= levels.get(f"alert_{name}", math.inf))
    if math.isnan(fused):
        return Judgement("ok", 0.0, fused, devs, beyond)
    review, alert = levels["review"], levels["alert"]
    risk = float(np.interp(fused, [0.0, review, alert, alert + 2 * (alert - review)], [0.0, 0.4, 0.7, 0.95]))
    if fused >= alert and len(beyond) >= profile.budget.corroboration:
        return Judgement("alert", risk, fused, devs, beyond)
    if fused > review:
        return Judgement("review", min(risk, 0.69), fused, devs, beyond)
    return Judgement("ok", min(risk, 0.39), fused, devs, beyond)


def levels_from_genuine(sessions: list[dict[str, float]], profile: Profile, budget: Budget) -> dict[str, float]:
    """The levels `judge` reads, set from genuine sessions' values under the budget: review above the
    (1 - review_share) quantile of their fused scores, alert `alert_margin` beyond the largest, and
    each signal's own alert level `alert_margin` beyond its largest genuine deviation."""
    devs = [deviations(s, profile) for s in sessions]
    fused = np.array([f for f in map(fuse, devs) if not math.isnan(f)])
    levels = {"review": float(np.quantile(fused, 1 - budget.review_share, method="higher")),
              "alert": float(fused.max()) + budget.alert_margin}
    for spec in SIGNALS:
        seen = [d[spec.name] for d in devs if spec.name in d]
        if seen:
            levels[f"alert_{spec.name}"] = max(seen) + budget.alert_margin
    return levels


def reason(spec: SignalSpec, value: float, profile: Profile) -> str:
    """Plain words first (what to look for in the evidence frame), then the measurement against the profile."""
    stats = _stats(spec.name, profile)
    plain = spec.plain[value > stats.centre] or spec.plain[0] or spec.plain[1]
    measured = f"in the {REGION_NAMES[spec.region]}: {spec.label} {value:.2f} {spec.unit}"
    if spec.name == "stress" or profile.stats(spec.key) is None:
        return f"{plain} ({measured})"
    share = stats.share_beyond(value)
    among = (f"beyond every one of the {profile.sessions} genuine sessions" if share == 0.0
             else f"beyond {1.0 - share:.1%} of the {profile.sessions} genuine sessions")
    return f"{plain} ({measured}; {among} of profile '{profile.name}', typically {stats.centre:.2f})"
