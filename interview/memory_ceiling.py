"""A ceiling on the memory of one analysis, so one recording cannot take the machine down.

Inputs are bounded before they are decoded (interview.bounds), but an analysis' memory also grows
with what a valid file holds. A watcher thread reads the worker process' resident memory four
times a second; above the ceiling it calls `on_exceeded` (which records the job as unusable, in
words) and ends the process: an analysis cannot be stopped from outside its thread, and its
process is the worker's to replace (Huey starts a new one). The ceiling is
$INTERVIEW_VERIFY_MAX_ANALYSIS_MB (default 6144), measured on the whole worker process, models
included (`analyze` of a 6.6 s 1080p clip peaked at 0.7 GB; what an analysis keeps grows with the
call's length).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

MEMORY_ENV = "INTERVIEW_VERIFY_MAX_ANALYSIS_MB"
DEFAULT_MB = 6144
CHECK_EVERY_S = 0.25
EXIT_CODE = 3
log = logging.getLogger("interview.jobs")


def ceiling_mb() -> int:
    return int(os.environ.get(MEMORY_ENV) or DEFAULT_MB)


def resident_bytes() -> int:
    """This process' resident memory (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class MemoryCeiling:
    """`with MemoryCeiling(on_exceeded):` around one analysis."""

    def __init__(self, on_exceeded: Callable[[str], None], limit_mb: int | None = None):
        self.limit_mb = limit_mb or ceiling_mb()
        self._on_exceeded = on_exceeded
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="memory-ceiling", daemon=True)

    def __enter__(self) -> MemoryCeiling:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(CHECK_EVERY_S):
            used = resident_bytes() / 2**20
            if used > self.limit_mb:
                reason = (f"the analysis needed more than {self.limit_mb} MB of memory (it reached {used:.0f} MB; "
                          f"the ceiling is {MEMORY_ENV})")
                log.error("%s: ending this worker process", reason)
                try:
                    self._on_exceeded(reason)
                finally:
                    os._exit(EXIT_CODE)
