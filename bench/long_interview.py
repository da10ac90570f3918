"""Hour-long interviews: wall time, real-time factor and peak resident memory of a full analysis of
generated 10, 30 and 60 minute recordings (add 180 for three hours).

    python -m bench.long_interview [--minutes 10 30 60]

The recording is the real DFDC talking clip at 640x360 30 fps, looped by stream copy to the length,
over distinct real speech throughout (bench/speech_medley.py; the worst case for the audio and
voice analyses); generated once and cached.
Each length is analysed in a fresh process; peak memory is that process's maximum RSS. Time is
linear when seconds per media minute stay the same at every length (CPU seconds too: on a shared
machine the wall time also measures the other work).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.speech_medley import looped_medley_input
from fixtures.cache import cache_dir, dev_media

SOURCE = "C_deepfake/dfdc_lynaeydofd_real.mp4"


def interview_clip(minutes: float) -> Path:
    """`minutes` of the DFDC clip at 640x360 30 fps (one 60 s encode, then looped without re-encoding
    the picture) over distinct real speech (bench/speech_medley.py)."""
    base = cache_dir() / "long_dfdc_640x360_60s.mp4"
    if not base.exists():
        base.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(dev_media(SOURCE)), "-t", "60",
                        "-vf", "scale=640:360,fps=30", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                        "-g", "60", "-c:a", "aac", "-ar", "48000", str(base)], check=True)
    out = cache_dir() / f"long_dfdc_medley_640x360_{minutes:g}min.mp4"
    if not out.exists():
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(base), *looped_medley_input(),
                        "-t", str(minutes * 60), "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac",
                        str(out)], check=True)
    return out


def measure_one(clip: Path) -> dict:
    """A full analysis (model loads included) in this process: wall time and peak RSS."""
    from interview.analyze import analyze_recording
    from interview.config import AnalysisConfig

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        summary = analyze_recording(clip, AnalysisConfig(face_db="off"), out)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"duration_s": summary["input"]["duration_s"], "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024,
            "frames": summary["measurements"]["analysed_frames"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 30, 60])
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return
    print(f"{'length':>8} {'wall':>9} {'RTF':>6} {'wall s/media min':>17} {'CPU s/media min':>16} {'peak MB':>8} "
          f"{'frames':>8}", flush=True)
    for minutes in args.minutes:
        clip = interview_clip(minutes)
        result = subprocess.run([sys.executable, "-m", "bench.long_interview", "--one", str(clip)],
                                capture_output=True, text=True, check=True)
        row = json.loads(result.stdout.strip().splitlines()[-1])
        media_min = row["duration_s"] / 60
        print(f"{minutes:>6g} m {row['wall_s']:>8.0f}s {row['duration_s'] / row['wall_s']:>5.2f}x "
              f"{row['wall_s'] / media_min:>17.1f} {row['cpu_s'] / media_min:>16.1f} {row['peak_mb']:>8.0f} "
              f"{row['frames']:>8}", flush=True)
    print("\nRTF = media duration / wall time, start-up included; CPU = user + system seconds of the analysis "
          "process (what linear time is judged on when other work shares the machine); peak = maximum resident "
          "memory of the analysis process.")


if __name__ == "__main__":
    main()
