"""Genuine head turns: what the stress identity statistic does on real heads that turn to a profile.

    python -m bench.genuine_turns

Every genuine dev clip (bench.genuine_corpus: ~50 clips, 14 sources) is landmarked and embedded
every 0.1 s (five times the check's cadence, to see every view). Each stretch of profile views
(|yaw| >= PROFILE_YAW_DEG, pitch below the steep limit) is taken as a requested turn and scored
with the check's own `identity_through_turn`: median cosine of the profile views to the frontal
face. Clips that turn are also measured in every realistic variant (fixtures/perturb.py) and
through the live camera path (fixtures.perturb.live_camera: 640x480 letterboxed, 25 fps, the browser's JPEG). Clips
that never reach a profile show their largest yaw and the similarity of their most-turned views
(|yaw| >= NEAR_YAW_DEG, scored as if they were profile views), which says how far identity
falls short of a profile.

The threshold is then chosen leaving one source out: below every genuine turn of the other
sources, and the held-out source's turns are counted against it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.genuine_corpus import GENUINE, Clip, corpus
from fixtures.cache import DEV_MEDIA, cache_dir
from fixtures.perturb import VARIANTS, live_camera, perturb
from interview.checks.deepfake.check import main_identity_embedding
from interview.checks.deepfake.stress import (
    PROFILE_YAW_DEG,
    STEEP_PITCH_DEG,
    STRESS_WINDOW_S,
    PosedEmbedding,
    identity_through_turn,
)
from interview.media import FileSource, probe
from interview.perception import Perceiver
from interview.recording import SamplingPolicy

MEASURE_VERSION = "1"
POLICY = SamplingPolicy(embed_every_s=0.1)
NEAR_YAW_DEG = 20.0
LIVE = "live_camera"  # the setting (and cache key) of fixtures.perturb.live_camera


@dataclass(frozen=True)
class Turn:
    clip: str
    source: str
    setting: str  # "original", a perturb variant, or LIVE
    asked_s: float
    similarity: float  # the check's statistic; NaN when too few frontal or profile views
    views: int  # profile views in the window


def posed_embeddings(path: Path, setting: str) -> list[PosedEmbedding]:
    """The main face's embeddings with their head pose, every 0.1 s (cached)."""
    cached = cache_dir() / "turns" / f"{path.stem}-{setting}-v{MEASURE_VERSION}.npz"
    if not cached.exists():
        source = (path if setting == "original" else live_camera(path).path if setting == LIVE
                  else perturb(path, setting).path)
        frames = FileSource(probe(source), POLICY).frames()
        perceiver = Perceiver(POLICY)
        rows = []
        try:
            for frame in frames:
                obs = perceiver.observe(frame)
                embedding = main_identity_embedding(obs, obs.face) if obs.face is not None else None
                if embedding is not None:
                    rows.append((frame.t, obs.face.pose.yaw, obs.face.pose.pitch, np.asarray(embedding, np.float32)))
        finally:
            perceiver.close()
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, t=[r[0] for r in rows], yaw=[r[1] for r in rows], pitch=[r[2] for r in rows],
                 embedding=np.array([r[3] for r in rows]).reshape(len(rows), -1))
    data = np.load(cached)
    return [PosedEmbedding(float(t), e, float(y), float(p))
            for t, y, p, e in zip(data["t"], data["yaw"], data["pitch"], data["embedding"])]


def turn_starts(posed: list[PosedEmbedding]) -> list[tuple[str, float]]:
    """Each stretch of profile views as a requested turn: (kind, the stretch's first view); a
    stretch inside the previous one's window belongs to it."""
    starts: list[tuple[str, float]] = []
    for p in posed:
        if abs(p.yaw) >= PROFILE_YAW_DEG and abs(p.pitch) < STEEP_PITCH_DEG:
            if not starts or p.t > starts[-1][1] + STRESS_WINDOW_S:
                starts.append(("turn_left" if p.yaw > 0 else "turn_right", p.t))
    return starts


def turns_of(clip: Clip, setting: str) -> list[Turn]:
    posed = posed_embeddings(DEV_MEDIA / clip.rel, setting)
    turns = []
    for kind, asked_s in turn_starts(posed):
        response = identity_through_turn(kind, asked_s, posed)
        views = sum(asked_s <= p.t <= asked_s + STRESS_WINDOW_S and abs(p.yaw) >= PROFILE_YAW_DEG for p in posed)
        turns.append(Turn(Path(clip.rel).stem, clip.source.split("/")[-1], setting, asked_s, response.value, views))
    return turns


