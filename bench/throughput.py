"""Analysis throughput on real footage: the real-time factor of a full analysis (media seconds per
wall second, start-up and model loading included) beside the decode-only speed of the same file in
the same run, per-stage milliseconds per analysed frame, and peak memory; 480p, 720p, 1080p at
30 fps.

    python -m bench.throughput [--seconds 120] [--max-fps 15] [--sizes 1280x720 ...]

Each size is analysed in a fresh process timed from its start, then decoded alone in another
(every frame decoded with FFmpeg's own threads, the analysed ones converted). On a shared machine
the ratio of the two is the figure to compare between runs: both slow down when other work takes
the cores.
The input is the real DFDC talking clip, letterboxed and looped, over distinct real speech
(bench/speech_medley.py).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.speech_medley import looped_medley_input
from fixtures.cache import cache_dir, dev_media

SIZES = {"640x480": (640, 480), "1280x720": (1280, 720), "1920x1080": (1920, 1080)}


def bench_clip(size: str, seconds: float) -> Path:
    """The DFDC real clip (1080p, a talking head) letterboxed to `size` at 30 fps and looped to
    `seconds`, with distinct speech under it (bench/speech_medley.py: a looped voice would make
    Whisper's transcript five times dearer than an interview's)."""
    width, height = SIZES[size]
    out = cache_dir() / f"bench_dfdc_medley_{size}_{seconds:g}s.mp4"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        scale = (f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
                 f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,fps=30")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1",
                        "-i", str(dev_media("C_deepfake/dfdc_lynaeydofd_real.mp4")), *looped_medley_input(),
                        "-t", str(seconds), "-map", "0:v", "-map", "1:a", "-vf", scale, "-c:v", "libx264",
                        "-preset", "veryfast", "-crf", "23", "-c:a", "aac", str(out)], check=True)
    return out


def decode_only(clip: Path, max_fps: float) -> float:
    """Seconds to decode the whole file (every frame decoded, the analysed ones converted) with FFmpeg's
    own threads: the yardstick of the machine's speed at the time. The analysis decodes on one thread
    since the eleventh session and leaves unreferenced frames it passes over undecoded since the
    fourteenth; the yardstick stays as it was, so ratios compare across sessions."""
    from interview.media import FileSource, SamplingPolicy, probe

    started = time.perf_counter()
    for _ in FileSource(probe(clip), SamplingPolicy(max_fps=max_fps), decode_threads=0,
                         leave_unused=False).frames():
        pass
    return time.perf_counter() - started


def analyse(clip: Path, max_fps: float) -> dict:
    """One full analysis, every model loaded on the way: frames, stage timings, peak memory."""
    import tempfile

    from interview.analyze import analyze_recording
    from interview.config import AnalysisConfig
    from interview.recording import SamplingPolicy

    with tempfile.TemporaryDirectory() as out:
        summary = analyze_recording(clip, AnalysisConfig(policy=SamplingPolicy(max_fps=max_fps), face_db="off"), out)
    return {"duration_s": summary["input"]["duration_s"], "frames": summary["measurements"]["analysed_frames"],
            "timings": summary["timings"], "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(clip: Path, max_fps: float) -> dict:
    """The analysis in a fresh process, timed from its start (Python, imports, model loading included),
    then decode-only of the same file in another."""
    def run(mode: str) -> tuple[dict | float, float]:
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "bench.throughput", mode, str(clip), "--max-fps", str(max_fps)],
                                capture_output=True, text=True, check=True)
        return json.loads(result.stdout.strip().splitlines()[-1]), time.perf_counter() - started

    row, wall = run("--analyse")
    decode, _ = run("--decode")
    return {**row, "rtf": row["duration_s"] / wall, "decode_rtf": row["duration_s"] / decode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--max-fps", type=float, default=15.0)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--analyse", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--decode", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.analyse or args.decode:
        print(json.dumps(analyse(args.analyse, args.max_fps) if args.analyse else decode_only(args.decode, args.max_fps)))
        return

    rows = {size: measure(bench_clip(size, args.seconds), args.max_fps) for size in args.sizes}

    print(f"analysis throughput, {args.seconds:g} s of 30 fps video with speech, analysed at {args.max_fps:g} fps")
    print(f"{'input':<10} {'analysis RTF':>13} {'decode-only RTF':>16} {'ratio':>6} {'frames':>7} {'peak MB':>8}")
    for size, row in rows.items():
        print(f"{size:<10} {row['rtf']:>12.2f}x {row['decode_rtf']:>15.1f}x {row['rtf'] / row['decode_rtf']:>6.3f} "
              f"{row['frames']:>7} {row['peak_mb']:>8.0f}")
    stages = sorted({stage for row in rows.values() for stage in row["timings"]})
    print(f"\n{'stage (ms per analysed frame)':<36}" + "".join(f"{size:>11}" for size in rows))
    for stage in stages:
        values = [row["timings"].get(stage, {}).get("ms_per_frame", 0.0) for row in rows.values()]
        print(f"{stage:<36}" + "".join(f"{v:>11.2f}" for v in values))
    print("\nRTF = media duration / wall time, start-up and model loading included; >1 is faster than real time. "
          "ratio = analysis RTF / decode-only RTF of the same file, measured right after it (the figure that "
          "holds on a shared machine). Stages run on four threads (decode, perception, checks, audio), so their times "
          "add up to more than the wall time.")


if __name__ == "__main__":
    main()
