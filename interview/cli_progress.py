"""The terminal progress bar of `interview-verify analyze`: the stage, a bar, elapsed time and an
estimate of the time left. Shown only when stderr is a terminal (tqdm disables itself otherwise)."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ProgressBar:
    """`update(fraction, stage)` is analyze_recording's progress callback."""

    def __init__(self):
        self._bar = tqdm(total=1000, file=sys.stderr, disable=None, leave=False, dynamic_ncols=True,
                         bar_format="{desc:<28} {percentage:3.0f}% |{bar}| {elapsed} elapsed, ~{remaining} left")

    def update(self, fraction: float, stage: str) -> None:
        if self._bar.disable:
            return
        self._bar.set_description_str(stage, refresh=False)
        self._bar.update(max(0, round(fraction * 1000) - self._bar.n))

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self._bar.close()
