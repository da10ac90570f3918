"""Lip-sync on every genuine head in dev-media that speaks to the camera, at the default settings.

    python -m bench.genuine_sync [--fps 15]

Issue #13 asks that every such head gets a measured A/V offset and that its audio shifted by
-300 and +300 ms is flagged. Each head is perceived once (the default policy: 15 analysed fps, or
12.5 on 25 fps sources) and the relay check runs on the clip with its own audio shifted by
-300, 0 and +300 ms (fixtures.av_edit.shift_audio). Printed per head: the estimated offset and
its peak prominence z at each shift, whether the check reports the offset ("measured": z above
Z_CHANCE) and whether it raises an av_offset finding at review or more ("flagged").

Three summary numbers per length class: shifts recovered (measured(shift) - measured(0) within
80 ms of the shift, whatever the confidence), offsets measured at all three shifts, both shifts
flagged with the unshifted clip not flagged. Beside them, the z of someone else's voice over the
same mouths (each head with the voices of heads of other sources): where own and other voices
reach the same z, a lower bar would report offsets on voices that are not the candidate's.

A head "speaks to the camera" when MANIFEST.tsv says so: the audio column reports at least
MIN_SPEECH_S of speech (Silero VAD), or the row describes a talking head with its speech and not
"speech unclear" (tv_real: the voice is not the man on camera).
"""

from __future__ import annotations

import argparse
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.genuine_corpus import GENUINE, corpus
from bench.relay_accuracy import perceive, run_check, sync_of
from fixtures.av_edit import replace_audio, shift_audio
from fixtures.cache import DEV_MEDIA
from interview.checks.base import REVIEW_RISK
from interview.checks.relay.lipsync import Z_CHANCE

SHIFTS_MS = (-300, 0, 300)
MIN_SPEECH_S = 2.0
RECOVERED_MS = 80
OTHER_VOICES = 3  # someone else's voice: this many heads of other sources per head
LENGTHS_S = ((0, 5), (5, 9), (9, 1e9))  # length classes: 3 s sentences, 5-8 s clips, longer


@dataclass(frozen=True)
class Head:
    rel: str
    source: str
    speech_s: float | None  # as MANIFEST.tsv reports it (None where it gives no VAD figure)


@dataclass(frozen=True)
class Shifted:
    shift_ms: int
    offset_ms: float  # the estimator's peak, reported or not (NaN: no estimate at all)
    z: float
    measured: bool  # the check reports the offset
    flagged: bool  # the check raises an av_offset finding at review or more


def speaking_heads() -> list[Head]:
    """Genuine dev videos whose MANIFEST row says the person on camera speaks."""
    genuine = {c.rel: c.source for c in corpus() if c.label == GENUINE}
    heads = []
    with open(DEV_MEDIA / "MANIFEST.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["local_file"] not in genuine:
                continue
            vad = re.search(r"speech ([\d.]+) s", row["audio"])
            talking = ("talking" in row["shows"] and "speech" in row["notes"].lower()
                       and "unclear" not in row["notes"].lower())
            if (vad and float(vad.group(1)) >= MIN_SPEECH_S) or (not vad and talking):
                heads.append(Head(row["local_file"], genuine[row["local_file"]].split("/")[-1],
                                  float(vad.group(1)) if vad else None))
    return heads


def judged(pairs: list, path: Path, shift_ms: int) -> Shifted:
    estimate = sync_of(pairs, path)
    result = run_check(pairs, path)
    flagged = any(f.signal == "av_offset" and f.risk >= REVIEW_RISK for f in result.findings)
    if estimate is None:
        return Shifted(shift_ms, float("nan"), 0.0, False, flagged)
    return Shifted(shift_ms, estimate.offset_ms, estimate.z, result.measurements["av_offset_ms"] is not None, flagged)


def recovered(rows: list[Shifted]) -> bool:
    base = next(r.offset_ms for r in rows if r.shift_ms == 0)
    return all(abs(r.offset_ms - base - r.shift_ms) <= RECOVERED_MS for r in rows)


def caught(rows: list[Shifted]) -> bool:
    return all(r.flagged == (r.shift_ms != 0) for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=float, default=15.0, help="analysed frames per second (default: the product's)")
    fps = parser.parse_args().fps
    heads = speaking_heads()
    print(f"{len(heads)} genuine heads speak to the camera ({len({h.source for h in heads})} sources)\n")
    print(f"{'clip':40s} {'source':14s} {'len':>5s}  " + "  ".join(f"{s:+d} ms: offset z meas flag" for s in SHIFTS_MS))
    results, lengths, others = {}, {}, {}
    rng = np.random.default_rng(0)
    for head in heads:
        path = DEV_MEDIA / head.rel
        pairs = perceive(path, fps)  # frames are kept for the check's evidence: one head at a time
        lengths[head.rel] = pairs[-1][0].t if pairs else 0.0
        rows = [judged(pairs, shift_audio(path, shift_ms=s).path, s) for s in SHIFTS_MS]
        results[head.rel] = rows
        pool = [h for h in heads if h.source != head.source]
        voices = [replace_audio(path, DEV_MEDIA / pool[k].rel).path for k in rng.choice(len(pool), OTHER_VOICES, replace=False)]
        others[head.rel] = [estimate.z if (estimate := sync_of(pairs, voice)) else 0.0 for voice in voices]
        print(f"{Path(head.rel).stem[:40]:40s} {head.source[:14]:14s} {lengths[head.rel]:5.1f}  "
              + "  ".join(f"{r.offset_ms:+6.0f} {r.z:3.1f} {'y' if r.measured else '-'} {'F' if r.flagged else '-'}"
                          for r in rows), flush=True)

    print(f"\nmeasured = z above {Z_CHANCE}; flagged = an av_offset finding at review or more; "
          f"recovered = every shift within {RECOVERED_MS} ms of the clip's own offset + the shift")
    for lo, hi in LENGTHS_S:
        names = [h.rel for h in heads if lo <= lengths[h.rel] < hi]
        if not names:
            continue
        own = np.array([[r.z for r in results[n]] for n in names])
        other = np.concatenate([others[n] for n in names])
        label = f"{lo:g}-{hi:g} s" if hi < 1e9 else f"{lo:g} s and longer"
        print(f"  {label:16s} {len(names):2d} heads: recovered {sum(recovered(results[n]) for n in names):2d}, "
              f"measured at all three {sum(all(r.measured for r in results[n]) for n in names):2d}, "
              f"+-300 flagged and 0 not {sum(caught(results[n]) for n in names):2d}; own voice z median "
              f"{np.median(own):.2f} (lowest {own.min():.2f}), someone else's voice z median {np.median(other):.2f}, "
              f"95th pct {np.percentile(other, 95):.2f}, highest {other.max():.2f}")
    false_flags = [Path(n).stem for n, rows in results.items() if any(r.flagged for r in rows if r.shift_ms == 0)]
    print(f"\nunshifted heads flagged: {len(false_flags)} {false_flags}")


if __name__ == "__main__":
    main()
