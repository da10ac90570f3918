"""Deepfake check on the labelled dev media: per-signal and fused ROC AUC, pair ranking, cost.

    python -m bench.deepfake_auc [--max-side 640]

Runs at the product's default sampling (640 px analysed, image signals from the source frame),
judged against the shipped calibration profile. Fakes: every fake in dev-media/C_deepfake that has
a real clip to rank against: the first dev set's three (for DFDC a real clip of a different
person: the fake's own original is not in the set), three GHOST swaps of one music video and a
Wav2Lip mouth over a presenter, with their originals; reals also three other talking heads. AUC
on 7 fakes vs 8 reals is coarse. Thresholds are not chosen here: the
profile's levels come from the genuine corpus (bench/genuine_corpus.py, leave one source out)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from interview.analyze import run_check_on_file
from interview.checks.deepfake import fusion
from interview.checks.deepfake.check import HEAVY_EVERY_S, DeepfakeCheck
from interview.config import AnalysisConfig
from interview.media import probe
from interview.recording import SamplingPolicy

DEV = Path(os.environ.get("INTERVIEW_VERIFY_DEV_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "dev-media"))
# (fake, the real clip it is ranked against)
PAIRS = [("C_deepfake/ffpp_004_982_NeuralTextures.mp4", "C_deepfake/ffpp_004_real.mp4"),
         ("C_deepfake/roop_snapshot_swapped.mp4", "C_deepfake/roop_target.mp4"),
         ("C_deepfake/dfdc_widuwuoiur_fake.mp4", "C_deepfake/dfdc_lynaeydofd_real.mp4"),
         ("C_deepfake/gh_elon.webm", "C_deepfake/gh_orig.webm"),
         ("C_deepfake/gh_khabenskii.webm", "C_deepfake/gh_orig.webm"),
         ("C_deepfake/gh_mark.webm", "C_deepfake/gh_orig.webm"),
         ("C_deepfake/wg_kim_lip_synced.mp4", "A_talking_head/wg_kim_7s_raw.mp4")]
FAKES = [fake for fake, _ in PAIRS]
REALS = list(dict.fromkeys(real for _, real in PAIRS)) + ["A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4",
                                       "D_presentation_attack/tv_real.mp4"]


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(a fake scores above a real), ties count half; NaN when a side has no value."""
    pos = np.array([p for p in positives if not np.isnan(p)])
    neg = np.array([n for n in negatives if not np.isnan(n)])
    if not len(pos) or not len(neg):
        return float("nan")
    return float(((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean())


def clip_signal_scores(result, check) -> dict[str, float]:
    """A recording's score per signal: its session value's deviation from the shipped profile's genuine sessions."""
    values = {spec.name: result.measurements.get(f"deepfake_{spec.name}") for spec in fusion.SIGNALS}
    devs = fusion.deviations({k: v for k, v in values.items() if v is not None}, check.profile)
    return {spec.name: devs.get(spec.name, float("nan")) for spec in fusion.SIGNALS}


def run(max_side: int) -> dict[str, dict]:
    results = {}
    for rel in FAKES + REALS:
        started = time.perf_counter()
        result, check = run_check_on_file(DeepfakeCheck, DEV / rel, AnalysisConfig(policy=SamplingPolicy(max_side=max_side)))
        results[rel] = {"result": result, "check": check, "signals": clip_signal_scores(result, check),
                        "wall_s": time.perf_counter() - started, "frames": max(1, sum(w.seen for w in check.windows)),
                        "source": probe(DEV / rel)}
    return results


def report(max_side: int, results: dict[str, dict]) -> None:
    print(f"\n== analysed at max_side {max_side} px (image signals from the source frame) ==")
    names = [spec.name for spec in fusion.SIGNALS]
    print(f"{'clip':34s} {'label':5s} {'status':7s} {'risk':>5s} {'score':>5s} " + " ".join(f"{n[:8]:>8s}" for n in names))
    for rel, r in results.items():
        label = "FAKE" if rel in FAKES else "real"
        res = r["result"]
        score = res.measurements["deepfake_score"]
        print(f"{Path(rel).name[:34]:34s} {label:5s} {res.status:7s} {res.risk:5.2f} {score if score is not None else float('nan'):5.2f} "
              + " ".join(f"{r['signals'][n]:8.2f}" for n in names))
    print(f"\nper-signal ROC AUC ({len(FAKES)} fakes vs {len(REALS)} reals; a recording's value = its session median's deviation from genuine):")
    for n in names:
        print(f"  {n:17s} {auc([results[f]['signals'][n] for f in FAKES], [results[x]['signals'][n] for x in REALS]):.2f}")
    fused = {rel: r["result"].measurements["deepfake_score"] or float("nan") for rel, r in results.items()}
    print(f"  {'FUSED':17s} {auc([fused[f] for f in FAKES], [fused[x] for x in REALS]):.2f}")
    for fake, real in PAIRS:
        verdict = "ranked above" if fused[fake] > fused[real] else "NOT above"
        print(f"  pair: {Path(fake).name} {fused[fake]:.2f} {verdict} {Path(real).name} {fused[real]:.2f}")
    alerts = [Path(x).name for x in REALS if results[x]["result"].status == "alert"]
    print(f"  real clips at alert: {alerts or 'none'}")
    report_cost(results)


def report_cost(results: dict[str, dict]) -> None:
    """Time spent in the check (perception excluded), by source resolution."""
    print(f"\ncost of the deepfake check (perception and decoding excluded; image signals every {HEAVY_EVERY_S} s):")
    groups: dict[str, list[dict]] = {}
    for r in results.values():
        height = min(r["source"].width, r["source"].height)
        groups.setdefault("1080p" if height >= 1000 else "720p" if height >= 700 else "smaller", []).append(r)
    for name, rs in groups.items():
        frames = sum(r["frames"] for r in rs)
        heavy_frames = max(1, sum(r["check"].heavy_frames for r in rs))
        every = sum(r["check"].cost_s["every_frame"] for r in rs)
        heavy = sum(r["check"].cost_s["image_signals"] for r in rs)
        wall = sum(r["wall_s"] for r in rs)
        print(f"  {name:8s} sources: {1000 * every / frames:5.1f} ms per analysed frame ({frames} frames), of which image "
              f"signals {1000 * heavy / heavy_frames:5.1f} ms on each of {heavy_frames} frames; whole run incl. decoding "
              f"and perception {1000 * wall / frames:5.1f} ms per frame")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-side", type=int, default=SamplingPolicy().max_side)
    args = parser.parse_args()
    results = run(args.max_side)
    report(args.max_side, results)


if __name__ == "__main__":
    main()
