"""Build a profile from genuine sessions: `interview-verify calibrate DIR --out PROFILE`.

Every calibrated signal is read from a session's summary (so a profile can also be rebuilt from
stored summary.json files), its genuine values are kept, and each check's levels are derived from
them under the budget. Nothing of the people in the recordings is kept: no images, no embeddings,
no names; only the numbers, the count, the date and each input's sha256.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from interview.analyze import analyze_recording
from interview.calibration.profile import DEFAULT_PROFILE, Budget, Profile, ProfileError, SignalStats, load_profile
from interview.checks.deepfake import fusion
from interview.media import MediaError, probe

MIN_SESSIONS = 3
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".m4v"}


@dataclass(frozen=True)
class Reading:
    """A calibrated signal: its profile key ("check.signal", as summary.json lists the check's
    signals), which side is suspicious, and where summaries before schema 2 kept its value."""

    key: str
    direction: int
    measurement: str


READINGS: tuple[Reading, ...] = tuple(Reading(spec.key, spec.direction, f"deepfake_{spec.name}")
                                      for spec in fusion.SIGNALS if spec.name != "stress")


def readings_of(summary: dict) -> dict[str, float]:
    """The calibrated signals' session values in a summary, read from each check's signals (from its
    measurements in a summary before schema 2); signals it could not measure are absent."""
    listed = {f"{check}.{signal['name']}": signal.get("value")
              for check, result in (summary.get("checks") or {}).items() for signal in result.get("signals") or []}
    measurements = summary.get("measurements") or {}
    out = {}
    for reading in READINGS:
        value = listed[reading.key] if reading.key in listed else measurements.get(reading.measurement)
        if isinstance(value, (int, float)) and not math.isnan(value):
            out[reading.key] = float(value)
    return out


def build_profile(sessions: list[dict[str, float]], name: str, sources: Iterable[str], inputs_sha256: Iterable[str],
                  budget: Budget = Budget(), prior: Profile | None = None) -> Profile:
    """A profile of these genuine sessions' readings, with every check's levels derived under `budget`;
    with a `prior` (the public corpus's profile), each signal's spread leans on the prior's while
    the sessions are few (SignalStats)."""
    if len(sessions) < MIN_SESSIONS:
        raise ProfileError(f"{len(sessions)} usable genuine session(s) in {', '.join(sorted(set(sources))) or 'the input'}: "
                           f"a profile needs at least {MIN_SESSIONS} (a spread needs several values)")

    def prior_spread(key: str) -> float | None:
        stats = prior.stats(key) if prior is not None else None
        return stats.spread if stats is not None else None

    signals = {r.key: SignalStats(r.direction, tuple(sorted(s[r.key] for s in sessions if r.key in s)), prior_spread(r.key))
               for r in READINGS}
    signals = {k: v for k, v in signals.items() if len(v.values) >= 3}
    profile = Profile(name=name, created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      sessions=len(sessions), sources=tuple(sorted(set(sources))),
                      inputs_sha256=tuple(inputs_sha256), budget=budget, signals=signals)
    deepfake = [{k.split(".", 1)[1]: v for k, v in s.items() if k.startswith(fusion.CHECK + ".")} for s in sessions]
    return replace(profile, thresholds={fusion.CHECK: fusion.levels_from_genuine(deepfake, profile, budget)})


def recordings_in(folder: Path) -> list[Path]:
    """The video files under `folder` (recursively), sorted."""
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)


def calibrate(recordings: list[Path], name: str, config, progress: Callable[[int, int, str], None] = lambda *a: None,
              budget: Budget = Budget()) -> tuple[Profile, list[str]]:
    """Analyse each genuine recording (face registry off, nothing stored) and build a profile of them.
    Returns the profile and one line per recording that could not be used."""
    config = replace(config, face_db="off", store_face=False)
    sessions, hashes, skipped = [], [], []
    with tempfile.TemporaryDirectory(prefix="iv-calibrate-") as tmp:
        for n, path in enumerate(recordings):
            progress(n, len(recordings), path.name)
            try:
                media = probe(path)
                summary = analyze_recording(media, config, Path(tmp) / str(n))
            except MediaError as exc:
                skipped.append(str(exc))
                continue
            readings = readings_of(summary)
            if not readings:
                skipped.append(f"{path}: no face could be measured")
                continue
            sessions.append(readings)
            hashes.append(media.sha256)
    try:
        profile = build_profile(sessions, name, [str(p.parent) for p in recordings], hashes, budget,
                                prior=load_profile(DEFAULT_PROFILE))
    except ProfileError as exc:
        raise ProfileError(f"{exc}; not usable: {'; '.join(skipped)}" if skipped else str(exc)) from None
    return profile, skipped
