"""Evidence frames: kept in memory within bounds, written only from references."""

from __future__ import annotations

import numpy as np

from interview.evidence import FrameKeeper


def test_frame_keeper_holds_a_bounded_cadence_and_every_frame_it_was_told_to_keep():
    keeper = FrameKeeper(every_s=1.0, side=32, max_offered=10)
    image = np.zeros((48, 64, 3), np.uint8)
    keeper.keep(2.5, image, (1, 2, 3, 4))  # a signal's own frame
    for t in range(100):
        keeper.offer(float(t), image)
    assert len(keeper) <= 11 and keeper.every_s >= 8.0  # thinned, the cadence halved each time
    assert keeper.nearest(2.5).t == 2.5 and keeper.box_at(2.5) == (1, 2, 3, 4)
    assert keeper.nearest(99.0).t >= 90.0  # the cadence still reaches the end of the call