def most_turned(clip: Clip) -> tuple[float, float]:
    """A clip's largest |yaw| and the relative similarity (as the check reads it) of its views at
    NEAR_YAW_DEG or more, NaN when it has none."""
    posed = posed_embeddings(DEV_MEDIA / clip.rel, "original")
    if not posed:
        return float("nan"), float("nan")
    largest = max(abs(p.yaw) for p in posed)
    near = [p for p in posed if abs(p.yaw) >= NEAR_YAW_DEG and abs(p.pitch) < STEEP_PITCH_DEG]
    stretched = [PosedEmbedding(p.t, p.embedding, math.copysign(max(abs(p.yaw), PROFILE_YAW_DEG), p.yaw), p.pitch)
                 for p in near]  # read as profile views by the check's own statistic
    others = [p for p in posed if abs(p.yaw) < NEAR_YAW_DEG]
    if len(near) < 2:
        return largest, float("nan")
    return largest, identity_through_turn("turn_left", near[0].t, sorted(others + stretched, key=lambda p: p.t)).value


def genuine_turns() -> tuple[list[Turn], dict[str, tuple[float, float]]]:
    """Turns of every genuine clip (in every variant and the live path for the clips that turn),
    and per clip that never turns, its largest yaw and most-turned similarity."""
    turns, near = [], {}
    for clip in (c for c in corpus() if c.label == GENUINE):
        found = turns_of(clip, "original")
        if not found:
            near[clip.rel] = most_turned(clip)
            continue
        turns += found
        for setting in (*VARIANTS, LIVE):
            turns += turns_of(clip, setting)
    return turns, near


def leave_one_source_out(turns: list[Turn], margin: float = 0.02) -> dict[str, tuple[float, int, int]]:
    """Per source: the threshold the other sources' genuine turns allow (their lowest similarity
    less `margin`), and how many of the held-out source's judged turns fall below it, of how many."""
    judged = [t for t in turns if not math.isnan(t.similarity)]
    out = {}
    for source in sorted({t.source for t in judged}):
        others = [t.similarity for t in judged if t.source != source]
        threshold = min(others) - margin if others else float("nan")
        held = [t.similarity for t in judged if t.source == source]
        out[source] = (threshold, sum(s < threshold for s in held), len(held))
    return out


def main() -> None:
    turns, near = genuine_turns()
    by_source: dict[str, list[Turn]] = defaultdict(list)
    for turn in turns:
        print(f"{turn.source:14s} {turn.clip:22s} {turn.setting:14s} turn at {turn.asked_s:4.1f} s  "
              f"{turn.views:2d} profile views  similarity {turn.similarity:5.2f}")
        by_source[turn.source].append(turn)
    print(f"\nGenuine turns to |yaw| >= {PROFILE_YAW_DEG:g}: {len({t.clip for t in turns})} clips, "
          f"{len(by_source)} sources, {len({t.setting for t in turns})} settings (original, "
          f"{len(VARIANTS)} variants, live camera path)")
    for source, items in sorted(by_source.items()):
        judged = [t.similarity for t in items if not math.isnan(t.similarity)]
        originals = [t.similarity for t in items if t.setting == "original" and not math.isnan(t.similarity)]
        live = [t.similarity for t in items if t.setting == LIVE and not math.isnan(t.similarity)]
        span = f"{min(judged):.2f}-{max(judged):.2f}" if judged else "-"
        print(f"  {source:14s} {len(judged):3d} judged turns  similarity {span} "
              f"(originals {', '.join(f'{s:.2f}' for s in originals)}; live {', '.join(f'{s:.2f}' for s in live)}; "
              f"{sum(math.isnan(t.similarity) for t in items)} not judged)")
    print("\nLeave one source out (threshold = the other sources' lowest genuine turn - 0.02):")
    for source, (threshold, below, count) in leave_one_source_out(turns).items():
        print(f"  held out {source:14s} threshold {threshold:.2f}: {below}/{count} of its genuine turns below it")
    print(f"\nClips that never reach {PROFILE_YAW_DEG:g} degrees ({len(near)}): largest |yaw| and the similarity "
          f"of their views at {NEAR_YAW_DEG:g} degrees or more")
    for rel, (yaw, similarity) in sorted(near.items(), key=lambda kv: -np.nan_to_num(kv[1][0])):
        if yaw >= NEAR_YAW_DEG:
            print(f"  {rel:52s} max |yaw| {yaw:4.1f}  similarity {similarity:5.2f}")
    print(f"  ... {sum(not y >= NEAR_YAW_DEG for y, _ in near.values())} clips stay within {NEAR_YAW_DEG:g} degrees")


if __name__ == "__main__":
    main()
