"""Where the time goes: per-stage totals, reported in the summary and read by the benchmarks."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    """Shared by the analysis threads (decode, perception, checks, audio): additions are locked."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    @contextmanager
    def time(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - start)

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.totals[stage] += seconds
            self.counts[stage] += 1

    def to_dict(self, frames: int) -> dict[str, dict[str, float]]:
        """Seconds per stage, and milliseconds per analysed frame (the benchmarks' unit)."""
        return {stage: {"total_s": round(total, 4), "calls": self.counts[stage],
                        "ms_per_frame": round(1000 * total / frames, 3) if frames else 0.0}
                for stage, total in self.totals.items()}
