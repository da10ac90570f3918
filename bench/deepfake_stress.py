"""The stress check on swaps we can make: generated face swaps of a dev clip with a profile turn
(fixtures/face_swap.py) against the genuine original, with the turn asked as a challenge.

    python -m bench.deepfake_stress

Per setting (swap resolution, smoothing, behaviour beyond the pose range) and source portrait (a
person other than the target): the stress signals (identity similarity at profile to the frontal
face, lower is more suspect; frame pairs where the face froze while the head moved), the passive
fused score on the same clip, the status the app shows.
Prints ROC AUC of each against the genuine original(s) and the share of swaps at review or alert.
Of the two genuine dev clips that turn to a profile (bench/genuine_turns.py) only tv_real (a man
turning to 44 degrees, the turn hand-annotated in tests/test_challenges.py) is a target: the other,
ffpp_004_real, shows too few frontal views in its first seconds for the check to judge a turn there.
No dev clip shows a hand over the face, so hand_over_face is not measured here.
Every clip is measured twice: as the file, and as a live call receives it (fixtures.perturb.
live_camera: the browser's fake camera at 640x480 and 25 fps, each frame through its JPEG)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from bench.deepfake_auc import auc
from fixtures.face_swap import face_swap
from fixtures.perturb import live_camera
from interview.analyze import run_check_on_file
from interview.checks.base import ChallengeMark
from interview.checks.deepfake.check import DeepfakeCheck
from interview.config import AnalysisConfig

DEV = Path(os.environ.get("INTERVIEW_VERIFY_DEV_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "dev-media"))
SECONDS = 6.0
# (target clip, the challenge asked in its first SECONDS, as annotated in tests/test_challenges.py)
TARGETS = [("D_presentation_attack/tv_real.mp4", ChallengeMark("turn_left", 1.2))]
SOURCES = ["B_identity/df_img10.jpg", "B_identity/df_img13.jpg", "B_identity/df_img18.jpg"]  # three people
SETTINGS = [dict(resolution=r, smooth=s, beyond_pose="paste") for r in (96, 128, 256) for s in (False, True)] + \
           [dict(resolution=128, beyond_pose="freeze")]


@dataclass(frozen=True)
class Row:
    clip: str
    path: str  # "file" or "live"
    fake: bool
    identity: float  # identity similarity at profile (NaN: the turn was not seen)
    frozen: float  # frame pairs with a frozen face while the head moved
    passive: float  # the passive fused score
    status: str
    failed: tuple[str, ...]  # the stress signals that failed


PATHS = ("file", "live")


def measure(path: Path, mark: ChallengeMark, label: str, fake: bool, route: str) -> Row:
    source = live_camera(path).path if route == "live" else path
    result, check = run_check_on_file(DeepfakeCheck, source, AnalysisConfig(challenges=(mark,)), until_s=SECONDS)
    responses = [r for r in check.stress_responses() if r.passed is not None]

    def value(signal: str) -> float:
        return min((r.value for r in responses if r.signal == signal), default=float("nan"))

    score = result.measurements.get("deepfake_score")
    return Row(label, route, fake, value("stress_identity"), value("stress_frozen"),
               float("nan") if score is None else score, result.status,
               tuple(r.signal for r in responses if not r.passed))


def run() -> list[Row]:
    rows = []
    for target, mark in TARGETS:
        for route in PATHS:
            rows.append(measure(DEV / target, mark, Path(target).name, False, route))
        for source in SOURCES:
            for setting in SETTINGS:
                swap = face_swap(DEV / target, DEV / source, start_s=0.0, seconds=SECONDS, **setting)
                label = f"{Path(target).stem}<-{Path(source).stem} " + " ".join(f"{k}={v}" for k, v in setting.items())
                rows += [measure(swap.path, mark, label, True, route) for route in PATHS]
    return rows


def summarise(rows: list[Row]) -> None:
    fakes, reals = [r for r in rows if r.fake], [r for r in rows if not r.fake]
    judged = [r for r in fakes if not math.isnan(r.identity)]
    if judged:
        print(f"  identity judged on {len(judged)}/{len(fakes)} swaps: similarity "
              f"{min(r.identity for r in judged):.2f}-{max(r.identity for r in judged):.2f}; genuine originals "
              f"{', '.join(f'{r.identity:.2f}' for r in reals)}")
    print(f"  identity (1 - similarity) AUC  {auc([1 - r.identity for r in fakes], [1 - r.identity for r in reals]):.2f}")
    print(f"  frozen frame pairs AUC         {auc([r.frozen for r in fakes], [r.frozen for r in reals]):.2f}")
    print(f"  stress failed (fused) AUC      {auc([float(bool(r.failed)) for r in fakes], [float(bool(r.failed)) for r in reals]):.2f}")
    print(f"  passive fused AUC              {auc([r.passive for r in fakes], [r.passive for r in reals]):.2f}")
    caught = sum(r.status in ("review", "alert") for r in fakes)
    print(f"  swaps at review or alert: {caught}/{len(fakes)}; at alert: {sum(r.status == 'alert' for r in fakes)}")
    print(f"  genuine at review or alert: {sum(r.status in ('review', 'alert') for r in reals)}/{len(reals)}; "
          f"with a failed stress response: {sum(bool(r.failed) for r in reals)}/{len(reals)}")
    for target, _ in TARGETS:
        mine = [r for r in fakes if r.clip.startswith(Path(target).stem + "<-")]
        print(f"  {Path(target).stem}: {sum(r.status in ('review', 'alert') for r in mine)}/{len(mine)} at review or alert, "
              f"{sum(r.status == 'alert' for r in mine)} at alert; identity failed {sum('stress_identity' in r.failed for r in mine)}, "
              f"frozen {sum('stress_frozen' in r.failed for r in mine)}")


def main() -> None:
    rows = run()
    for row in rows:
        print(f"{'FAKE' if row.fake else 'REAL'} {row.path:4s} {row.clip:64s} identity {row.identity:5.2f}  "
              f"frozen {row.frozen:3.0f}  passive {row.passive:5.2f}  {row.status}  {' '.join(row.failed)}")
    print(f"\n{len(TARGETS)} target clips, {len(SOURCES)} source people, {len(SETTINGS)} settings")
    for route in PATHS:
        print(f"\nAs the {'file' if route == 'file' else 'live call (fake camera 640x480, 25 fps, browser JPEG)'}:")
        summarise([r for r in rows if r.path == route])


if __name__ == "__main__":
    main()
