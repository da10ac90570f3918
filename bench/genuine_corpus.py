"""False alarms on genuine media, measured on sources the thresholds never saw (leave one source out).

    python -m bench.genuine_corpus [--variants N|all] [--write-profile PATH]

The corpus is every genuine video in dev-media (MANIFEST.tsv ground truth "real"/"live", 50 clips
from 14 sources) plus realistic variants of each (fixtures/perturb.py: codecs, frame rates,
scaling, letterbox/crop, mains flicker, exposure and white-balance steps, sensor noise, camera
cuts, a bystander walking behind, a screen's glare on glasses), 2 per clip by default, rotating
through all 14 so each is used on 7 clips; variants of a genuine clip are genuine and count with
their clip's source. Attacks are the labelled fakes, replays and spoofs.

For each source S: a profile is built from every genuine session NOT from S, and S's sessions are
judged with it; attacks are judged with a profile that leaves out their own source too. Printed
per check: genuine sessions at review and at alert, attacks reaching review or alert, each with a
95% bootstrap interval over sources (sessions of one source are not independent). These are the
numbers the README reports. The in-sample numbers (profile from everything) are printed beside
them. --write-profile writes the profile of all genuine sessions: the shipped default is rebuilt
with `python -m bench.genuine_corpus --variants 2 --write-profile interview/calibration/default_profile.json`.

Full analyses (all four checks, at the default settings) are cached per clip and variant under
the fixture cache; bump MEASURE_VERSION when a signal's computation changes.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fixtures.cache import DEV_MEDIA, cache_dir
from fixtures.perturb import VARIANTS, perturb
from interview.analyze import analyze_recording
from interview.calibration.build import build_profile, readings_of
from interview.checks.deepfake import fusion
from interview.config import AnalysisConfig

MEASURE_VERSION = "12"
CHECKS = ("liveness", "identity", "deepfake", "relay")
OVERALL = "overall"  # what the headline shows: alert with any check at alert or two at review
AIMED_AT = {"fake": "deepfake", "spoof": "liveness", "attack": "liveness"}  # attacks counted under the check meant for them
GENUINE, ATTACK = "genuine", "attack"


@dataclass(frozen=True)
class Clip:
    rel: str
    source: str
    label: str  # GENUINE or ATTACK
    truth: str


@dataclass(frozen=True)
class Session:
    clip: Clip
    variant: str | None
    statuses: dict[str, str]  # check -> status as analysed (deepfake is re-judged per profile)
    readings: dict[str, float]
    deepfake_insufficient: bool  # not judged (too compressed, no face): stays insufficient
    sha256: str


def corpus() -> list[Clip]:
    """Every labelled video in dev-media: genuine ("real", "live") and attacks ("fake", "spoof", "attack")."""
    clips = []
    with open(DEV_MEDIA / "MANIFEST.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            truth = row["ground_truth"].lower()
            if row["kind"] != "video":
                continue
            label = GENUINE if truth.startswith(("real", "live")) else ATTACK if truth.startswith(
                ("fake", "spoof", "attack")) else None
            if label:
                clips.append(Clip(row["local_file"], row["source_repo"], label, row["ground_truth"][:40]))
    return clips


def variants_for(index: int, count: int | None) -> list[str]:
    """`count` variants per clip, rotating through VARIANTS so the corpus covers each about equally."""
    if count is None:
        return list(VARIANTS)
    return [VARIANTS[(index * count + k) % len(VARIANTS)] for k in range(count)]


def measure(clip: Clip, variant: str | None) -> Session:
    """One full analysis at the default settings (face registry off), cached."""
    name = f"{Path(clip.rel).stem}-{variant or 'original'}-v{MEASURE_VERSION}.json"
    cached = cache_dir() / "corpus" / name
    if not cached.exists():
        path = DEV_MEDIA / clip.rel
        if variant:
            path = perturb(path, variant).path
        with tempfile.TemporaryDirectory() as out:
            summary = analyze_recording(path, AnalysisConfig(face_db="off"), out)
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps({"statuses": {k: v["status"] for k, v in summary["checks"].items()},
                                      "readings": readings_of(summary),
                                      "deepfake_insufficient": summary["checks"]["deepfake"]["status"] == "insufficient",
                                      "sha256": summary["input"]["sha256"]}))
    data = json.loads(cached.read_text())
    return Session(clip, variant, data["statuses"], data["readings"], data["deepfake_insufficient"], data["sha256"])


def deepfake_status(session: Session, profile) -> str:
    if session.deepfake_insufficient:
        return "insufficient"
    values = {k.split(".", 1)[1]: v for k, v in session.readings.items() if k.startswith("deepfake.")}
    return fusion.judge(values, profile).level


def profile_without(sessions: list[Session], sources: set[str], name: str):
    keep = [s for s in sessions if s.clip.label == GENUINE and s.clip.source not in sources and s.readings]
    return build_profile([s.readings for s in keep], name, {s.clip.source for s in keep}, [])


def held_out_profiles(sessions: list[Session]) -> dict[str, object]:
    """Per source, the profile of every genuine session not from it (built once per source)."""
    return {source: profile_without(sessions, {source}, f"without {source}")
            for source in {s.clip.source for s in sessions}}


def statuses(session: Session, profile) -> dict[str, str]:
    out = dict(session.statuses)
    out["deepfake"] = deepfake_status(session, profile)
    return out


def overall_level(statuses: dict[str, str]) -> str:
    """The headline's level from the checks' (interview.overall's rule, without its wording)."""
    raised = [s for s in statuses.values() if s in ("review", "alert")]
    return "alert" if "alert" in raised or len(raised) >= 2 else "review" if raised else "ok"


def bootstrap(flags_by_source: dict[str, list[bool]], rounds: int = 2000, seed: int = 7) -> tuple[float, float]:
    """95% interval of the pooled rate, resampling sources (a source's sessions move together)."""
    rng = np.random.default_rng(seed)
    groups = list(flags_by_source.values())
    rates = []
    for _ in range(rounds):
        picked = [groups[i] for i in rng.integers(0, len(groups), len(groups))]
        flat = [f for g in picked for f in g]
        rates.append(np.mean(flat) if flat else 0.0)
    return float(np.percentile(rates, 2.5)), float(np.percentile(rates, 97.5))


def evaluate(sessions: list[Session], held_out: bool) -> dict[str, dict]:
    """Per check: genuine at review / alert and attacks caught, with their sources for the bootstrap."""
    genuine_sources = sorted({s.clip.source for s in sessions if s.clip.label == GENUINE})
    profiles = held_out_profiles(sessions) if held_out else defaultdict(lambda: profile_without(sessions, set(), "all"))
    judged = [(session, statuses(session, profiles[session.clip.source])) for session in sessions]
    table = {}
    for check in (*CHECKS, OVERALL):
        rows = {"review": defaultdict(list), "alert": defaultdict(list), "caught": defaultdict(list)}
        for session, status in judged:
            value = overall_level(status) if check == OVERALL else status.get(check, "insufficient")
            if session.clip.label == GENUINE:
                rows["review"][session.clip.source].append(value == "review")
                rows["alert"][session.clip.source].append(value == "alert")
            elif check == OVERALL or AIMED_AT.get(session.clip.truth.split(" ")[0].split(":")[0].split("(")[0]) == check:
                rows["caught"][session.clip.source].append(value in ("review", "alert"))
        table[check] = rows
    table["_sources"] = genuine_sources
    return table


def _rate(groups: dict[str, list[bool]]) -> str:
    flat = [f for g in groups.values() for f in g]
    if not flat:
        return "-"
    low, high = bootstrap(groups)
    return f"{sum(flat):>3}/{len(flat):<3} {np.mean(flat):5.1%} [{low:.1%}, {high:.1%}]"


def report(sessions: list[Session]) -> None:
    for held_out in (True, False):
        table = evaluate(sessions, held_out)
        title = ("leave one source out (profile without the session's own source)" if held_out
                 else "in sample (profile from every genuine session)")
        print(f"\n## {title}: {len(table['_sources'])} genuine sources")
        print(f"{'check':<10} {'genuine at review':<30} {'genuine at alert':<30} {'its attacks at review/alert':<30}")
        for check in (*CHECKS, OVERALL):
            rows = table[check]
            print(f"{check:<10} {_rate(rows['review']):<30} {_rate(rows['alert']):<30} {_rate(rows['caught']):<30}")


def per_clip(sessions: list[Session]) -> None:
    """Which genuine sessions are flagged held out, and the attacks' statuses (for reading, not for tuning)."""
    print("\n## flagged genuine sessions (held out) and every attack")
    profiles = held_out_profiles(sessions)
    for session in sessions:
        status = statuses(session, profiles[session.clip.source])
        flagged = {k: v for k, v in status.items() if v in ("review", "alert")}
        if session.clip.label == ATTACK or flagged:
            print(f"{session.clip.label:<8} {session.clip.rel:<52} {session.variant or '':<14} "
                  + " ".join(f"{k}={status.get(k, '-')}" for k in CHECKS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default="2", help="variants per genuine clip (a number, 0, or 'all')")
    parser.add_argument("--write-profile", type=Path, help="write the profile of all genuine sessions here")
    parser.add_argument("--per-clip", action="store_true", help="list flagged genuine sessions and every attack")
    args = parser.parse_args()
    count = None if args.variants == "all" else int(args.variants)
    clips = corpus()
    todo = [(clip, None) for clip in clips]
    genuine = [c for c in clips if c.label == GENUINE]
    todo += [(clip, v) for i, clip in enumerate(genuine) for v in variants_for(i, count)] if count != 0 else []
    sessions, started = [], time.time()
    for n, (clip, variant) in enumerate(todo):
        print(f"\r[{n + 1}/{len(todo)}] {clip.rel} {variant or ''}".ljust(90), end="", file=sys.stderr, flush=True)
        sessions.append(measure(clip, variant))
    print(f"\r{len(todo)} sessions in {time.time() - started:.0f} s".ljust(90), file=sys.stderr)
    print(f"corpus: {sum(c.label == GENUINE for c in clips)} genuine clips, {len(todo) - len(clips)} variants, "
          f"{sum(c.label == ATTACK for c in clips)} attacks")
    report(sessions)
    if args.per_clip:
        per_clip(sessions)
    if args.write_profile:
        keep = [s for s in sessions if s.clip.label == GENUINE and s.readings]
        profile = build_profile([s.readings for s in keep], "public dev corpus", {s.clip.source for s in keep},
                                [s.sha256 for s in keep])
        args.write_profile.write_text(profile.to_json())
        print(f"wrote {args.write_profile}: {profile.sessions} sessions, {len(profile.sources)} sources")


if __name__ == "__main__":
    main()
