"""Deepfake check on the labelled dev media: per-signal and fused ROC AUC, pair ranking, cost.

    INTERVIEW_VERIFY_MODELS=/tmp/ivmodels python bench/deepfake_auc.py [--max-side 640 1280] [--calibrate]

Fakes: the three fakes in dev-media/C_deepfake. Reals: their three originals (for DFDC a real clip
of a different person: the fake's own original is not in the set) and three real talking heads.
AUC on 3 fakes vs 6 reals takes only 19 distinct values: read it as coarse. --calibrate prints
each signal's centre/spread over the real clips' windows (pooled over the sizes given), the
numbers fusion.SIGNALS holds.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from interview.checks.deepfake import HEAVY_EVERY_S, run_on_file
from interview.forensics import fusion
from interview.media import SamplingPolicy

DEV = Path(os.environ.get("INTERVIEW_VERIFY_DEV_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "dev-media"))
# (fake, the real clip it is ranked against)
PAIRS = [("C_deepfake/ffpp_004_982_NeuralTextures.mp4", "C_deepfake/ffpp_004_real.mp4"),
         ("C_deepfake/roop_snapshot_swapped.mp4", "C_deepfake/roop_target.mp4"),
         ("C_deepfake/dfdc_widuwuoiur_fake.mp4", "C_deepfake/dfdc_lynaeydofd_real.mp4")]
FAKES = [fake for fake, _ in PAIRS]
REALS = [real for _, real in PAIRS] + ["A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4",
                                       "D_presentation_attack/tv_real.mp4"]


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(a fake scores above a real), ties count half; NaN when a side has no value."""
    pos = np.array([p for p in positives if not np.isnan(p)])
    neg = np.array([n for n in negatives if not np.isnan(n)])
    if not len(pos) or not len(neg):
        return float("nan")
    return float(((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean())


def clip_signal_scores(check) -> dict[str, float]:
    """A recording's score per signal: the median over its windows of the signal's z-like score."""
    out = {}
    for spec in fusion.SIGNALS:
        values = [spec.score(w.values[spec.name]) for w in check.windows if spec.name in w.values]
        out[spec.name] = float(np.median(values)) if values else float("nan")
    return out


def run(max_side: int) -> dict[str, dict]:
    results = {}
    for rel in FAKES + REALS:
        started = time.perf_counter()
        result, check = run_on_file(DEV / rel, SamplingPolicy(max_side=max_side))
        frames = max(1, sum(len(w.samples) for w in check.windows))
        results[rel] = {"result": result, "check": check, "signals": clip_signal_scores(check),
                        "wall_s": time.perf_counter() - started, "frames": frames}
    return results


def report(max_side: int, results: dict[str, dict]) -> None:
    print(f"\n== max_side {max_side} px ==")
    names = [spec.name for spec in fusion.SIGNALS]
    print(f"{'clip':40s} {'label':5s} {'status':12s} {'risk':>5s} {'score':>5s} " + " ".join(f"{n[:8]:>8s}" for n in names))
    for rel, r in results.items():
        label = "FAKE" if rel in FAKES else "real"
        res = r["result"]
        print(f"{Path(rel).name:40s} {label:5s} {res.status:12s} {res.risk:5.2f} {res.measurements['deepfake_score'] or float('nan'):5.2f} "
              + " ".join(f"{r['signals'][n]:8.2f}" for n in names))
    print("\nper-signal ROC AUC (3 fakes vs 6 reals; recording score = median window score):")
    for n in names:
        print(f"  {n:17s} {auc([results[f]['signals'][n] for f in FAKES], [results[x]['signals'][n] for x in REALS]):.2f}")
    fused = {rel: r["result"].measurements["deepfake_score"] or float("nan") for rel, r in results.items()}
    print(f"  {'FUSED':17s} {auc([fused[f] for f in FAKES], [fused[x] for x in REALS]):.2f}")
    for fake, real in PAIRS:
        verdict = "ranked above" if fused[fake] > fused[real] else "NOT above"
        print(f"  pair: {Path(fake).name} {fused[fake]:.2f} {verdict} {Path(real).name} {fused[real]:.2f}")
    alerts = [Path(x).name for x in REALS if results[x]["result"].status == "alert"]
    print(f"  real clips at alert: {alerts or 'none'}")
    every = sum(r["check"].cost_s["every_frame"] for r in results.values())
    heavy = sum(r["check"].cost_s["image_signals"] for r in results.values())
    frames = sum(r["frames"] for r in results.values())
    heavy_frames = sum(r["check"].heavy_frames for r in results.values())
    print(f"\ncost of the deepfake check (perception excluded): {1000 * every / frames:.1f} ms per analysed frame "
          f"({frames} frames), of which image signals {1000 * heavy / max(1, heavy_frames):.1f} ms on each of "
          f"{heavy_frames} frames (every {HEAVY_EVERY_S} s)")


def calibrate(all_results: list[dict[str, dict]]) -> None:
    print("\ncalibration over the real clips' windows (pooled over the sizes run):")
    for spec in fusion.SIGNALS:
        values = np.array([w.values[spec.name] for results in all_results for rel in REALS
                           for w in results[rel]["check"].windows if spec.name in w.values])
        if len(values) < 20:
            print(f"  {spec.name:17s} only {len(values)} windows: keep the prior")
            continue
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        print(f"  {spec.name:17s} centre {median:.3f} spread {(q3 - q1) / 1.349:.3f} ({len(values)} windows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-side", type=int, nargs="+", default=[640])
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    runs = []
    for side in args.max_side:
        results = run(side)
        report(side, results)
        runs.append(results)
    if args.calibrate:
        calibrate(runs)


if __name__ == "__main__":
    main()
