"""Live path latency: milliseconds of processing per analysed frame at 640x480 through
`LiveSession`, with frames and audio pushed at the pace of a real call.

    python -m bench.live_latency [--seconds 30] [--fps 25] [--challenge hand_over_face@10]
    python -m bench.live_latency --snapshot-at 1,30     # snapshot cost at 1 and 30 minutes of call

The input is the real DFDC talking clip letterboxed to 640x480 (bench.throughput's clip), sent
like the browser does: every frame at its real time (the session drops what it cannot take),
0.5 s audio chunks at 48 kHz, and a status snapshot every second as the panel asks for it. The
target is p95 <= 40 ms per analysed frame on the 2-core machine.

`--snapshot-at` measures what the running panel costs as a call grows: the clip is perceived once
and its observations replayed, shifted in time, into a live session's checks until the call is N
minutes long (perception is per frame and does not grow; only the checks' state does), with the
clip's audio laid end to end; then one more second of frames and audio arrives before each of
several snapshots, and their median cost is reported. The target: at 30 minutes within 2x of 1.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace

import numpy as np
from scipy.signal import resample_poly

from bench.throughput import bench_clip
from interview.checks.base import ChallengeMark
from interview.config import AnalysisConfig
from interview.live import LiveSession
from interview.media import FileSource, probe, read_audio
from interview.perception import Perceiver
from interview.recording import AUDIO_RATE, SamplingPolicy

TARGET_P95_MS = 40.0


def _challenge(text: str) -> ChallengeMark:
    kind, _, seconds = text.partition("@")
    return ChallengeMark(kind, float(seconds))


def run(seconds: float, fps: float, challenges: list[ChallengeMark]) -> dict:
    info = probe(bench_clip("640x480", seconds))
    frames = list(FileSource(info, SamplingPolicy(max_fps=fps, max_side=640)).frames())
    audio_48k = resample_poly(read_audio(info)[0], 3, 1).astype(np.float32)
    live = LiveSession(AnalysisConfig(transcribe=False))
    pending = sorted(challenges, key=lambda c: c.asked_s)
    snapshot_ms: list[float] = []
    next_snapshot = next_audio = 0.0
    for frame in frames:
        while live.now() < frame.t:
            time.sleep(0.002)
        live.push_frame(live.now(), frame.image)
        while pending and pending[0].asked_s <= frame.t:
            live.mark_challenge(pending.pop(0).kind)
        if frame.t >= next_audio + 0.5:
            live.push_audio(next_audio, audio_48k[int(next_audio * 48000):int((next_audio + 0.5) * 48000)], 48000)
            next_audio += 0.5
        if frame.t >= next_snapshot:
            started = time.perf_counter()
            live.snapshot()
            snapshot_ms.append(1000 * (time.perf_counter() - started))
            next_snapshot += 1.0
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        summary = live.end(out)
        end_s = time.perf_counter() - started
    ms = np.array(live.frame_ms)
    stats = summary["live"]
    return {"frames_sent": len(frames), "analysed": stats["analysed"], "dropped": stats["dropped"],
            "skipped": stats["skipped"], "max_fps": summary["sampling"]["max_fps"],
            "analysed_fps": stats["analysed"] / frames[-1].t,
            "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)), "max": float(ms.max()),
            "snapshot_p95": float(np.percentile(snapshot_ms, 95)), "end_s": end_s,
            "stages": {k: v["ms_per_frame"] for k, v in summary["timings"].items()}}


def snapshot_cost(minutes: list[float], repeats: int = 5) -> dict[float, float]:
    """Median milliseconds of `LiveSession.snapshot()` at each call length (see the module doc)."""
    info = probe(bench_clip("640x480", 20.0))
    policy = SamplingPolicy()
    perceiver = Perceiver(policy)
    try:
        pairs = [(perceiver.observe(frame), frame) for frame in FileSource(info, policy).frames()]
    finally:
        perceiver.close()
    audio = read_audio(info)[0]
    period = info.duration_s
    clock = [0.0]
    live = LiveSession(AnalysisConfig(transcribe=False, face_db="off"), clock=lambda: clock[0])
    session, fed, costs = live._session, [0.0], {}

    def feed_until(t_end: float) -> None:
        while fed[0] < t_end:
            lap = int(fed[0] // period) * period
            for obs, frame in pairs:
                t = lap + obs.t
                if fed[0] <= t < t_end:
                    session.record(replace(obs, t=t), replace(frame, t=t))
            if fed[0] <= lap < t_end:
                live.push_audio(lap, audio, AUDIO_RATE)
            fed[0] = min(t_end, lap + period)

    for minute in minutes:
        samples = []
        for _ in range(repeats + 1):  # the first snapshot also runs voice activity over all new audio
            feed_until(fed[0] + 1.0 if samples or fed[0] >= 60 * minute else 60 * minute)
            clock[0] = fed[0]
            started = time.perf_counter()
            live.snapshot()
            samples.append(1000 * (time.perf_counter() - started))
        costs[minute] = float(np.median(samples[1:]))
    live.close()
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--fps", type=float, default=25.0, help="frames sent per second (the camera's rate)")
    parser.add_argument("--challenge", type=_challenge, action="append", default=[], metavar="KIND@SECONDS")
    parser.add_argument("--snapshot-at", metavar="MINUTES", help="e.g. 1,30: snapshot cost at these call lengths")
    args = parser.parse_args()
    if args.snapshot_at:
        costs = snapshot_cost([float(m) for m in args.snapshot_at.split(",")])
        first = next(iter(costs.values()))
        for minute, ms in costs.items():
            print(f"snapshot at {minute:g} min of call: {ms:.0f} ms ({ms / first:.2f}x the first)")
        return
    row = run(args.seconds, args.fps, args.challenge)
    print(f"live path, {args.seconds:g} s of 640x480 real video sent at {args.fps:g} fps "
          f"(challenges: {', '.join(f'{c.kind}@{c.asked_s:g}' for c in args.challenge) or 'none'})")
    print(f"frames sent {row['frames_sent']}, analysed {row['analysed']} ({row['analysed_fps']:.1f} fps), "
          f"dropped while busy {row['dropped']}, "
          f"skipped by the {row['max_fps']:g} fps sampling policy {row['skipped']}")
    print(f"per analysed frame: p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms, max {row['max']:.1f} ms "
          f"(target p95 <= {TARGET_P95_MS:g} ms: {'met' if row['p95'] <= TARGET_P95_MS else 'NOT met'})")
    print(f"status snapshot p95 {row['snapshot_p95']:.1f} ms; "
          f"ending the session (audio + report data) {row['end_s']:.1f} s")
    print("stages, ms per analysed frame: " + ", ".join(f"{k} {v:.1f}" for k, v in row["stages"].items()))


if __name__ == "__main__":
    main()
