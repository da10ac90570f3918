"""Stages of one recording's analysis on threads joined by small queues, so both cores work on it.

Decoding (PyAV), the landmarker (MediaPipe), the embedder (OpenCV DNN) and the checks' image work
(OpenCV, numpy) spend most of their time outside the GIL. Each stage hands its items to the next in
order through a queue of QUEUE_ITEMS, so the result is exactly that of running them one after
another (tests/test_pipeline_threads.py) and memory stays bounded: a stage that runs ahead waits.

The landmarker is the critical path: every other stage waits for it, and its work hops between
MediaPipe's own threads, each hop waiting for a core when the other stages hold both. Those
stages therefore run at a lower priority (`yield_to_perception`): on a 120 s 720p recording both
cores went from 1.67 to 1.78 busy on average (README, Performance). Threads a lowered stage starts
inherit its priority: Whisper's and ONNX Runtime's when that stage is the first in the process to
need them (OpenCV and FFmpeg decode on the calling thread: interview/__init__.py, media.FileSource).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
QUEUE_ITEMS = 8
BACKGROUND_NICE = 5  # added to the niceness of every stage but perception
_END = object()


def yield_to_perception() -> None:
    """Lower the calling thread's priority by BACKGROUND_NICE. Linux keeps a niceness per thread
    and threads inherit it (so do FFmpeg's decoding threads and Whisper's, started from here);
    where that cannot be done the stage simply runs at the same priority."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE)
    except (AttributeError, OSError):
        pass


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def ahead(items: Iterable[T], name: str, limit: int = QUEUE_ITEMS) -> Iterator[T]:
    """Iterate `items` on a thread of its own, up to `limit` items ahead of the consumer; an
    exception in the producer is raised in the consumer. Leaving the loop early stops the producer."""
    handoff: queue.Queue = queue.Queue(limit)
    stop = threading.Event()

    def put(item) -> bool:
        """Hand over `item`, unless the consumer left (then False)."""
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        yield_to_perception()
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failed(exc))

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()


def consume_behind(handle: Callable[[T], None], name: str, limit: int = QUEUE_ITEMS) -> tuple[Callable[[T], None], Callable[[], None]]:
    """Run `handle` on a thread of its own, in the order items are given: returns (give, close).
    `close()` waits until every given item is handled and re-raises the first error `handle` raised."""
    handoff: queue.Queue = queue.Queue(limit)
    errors: list[BaseException] = []

    def work() -> None:
        yield_to_perception()
        while (item := handoff.get()) is not _END:
            if not errors:
                try:
                    handle(item)
                except BaseException as exc:
                    errors.append(exc)

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()

    def give(item: T) -> None:
        if errors:
            raise errors[0]
        handoff.put(item)

    def close() -> None:
        handoff.put(_END)
        worker.join()
        if errors:
            raise errors[0]

    return give, close
