"""interview-verify analysis core: media, perception records, checks, summary. Never imports a UI."""

import ctypes
import ctypes.util
import os
from functools import cache

import cv2
import numpy  # noqa: F401  (loads BLAS, so that the limit below reaches it)
import scipy.linalg  # noqa: F401  (scipy's own BLAS, used by the lip-sync and room maths)
from threadpoolctl import threadpool_limits

__version__ = "0.1.0"

# One BLAS thread for the whole process: the analysis runs its own stages on threads (decoding,
# perception, checks, audio, the live panel), and BLAS threads that wake for each of their small
# matrix products cost far more than the products on a busy 2-core machine (a live snapshot at
# 30 minutes of call: 0.7 s with one BLAS thread, 0.8-10 s with two while other work ran).
threadpool_limits(1, user_api="blas")  # only reaches libraries already loaded: hence the imports
# And one OpenCV thread, for the same reason: its pool split each call of the identity models
# (YuNet + SFace) across both cores for 26 ms of CPU against 20 ms on one thread, while the other
# stages wanted that core (120 s at 720p: 2 s of CPU; the results are the same bit for bit).
cv2.setNumThreads(1)


@cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (has mallopt and malloc_trim); None on musl, macOS, Windows."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _two_malloc_arenas() -> None:
    """glibc gives threads that allocate at the same time their own heap arenas (up to 8 per core),
    and each keeps what it freed: over an hour of frames handed between the analysis threads resident
    memory grew ~150 MB, ~40 MB with two arenas. Two arenas: 60 minutes ends at 1024 MB instead of
    1210 MB, at the same speed (docs/performance-history.md). Not glibc, or MALLOC_ARENA_MAX set by the
    operator: nothing to do."""
    if "MALLOC_ARENA_MAX" not in os.environ and (libc := _glibc()) is not None:
        libc.mallopt(-8, 2)  # M_ARENA_MAX


def release_freed_heap() -> None:
    """Hand the heap's free pages back to the system. glibc keeps what a program freed for reuse:
    after ten minutes of frames and the audio analysis's large temporaries, 165 MB of resident
    memory held nothing, and the session's assessment then grew on top of it. A few milliseconds
    for a gigabyte of heap."""
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)


_two_malloc_arenas()
