"""The classic landmark-driven swap (fixtures/face_swap.py) makes what its truth says, measured on
the output: the source's identity inside the seam, the target's frame outside it, and a frozen face
where the head turned past the swapper's pose range."""
from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from fixtures.face_swap import face_swap
from models.face_identity import cosine, shared_identifier
from tests.conftest import dev_file

TARGET = "D_presentation_attack/tv_real.mp4"  # a man turning his head to a profile at ~1.9-3 s
SOURCE = "B_identity/df_img10.jpg"


def frames(path: Path, start_s: float = 0.0, count: int | None = None) -> list[np.ndarray]:
    """BGR frames of a clip from start_s (all, or the first `count`)."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time < start_s - 1e-6:
                continue
            out.append(frame.to_ndarray(format="bgr24"))
            if count is not None and len(out) == count:
                break
    return out


def _embedding(bgr: np.ndarray) -> np.ndarray:
    faces = shared_identifier().identify(bgr)
    return max(faces, key=lambda f: f.box[2] * f.box[3]).embedding


@pytest.fixture(scope="module")
def swap(models_ready):
    return face_swap(dev_file(TARGET), dev_file(SOURCE), start_s=1.0, seconds=4.0)


def test_a_frontal_swap_shows_the_source_inside_the_seam_and_the_target_outside(swap):
    truth = swap.truth
    assert truth["swapped"] == list(range(truth["frames"]))  # the face was found from the first frame
    index = 10
    assert abs(truth["yaw"][index]) < 10
    fake = frames(swap.path)[index]
    real = frames(dev_file(TARGET), start_s=1.0, count=index + 1)[index]
    source = _embedding(cv2.imread(str(dev_file(SOURCE))))
    assert cosine(_embedding(fake), source) > cosine(_embedding(real), source) + 0.2

    inside = np.zeros(fake.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.array(truth["seams"][str(index)], np.int32)], 1)
    changed = np.abs(fake.astype(int) - real.astype(int)).mean(2)
    ring = cv2.dilate(inside, np.ones((25, 25), np.uint8)) - inside
    outside = (1 - inside - ring).astype(bool)
    assert changed[inside.astype(bool)].mean() > 15
    assert changed[outside].mean() < 3


def test_freeze_keeps_the_last_good_face_past_the_pose_limit(models_ready):
    fixture = face_swap(dev_file(TARGET), dev_file(SOURCE), start_s=1.0, seconds=4.0, beyond_pose="freeze")
    truth = fixture.truth
    beyond = [i for i, yaw in enumerate(truth["yaw"]) if yaw is None or abs(yaw) > truth["yaw_limit"]]
    assert len(beyond) >= 20 and truth["frozen"] == beyond
    first, last = beyond[0], beyond[-1]
    fake, real = frames(fixture.path), frames(dev_file(TARGET), start_s=1.0, count=truth["frames"])
    inside = np.zeros(fake[0].shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.array(truth["seams"][str(first)], np.int32)], 1)
    cv2.erode(inside, np.ones((15, 15), np.uint8), dst=inside)
    region = inside.astype(bool)

    def moved(clip):
        return np.abs(clip[first].astype(int) - clip[last].astype(int)).mean(2)[region].mean()

    assert truth["seams"][str(first)] == truth["seams"][str(last)]  # pasted at the same place
    assert moved(fake) < 0.5 * moved(real)  # the head kept moving under a still face


def test_the_swap_paints_face_texture_over_an_occluder(models_ready, tmp_path):
    """Like real swappers, it pastes over whatever covers the face: a blue block (a sleeve, a hand)
    across the mouth and chin of the real footage is face-coloured in the swap."""
    clip = tmp_path / "occluded.mp4"
    real = frames(dev_file(TARGET), start_s=0.0, count=30)
    reference = face_swap(dev_file(TARGET), dev_file(SOURCE), start_s=0.0, seconds=1.0)
    seam = np.array(reference.truth["seams"]["0"], np.int32)
    x0, y0 = seam.min(0)
    x1, y1 = seam.max(0)
    block = (slice(y0 + 3 * (y1 - y0) // 5, y0 + 4 * (y1 - y0) // 5), slice(x0 + (x1 - x0) // 4, x1 - (x1 - x0) // 4))
    blue = np.array([200, 60, 20], np.uint8)  # BGR
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = real[0].shape[1], real[0].shape[0], "yuv420p"
        for image in real:
            image = image.copy()
            image[block] = blue
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode())
    swap = face_swap(clip, dev_file(SOURCE), start_s=0.0, seconds=1.0)
    assert len(swap.truth["swapped"]) == swap.truth["frames"]

    def blueness(image: np.ndarray) -> float:
        return float(np.abs(image[block].astype(int) - blue).mean())

    before, after = frames(clip)[15], frames(swap.path)[15]
    assert blueness(before) < 15  # the block is there in the input
    assert blueness(after) > 60  # and painted over with face texture in the swap
    skin = after[block].reshape(-1, 3).mean(0)
    assert skin[2] > skin[0]  # red above blue: skin, not the sleeve
