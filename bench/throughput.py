"""Analysis throughput on real footage: real-time factor (media seconds per wall second), per-stage
milliseconds per analysed frame, and peak memory, at 640x480 and 1280x720, 30 fps.

    python -m bench.throughput [--seconds 30] [--max-fps 15]

Each resolution runs in a fresh process: the first analysis includes loading every model, the
second (same process) does not. The input is the real DFDC talking clip, scaled and looped.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from fixtures.cache import cache_dir, dev_media

SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}


def bench_clip(size: str, seconds: float) -> Path:
    """The DFDC real clip (1080p, with speech) letterboxed to `size` at 30 fps, looped to `seconds`."""
    width, height = SIZES[size]
    out = cache_dir() / f"bench_dfdc_{size}_{seconds:g}s.mp4"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        scale = (f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
                 f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,fps=30")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1",
                        "-i", str(dev_media("C_deepfake/dfdc_lynaeydofd_real.mp4")), "-t", str(seconds),
                        "-vf", scale, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                        "-c:a", "aac", str(out)], check=True)
    return out


def measure_one(clip: Path, max_fps: float) -> dict:
    """Run in a fresh process: a cold analysis (model loads included), then a warm one."""
    import tempfile

    from interview.analyze import analyze_recording
    from interview.config import AnalysisConfig
    from interview.recording import SamplingPolicy

    config = AnalysisConfig(policy=SamplingPolicy(max_fps=max_fps))
    runs = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            summary = analyze_recording(clip, config, out)
            runs.append((time.perf_counter() - started, summary))
    (cold, _), (warm, summary) = runs
    duration = summary["input"]["duration_s"]
    return {"duration_s": duration, "rtf_cold": duration / cold, "rtf_warm": duration / warm,
            "frames": summary["measurements"]["analysed_frames"], "timings": summary["timings"],
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-fps", type=float, default=15.0)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.max_fps)))
        return

    rows = {}
    for size in SIZES:
        clip = bench_clip(size, args.seconds)
        result = subprocess.run([sys.executable, "-m", "bench.throughput", "--one", str(clip),
                                 "--max-fps", str(args.max_fps)], capture_output=True, text=True, check=True)
        rows[size] = json.loads(result.stdout.strip().splitlines()[-1])

    print(f"analysis throughput, {args.seconds:g} s of 30 fps video with speech, analysed at {args.max_fps:g} fps")
    print(f"{'input':<10} {'RTF cold':>9} {'RTF warm':>9} {'frames':>7} {'peak MB':>8}")
    for size, row in rows.items():
        print(f"{size:<10} {row['rtf_cold']:>8.2f}x {row['rtf_warm']:>8.2f}x {row['frames']:>7} {row['peak_mb']:>8.0f}")
    stages = sorted({stage for row in rows.values() for stage in row["timings"]})
    print(f"\n{'stage (ms per analysed frame, warm)':<36}" + "".join(f"{size:>11}" for size in rows))
    for stage in stages:
        values = [row["timings"].get(stage, {}).get("ms_per_frame", 0.0) for row in rows.values()]
        print(f"{stage:<36}" + "".join(f"{v:>11.2f}" for v in values))
    print("\nRTF = media duration / wall time; >1 is faster than real time. audio_* stages run on a second "
          "thread beside the video, so stage times add up to more than the wall time.")


if __name__ == "__main__":
    main()
