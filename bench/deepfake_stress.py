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
No dev clip shows a hand over the face, so hand_over_face is not measured here."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from bench.deepfake_auc import auc
from fixtures.face_swap import face_swap
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
    fake: bool
    identity: float  # identity similarity at profile (NaN: the turn was not seen)
    frozen: float  # frame pairs with a frozen face while the head moved
    passive: float  # the passive fused score
    status: str
    failed: tuple[str, ...]  # the stress signals that failed


def measure(path: Path, mark: ChallengeMark, label: str, fake: bool) -> Row:
    result, check = run_check_on_file(DeepfakeCheck, path, AnalysisConfig(challenges=(mark,)), until_s=SECONDS)
    responses = [r for r in check.stress_responses() if r.passed is not None]

    def value(signal: str) -> float:
        return min((r.value for r in responses if r.signal == signal), default=float("nan"))

    score = result.measurements.get("deepfake_score")
    return Row(label, fake, value("stress_identity"), value("stress_frozen"),
               float("nan") if score is None else score, result.status,
               tuple(r.signal for r in responses if not r.passed))


def run() -> list[Row]:
    rows = []
    for target, mark in TARGETS:
        rows.append(measure(DEV / target, mark, Path(target).name, False))
        for source in SOURCES:
            for setting in SETTINGS:
                swap = face_swap(DEV / target, DEV / source, start_s=0.0, seconds=SECONDS, **setting)
                label = f"{Path(target).stem}<-{Path(source).stem} " + " ".join(f"{k}={v}" for k, v in setting.items())
                rows.append(measure(swap.path, mark, label, True))
    return rows


def main() -> None:
    rows = run()
    for row in rows:
        print(f"{'FAKE' if row.fake else 'REAL'} {row.clip:64s} identity {row.identity:5.2f}  frozen {row.frozen:3.0f}  "
              f"passive {row.passive:5.2f}  {row.status}  {' '.join(row.failed)}")
    fakes, reals = [r for r in rows if r.fake], [r for r in rows if not r.fake]
    print(f"\n{len(fakes)} swaps ({len(TARGETS)} target clips, {len(SOURCES)} source people, {len(SETTINGS)} settings), "
          f"{len(reals)} genuine originals")
    judged = [r for r in fakes if not math.isnan(r.identity)]
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


if __name__ == "__main__":
    main()
