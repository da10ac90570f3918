"""Time as a type: a `Segment` is a half-open span [start, end) in seconds of session time."""

from __future__ import annotations

from models.outputs import Segment


def total_duration(segments: list[Segment]) -> float:
    """Length of the union of segments (overlaps counted once)."""
    total, reach = 0.0, float("-inf")
    for seg in sorted(segments):
        start = max(seg.start, reach)
        if seg.end > start:
            total += seg.end - start
            reach = seg.end
    return total


def spans_where(times: list[float], flags: list[bool], step: float, min_duration: float = 0.0) -> list[Segment]:
    """Turn per-sample booleans at `times` into segments; each true sample covers `step` seconds."""
    spans: list[Segment] = []
    start: float | None = None
    last = 0.0
    for t, flag in zip(times, flags):
        if flag and start is None:
            start = t
        if not flag and start is not None:
            spans.append(Segment(start, last + step))
            start = None
        last = t
    if start is not None:
        spans.append(Segment(start, last + step))
    return [s for s in spans if s.duration >= min_duration]


def seconds(t: float | None) -> str:
    """A session time as every screen and the report write it: '31.7 s', '1:02.5' past a minute."""
    if t is None:
        return "-"
    minutes, rest = divmod(float(t), 60)
    return f"{int(minutes)}:{rest:04.1f}" if minutes else f"{rest:.1f} s"
