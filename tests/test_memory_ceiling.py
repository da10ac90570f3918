"""The per-analysis memory ceiling on a real worker process: an analysis whose worker goes above
$INTERVIEW_VERIFY_MAX_ANALYSIS_MB is ended and its job says why in words; the worker (Huey's
consumer) is still running for the next job."""

from __future__ import annotations

import time

from interview import jobs
from interview.config import AnalysisConfig
from interview.job_queue import JobQueue, spawn_worker
from interview.memory_ceiling import MEMORY_ENV, resident_bytes
from interview.records.store import Store
from tests.conftest import dev_file


def test_an_analysis_over_the_ceiling_is_ended_with_a_reason(models_ready, tmp_path, monkeypatch):
    assert resident_bytes() > 50 * 2**20, "this process' memory is read"
    store = Store(tmp_path / "sessions.db")
    queue = JobQueue(None, tmp_path / "data")
    job = jobs.submit(store, dev_file("A_talking_head/gr_bbaf2n.mpg"), AnalysisConfig(), tmp_path / "data").job
    queue.enqueue(store.url, job.id)
    monkeypatch.setenv(MEMORY_ENV, "250")  # the worker alone, models loaded, is above it
    worker = spawn_worker(queue, 1)
    try:
        deadline = time.monotonic() + 180
        while (job := jobs.get(store, [job.id])[0]).state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert job.state == "unusable", job
        assert job.error.startswith("the analysis needed more than 250 MB of memory (it reached ")
        assert job.error.endswith(f"MB; the ceiling is {MEMORY_ENV})")
        time.sleep(6)  # the consumer's health check (every 5 s) replaces the ended worker process
        assert worker.poll() is None, "the worker itself keeps running"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert store.list_sessions() == []


def test_freed_heap_goes_back_to_the_system():
    """The analysis hands back what it freed before assessing (glibc keeps freed heap for reuse)."""
    import ctypes.util

    import numpy as np
    import pytest

    from interview import release_freed_heap

    if "libc.so" not in (ctypes.util.find_library("c") or ""):
        pytest.skip("glibc only")
    blocks = [np.ones(8192) for _ in range(3000)]  # 64 KB each: from the heap, below glibc's mmap threshold
    keep = [np.ones(8192) for _ in range(10)]  # in use at the heap's top: freeing the rest leaves a hole
    before = resident_bytes()
    del blocks
    held = resident_bytes()
    release_freed_heap()
    after = resident_bytes()
    assert held > before - 50 * 2**20, "glibc keeps the freed blocks resident"
    assert after < held - 150 * 2**20, (before, held, after)
    del keep  # alive until here
