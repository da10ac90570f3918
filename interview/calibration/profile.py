"""What genuine interviews look like, as numbers: a calibration profile.

A profile holds, for every calibrated signal, its session-level values on recordings known to be
genuine (the public dev corpus for the default profile; an organisation's own interviews for
theirs), and the thresholds derived from them under a stated false-alarm budget. It holds no
images, embeddings or names: only numbers, how many sessions and sources they came from, when,
and the sha256 of each input, so a reviewer can tell what a finding was judged against.

Readings are keyed "check.signal" (e.g. "deepfake.flicker"); `direction` says which side is
suspicious (+1 higher, -1 lower, 0 either side, judged by distance from the genuine centre).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np

PROFILE_ENV = "INTERVIEW_VERIFY_PROFILE"
DEFAULT_PROFILE = Path(__file__).with_name("default_profile.json")
SCHEMA = 1
MIN_SPREAD = 1e-6


class ProfileError(ValueError):
    """A profile that cannot be read (missing, not JSON, wrong schema) or built (too few genuine
    sessions): one line that says which and why."""


PRIOR_SESSIONS = 10  # how many sessions the public corpus's spread counts for in a small profile


@dataclass(frozen=True)
class SignalStats:
    """One signal's genuine session values, sorted, and which side of them is suspicious.

    `prior_spread`: the spread of the public corpus, which a profile of few sessions leans on (as
    PRIOR_SESSIONS sessions more): five interviews that happen to agree closely would otherwise make
    every later one look far off (five GRID studio clips alone put 14 of 45 other genuine heads at
    alert)."""

    direction: int
    values: tuple[float, ...]
    prior_spread: float | None = None

    @cached_property  # read for every signal of every window: computed once per profile
    def centre(self) -> float:
        return float(np.median(self.values))

    @cached_property
    def spread(self) -> float:
        """Robust spread (IQR / 1.349, a standard deviation for normal data), pooled with the prior's
        when there is one, floored."""
        q1, q3 = np.percentile(self.values, [25, 75])
        own = float(q3 - q1) / 1.349
        if self.prior_spread is not None:
            n = len(self.values)
            own = float(np.sqrt((n * own ** 2 + PRIOR_SESSIONS * self.prior_spread ** 2) / (n + PRIOR_SESSIONS)))
        return max(own, MIN_SPREAD)

    def deviation(self, value: float) -> float:
        """Spreads away from the genuine centre towards "suspicious" (0 on the reassuring side)."""
        z = (value - self.centre) / self.spread
        return abs(z) if self.direction == 0 else max(0.0, self.direction * z)

    def share_beyond(self, value: float) -> float:
        """Share of genuine sessions at least as suspicious as `value` (1.0: the most ordinary)."""
        if not self.values:
            return 1.0
        z = (np.asarray(self.values) - self.centre) / self.spread
        genuine = np.abs(z) if self.direction == 0 else np.maximum(0.0, self.direction * z)
        return float(np.mean(genuine >= self.deviation(value)))


@dataclass(frozen=True)
class Budget:
    """The false-alarm budget thresholds were set from: review for at most `review_share` of
    genuine sessions; alert only `alert_margin` spreads beyond every genuine session, and only when
    `corroboration` signals agree (one signal on its own may raise review, never alert)."""

    review_share: float = 0.02
    alert_margin: float = 1.0
    corroboration: int = 2


@dataclass(frozen=True)
class Profile:
    name: str
    created: str
    sessions: int
    sources: tuple[str, ...]
    inputs_sha256: tuple[str, ...]
    budget: Budget
    signals: dict[str, SignalStats]
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)  # check -> named levels
    schema: int = SCHEMA

    def stats(self, key: str) -> SignalStats | None:
        return self.signals.get(key)

    def describe(self) -> dict:
        """What the summary and report say about the profile that judged a session."""
        return {"name": self.name, "created": self.created, "sessions": self.sessions,
                "sources": len(self.sources), "budget": asdict(self.budget)}

    def to_json(self) -> str:
        data = asdict(self)
        data["signals"] = {k: {"direction": s.direction, "values": [round(v, 5) for v in s.values],
                               "prior_spread": s.prior_spread}
                           for k, s in self.signals.items()}
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Profile:
        data = json.loads(text)
        if data.get("schema") != SCHEMA:
            raise ValueError(f"profile schema {data.get('schema')!r}, this version reads {SCHEMA}")
        return cls(name=data["name"], created=data["created"], sessions=int(data["sessions"]),
                   sources=tuple(data["sources"]), inputs_sha256=tuple(data["inputs_sha256"]),
                   budget=Budget(**data["budget"]),
                   signals={k: SignalStats(int(s["direction"]), tuple(sorted(s["values"])), s.get("prior_spread"))
                            for k, s in data["signals"].items()},
                   thresholds=data.get("thresholds", {}))


def load_profile(path: Path | str | None = None) -> Profile:
    """The profile at `path`, else $INTERVIEW_VERIFY_PROFILE, else the one shipped in the package."""
    chosen = Path(path or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE)
    return _read(chosen.resolve())


@cache
def _read(path: Path) -> Profile:
    try:
        return Profile.from_json(path.read_text())
    except FileNotFoundError:
        raise ProfileError(f"{path}: calibration profile not found (make one with `interview-verify calibrate`)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ProfileError(f"{path}: not a usable calibration profile ({exc})") from None
