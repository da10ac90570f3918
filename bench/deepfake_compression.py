"""How compression moves the deepfake check, and where it must stop judging.

    INTERVIEW_VERIFY_MODELS=/tmp/ivmodels python -m bench.deepfake_compression

Every dev clip of bench/deepfake_auc (3 fakes, 6 reals) is re-encoded with x264 at a ladder of
bitrates (fixtures.av_edit.reencode; cached) and analysed at the default sampling. For each level
it prints the measured bits per pixel, the fused score and the status the score alone would give
(the check itself says "insufficient" below MIN_BITS_PER_PIXEL), whether each fake still ranks
above its original at matched quality, and the floor rule's result: the lowest measured bits per
pixel of the lowest level at which no real clip (nor any at a higher level) reaches review.

Compression cannot be undone: a clip re-encoded at a rate above its own still carries its own
damage (ffpp_004_real is a 0.005 copy), so such levels are shown in brackets and left out of the
floor rule and of the matched-quality ranking.
"""

from __future__ import annotations

from functools import cache

from bench.deepfake_auc import FAKES, PAIRS, REALS
from fixtures.av_edit import reencode
from fixtures.cache import dev_media
from fixtures.generate import BITS_PER_PIXEL as LEVELS  # bits per pixel asked of x264, best first
from interview.analyze import run_check_on_file
from interview.calibration.profile import load_profile
from interview.checks.deepfake import fusion
from interview.checks.deepfake.check import MIN_BITS_PER_PIXEL, DeepfakeCheck
from interview.config import AnalysisConfig
from interview.media import probe


def score_status(measurements: dict) -> tuple[float, str]:
    """The fused score and the status it gives by itself under the shipped profile (the bitrate floor ignored)."""
    values = {spec.name: measurements[f"deepfake_{spec.name}"] for spec in fusion.SIGNALS
              if measurements.get(f"deepfake_{spec.name}") is not None}
    if not values:
        return float("nan"), "insufficient"
    judgement = fusion.judge(values, load_profile())
    return judgement.fused, judgement.level


def run() -> dict[tuple[str, float], tuple[float, float, str]]:
    """(clip, level) -> (measured bits per pixel, score, status by score)."""
    out = {}
    for rel in FAKES + REALS:
        for level in LEVELS:
            fixture = reencode(dev_media(rel), level)
            result, _ = run_check_on_file(DeepfakeCheck, fixture.path, AnalysisConfig())
            out[rel, level] = (fixture.truth["measured_bits_per_pixel"],
                               *score_status(result.measurements))
            print(f"  {rel.split('/')[-1][:34]:34s} asked {level:<7} measured {out[rel, level][0]:.4f} "
                  f"score {out[rel, level][1]:5.2f} {out[rel, level][2]}", flush=True)
    return out


@cache
def source_bits_per_pixel(rel: str) -> float:
    return probe(dev_media(rel)).bits_per_pixel


def above_source(rel: str, level: float) -> bool:
    """The level asks for more bits than the clip itself has (its damage stays)."""
    return level > 1.1 * source_bits_per_pixel(rel)  # asked rates land at or below


def floor(results: dict) -> float | None:
    """The floor rule (module docstring); None when even the best level has a real clip at review."""
    chosen = None
    for level in LEVELS:  # best quality first
        judged = [rel for rel in REALS if not above_source(rel, level)]
        if any(results[rel, level][2] in ("review", "alert") for rel in judged):
            break
        chosen = min(results[rel, level][0] for rel in judged)
    return chosen


def report(results: dict) -> None:
    print(f"\n{'level':>7s} " + " ".join(f"{r.split('/')[-1][:12]:>12s}" for r in FAKES + REALS))
    for level in LEVELS:
        cells = [(f"({results[r, level][1]:4.2f})" if above_source(r, level) else f"{results[r, level][1]:5.2f} ")
                 + f"{results[r, level][2][:6]:6s}" for r in FAKES + REALS]
        print(f"{level:7.4f} " + " ".join(cells))
    print("\nreal clips at review or alert, per level (score alone):")
    for level in LEVELS:
        judged = [r for r in REALS if not above_source(r, level)]
        flagged = [r.split("/")[-1] for r in judged if results[r, level][2] in ("review", "alert")]
        print(f"  {level:<7} {len(flagged)}/{len(judged)} {', '.join(flagged)}")
    print("\nfakes above their originals at matched quality:")
    for level in LEVELS:
        verdicts = [("n/a" if above_source(r, level) or above_source(f, level)
                     else "yes" if results[f, level][1] > results[r, level][1] else "NO") for f, r in PAIRS]
        print(f"  {level:<7} " + "  ".join(f"{f.split('/')[-1][:20]}: {v}" for (f, _), v in zip(PAIRS, verdicts)))
    chosen = floor(results)
    print(f"\nfloor rule: {chosen if chosen is None else round(chosen, 4)} bits per pixel "
          f"(the check uses MIN_BITS_PER_PIXEL = {MIN_BITS_PER_PIXEL})")


def main() -> None:
    print(__doc__.splitlines()[0])
    report(run())


if __name__ == "__main__":
    main()
