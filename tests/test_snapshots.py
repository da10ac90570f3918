"""Evidence snapshots stay bounded however long the session, and evenly spread over it."""

from __future__ import annotations

import numpy as np

from interview.snapshots import Snapshots


def test_snapshots_thin_out_evenly_past_their_bound():
    picture = np.zeros((36, 64, 3), np.uint8)
    short, long = Snapshots(max_kept=50), Snapshots(max_kept=50)
    for t in range(40):
        short.offer(float(t), picture, None)
    for t in range(3 * 3600):  # three hours at one frame a second
        long.offer(float(t), picture, None)
    assert short._times == [float(t) for t in range(40)]  # under the bound: one a second, as always
    assert len(long._times) <= 50
    assert set(np.diff(long._times)) == {long.every_s}
    assert long._times[-1] >= 3 * 3600 - 2 * long.every_s
    assert long.nearest(5000.0) is not None
