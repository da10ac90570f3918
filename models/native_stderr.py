"""MediaPipe's C++ core (glog, TFLite) writes start-up chatter straight to file descriptor 2 while a
model loads and runs its first frame ("WARNING: Logging before InitGoogle()", "Created TensorFlow
Lite XNNPACK delegate", feedback-manager warnings); GLOG_minloglevel cannot silence it because it
is written before glog reads its flags (and closing a runner logs again). `quiet_native_start()`
points fd 2 at a temporary file for those moments, then restores it and writes back every captured line that is not known chatter, so
a real error (glog E/F lines, anything else) still reaches the terminal. LiteRT also logs a warning
at a random later frame ("Input tensor memory is not aligned ... copying data"): a command whose
stderr is not a terminal (--json, batch logs, CI) runs inside `filtered_stderr()`, which passes
every line through the same filter."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# glog info and warning lines ("I0000 00:00:1796... 5645 file.cc:181] ..."), TFLite's INFO lines and
# glog's notice that it was not initialised. Errors (E, F) and anything unrecognised are kept.
CHATTER = re.compile(r"^(?:[IW]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w./-]+:\d+\] |INFO: |"
                     r"WARNING: Logging before InitGoogle\(\))")
SHOW_ALL_ENV = "INTERVIEW_VERIFY_NATIVE_LOGS"  # set to 1 (or run with --debug) to see everything
_lock = threading.Lock()  # fd 2 is process-wide: one capture at a time


def kept_lines(text: str) -> str:
    """The captured text without the known start-up chatter."""
    return "".join(line for line in text.splitlines(keepends=True) if not CHATTER.match(line))


@contextmanager
def quiet_native_start() -> Iterator[None]:
    if os.environ.get(SHOW_ALL_ENV) == "1":
        yield
        return
    with _lock, tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            rest = kept_lines(capture.read().decode(errors="replace"))
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()


@contextmanager
def filtered_stderr() -> Iterator[None]:
    """fd 2 through a pipe for the whole block, known chatter dropped line by line, when stderr is
    not a terminal (a terminal shows the progress bar, which redraws without newlines)."""
    if os.environ.get(SHOW_ALL_ENV) == "1" or sys.stderr.isatty():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    source, sink = os.pipe()
    os.dup2(sink, 2)
    os.close(sink)

    target = os.dup(saved)  # the pump's own copy, made here: `saved` may be closed before it runs

    def pump() -> None:
        with os.fdopen(source, "rb") as lines, os.fdopen(target, "wb", buffering=0) as out:
            for line in lines:
                if not CHATTER.match(line.decode(errors="replace")):
                    out.write(line)

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe's last write end closes: the pump reads to the end and stops
        os.close(saved)
        thread.join(timeout=5)
