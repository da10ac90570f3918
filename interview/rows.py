"""Per-frame numbers of a long session kept as rows of one numpy dtype, in blocks.

A 3-hour recording analysed at 15 fps has 162 000 frames; a numpy array per frame costs ~100 bytes
of header on top of its numbers, and stacking a Python list of them into columns at the end holds
every number twice. A `RowTable` costs the numbers alone, and reading a column copies that column.
"""

from __future__ import annotations

import numpy as np

BLOCK_ROWS = 4096


class RowTable:
    """Append-only rows of `width` values of one dtype. Rows are complete before they are counted,
    so a reader on another thread that takes `len()` first reads only finished rows."""

    def __init__(self, width: int, dtype: type = np.float32, fill: float = np.nan):
        self.width, self.dtype, self.fill = width, np.dtype(dtype), fill
        self._blocks: list[np.ndarray] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, row: np.ndarray | list | None = None) -> None:
        """Add one row; None leaves it at the fill value (a frame without a face)."""
        slot = self._count % BLOCK_ROWS
        if slot == 0:
            self._blocks.append(np.full((BLOCK_ROWS, self.width), self.fill, self.dtype))
        if row is not None:
            self._blocks[-1][slot] = row
        self._count += 1

    def columns(self, lo: int, hi: int, first: int = 0, last: int | None = None) -> np.ndarray:
        """Columns lo..hi of rows first..last (default: every row counted now), as a new array."""
        last = self._count if last is None else min(last, self._count)
        parts = []
        for k, block in enumerate(self._blocks):
            start = k * BLOCK_ROWS
            a, b = max(first, start), min(last, start + BLOCK_ROWS)
            if a < b:
                parts.append(block[a - start:b - start, lo:hi])
        return np.concatenate(parts) if parts else np.zeros((0, hi - lo), self.dtype)
