"""Each forensic signal on a synthetic case with a known answer: a real face (landmarks from the
real landmarker on a real frame) edited in one controlled way, or synthetic series."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from interview.calibration.profile import load_profile
from interview.checks.deepfake.boundary import boundary_seam
from interview.checks.deepfake.face_regions import TEMPLATE_112, align_matrix, face_crop, five_points
from interview.checks.deepfake.flicker import colour_flicker, face_and_surround_colour
from interview.checks.deepfake.fusion import deviations, fuse
from interview.checks.deepfake.jitter import embedding_jitter, landmark_jitter
from interview.checks.deepfake.mouth_eyes import eye_mismatch, mouth_detail, mouth_gap
from interview.checks.deepfake.sharpness import sharpness_mismatch
from interview.checks.deepfake.spectrum import spectral_falloff
from interview.checks.deepfake.stress import hand_over_face, is_stressed, stress_rise
from interview.face_landmarks import FACE_OVAL
from interview.media import FileSource, probe
from interview.observations import ArrayPicture, Frame
from interview.recording import SamplingPolicy
from models.outputs import Face, HeadPose
from tests.conftest import dev_file


@pytest.fixture(scope="module")
def open_mouth_frame(models_ready) -> tuple[Frame, Face]:
    """The analysed (640 px) frame of vr_face2 (real, frontal, 844 px source) with the widest open
    mouth, its source image kept, and the landmarker's face on it."""
    from models.face_landmarker import MediaPipeFaceLandmarker

    best = None
    with MediaPipeFaceLandmarker() as landmarker:
        for frame in FileSource(probe(dev_file("A_talking_head/vr_face2.mp4")), SamplingPolicy(max_fps=5)).frames():
            faces = landmarker.detect(frame.image, frame.t)
            if faces:
                gap = mouth_gap(faces[0].landmarks, np.linalg.norm(np.subtract(*five_points(faces[0].landmarks)[:2])))
                if best is None or gap > best[0]:
                    source = frame.source_region(0, 0, *frame.source_size).copy()
                    best = (gap, Frame(frame.t, frame.index, frame.image.copy(), source=ArrayPicture(source)), faces[0])
    assert best is not None and best[0] > 0.1, "vr_face2 should show an open mouth"
    assert best[1].source_size[0] > best[1].image.shape[1], "vr_face2 should be larger than the analysed size"
    return best[1], best[2]


@pytest.fixture(scope="module")
def talking_face(open_mouth_frame) -> tuple[np.ndarray, np.ndarray]:
    """That frame as analysed, and its landmarks."""
    frame, face = open_mouth_frame
    return frame.image, face.landmarks


def _edit_inside(image: np.ndarray, landmarks: np.ndarray, rho_max: float, edit) -> np.ndarray:
    """Replace the pixels with rho < rho_max (inside a shrunken face oval) by edit(image)."""
    crop = face_crop(image, landmarks)
    x0, y0 = crop.origin
    h, w = crop.rho.shape
    out = image.copy()
    region = out[y0:y0 + h, x0:x0 + w]
    inside = crop.rho < rho_max
    region[inside] = edit(image)[y0:y0 + h, x0:x0 + w][inside]
    return out


def test_face_regions_rho_is_one_on_the_oval_and_alignment_hits_the_template(talking_face):
    image, landmarks = talking_face
    crop = face_crop(image, landmarks)
    points = np.round(landmarks[list(FACE_OVAL), :2] - np.array(crop.origin)).astype(int)
    assert np.median(crop.rho[points[:, 1], points[:, 0]]) == pytest.approx(1.0, abs=0.05)
    matrix = align_matrix(landmarks, 112)
    mapped = five_points(landmarks) @ matrix[:, :2].T + matrix[:, 2]
    assert np.abs(mapped - TEMPLATE_112).max() < 6


def test_boundary_finds_a_pasted_face_with_a_visible_seam(talking_face):
    image, landmarks = talking_face
    pasted = _edit_inside(image, landmarks, 0.82,
                          lambda im: np.clip(im.astype(int) + (30, 10, -10), 0, 255).astype(np.uint8))
    untouched, _ = boundary_seam(face_crop(image, landmarks))
    seam, rho = boundary_seam(face_crop(pasted, landmarks))
    assert seam > untouched + 1.0
    assert rho == pytest.approx(0.80, abs=0.06)


def _upscaled(image: np.ndarray, by: int = 3) -> np.ndarray:
    h, w = image.shape[:2]
    small = cv2.resize(image, (w // by, h // by), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def test_sharpness_sees_a_smoothed_face_and_a_sharpened_one(talking_face):
    image, landmarks = talking_face
    blurred = _edit_inside(image, landmarks, 1.0, lambda im: cv2.GaussianBlur(im, (0, 0), 1.5))
    sharpened = _edit_inside(image, landmarks, 1.0,
                             lambda im: cv2.addWeighted(im, 2.5, cv2.GaussianBlur(im, (0, 0), 1.0), -1.5, 0))
    base = sharpness_mismatch(face_crop(image, landmarks))
    assert sharpness_mismatch(face_crop(blurred, landmarks)) < base - 0.5
    assert sharpness_mismatch(face_crop(sharpened, landmarks)) > base + 0.5


def test_spectrum_sees_an_upscaled_face(talking_face):
    image, landmarks = talking_face
    upscaled = _edit_inside(image, landmarks, 1.0, _upscaled)
    base = spectral_falloff(face_crop(image, landmarks))
    assert spectral_falloff(face_crop(upscaled, landmarks)) < base - 1.0


def test_spectrum_tiles_are_those_whose_pixels_lie_in_the_region(talking_face):
    """The tiles are picked by counting each tile's region pixels on an integral image: the same
    tiles as the share of region pixels read tile by tile, on the real crop's face and surround."""
    from numpy.lib.stride_tricks import sliding_window_view

    from interview.checks.deepfake.spectrum import MIN_INSIDE, PATCH, STEP, _tiles

    crop = face_crop(*talking_face)
    for mask in (crop.inner, crop.surround, crop.inner[1:, 3:]):
        gray = crop.gray[: mask.shape[0], : mask.shape[1]]
        share = sliding_window_view(mask, (PATCH, PATCH))[::STEP, ::STEP].mean(axis=(2, 3))
        expected = sliding_window_view(gray, (PATCH, PATCH))[::STEP, ::STEP][share >= MIN_INSIDE]
        assert 0 < len(expected) < share.size
        np.testing.assert_array_equal(_tiles(gray, mask), expected)


def test_the_surround_reference_cancels_what_the_whole_picture_shares(talking_face):
    """Focus and compression act on the face and the head around it alike: blurring or upscaling
    the whole frame moves sharpness and spectrum far less than doing it to the face alone."""
    image, landmarks = talking_face
    for signal, edit in ((sharpness_mismatch, lambda im: cv2.GaussianBlur(im, (0, 0), 1.5)), (spectral_falloff, _upscaled)):
        base = signal(face_crop(image, landmarks))
        face_only = signal(face_crop(_edit_inside(image, landmarks, 1.0, edit), landmarks)) - base
        whole = signal(face_crop(edit(image), landmarks)) - base
        assert abs(whole) < 0.5 * abs(face_only)


def test_a_letterbox_bar_beside_the_face_is_not_taken_for_its_surroundings(talking_face):
    """A portrait clip pillarboxed into a landscape frame (or a meeting tile's border): black bars
    cut into the ring around the face. Their flat area and hard edge must not change the signals."""
    image, landmarks = talking_face
    crop = face_crop(image, landmarks)
    right = crop.origin[0] + crop.image.shape[1] - crop.image.shape[1] // 6  # a bar over the crop's last sixth
    barred = image.copy()
    barred[:, right:] = 0
    assert not face_crop(barred, landmarks).picture.all()
    for signal in (sharpness_mismatch, spectral_falloff):
        assert abs(signal(face_crop(barred, landmarks)) - signal(crop)) < 0.25, signal.__name__


def test_image_signals_come_from_the_source_whatever_the_analysed_size(open_mouth_frame):
    """The same face analysed at 640 px or at the source's 844 px gives the same image signals:
    landmarks are mapped to source pixels and the face is cut from the source frame."""
    from interview.checks.deepfake.check import image_signals

    frame, face = open_mouth_frame
    source = frame.source_region(0, 0, *frame.source_size)
    scale = np.array([source.shape[1] / frame.image.shape[1], source.shape[0] / frame.image.shape[0], 1.0], np.float32)
    at_source = Frame(frame.t, frame.index, source)
    face_at_source = Face(face.box, face.landmarks * scale, face.blendshapes, face.pose, face.transform)
    analysed, _ = image_signals(frame, face)
    direct, _ = image_signals(at_source, face_at_source)
    assert set(analysed) == set(direct) == {"boundary", "sharpness", "spectrum", "mouth", "eyes"}
    for name in direct:
        assert analysed[name] == pytest.approx(direct[name], rel=1e-4, abs=1e-4)


def test_flicker_counts_face_only_wobble_not_room_lighting(talking_face):
    image, landmarks = talking_face
    x, y, w, h = cv2.boundingRect(landmarks[:, :2].astype(np.float32))
    gains = 1.0 + 0.04 * np.random.default_rng(0).standard_normal(12)
    face_only, room = [], []
    for gain in gains:
        lit = np.clip(image * gain, 0, 255).astype(np.uint8)
        room.append(face_and_surround_colour(lit, landmarks, (x, y, w, h)))
        face_only.append(face_and_surround_colour(_edit_inside(image, landmarks, 1.2, lambda _, lit=lit: lit),
                                                  landmarks, (x, y, w, h)))
    steady = [face_and_surround_colour(image, landmarks, (x, y, w, h))] * 12
    assert colour_flicker(np.array(steady)) == pytest.approx(0.0, abs=1e-6)
    assert colour_flicker(np.array(face_only)) > 3 * colour_flicker(np.array(room)) + 1.0


def test_face_colour_is_an_area_mean_that_sub_pixel_landmark_noise_does_not_move(talking_face):
    """Big faces must not flicker by aliasing: the skin colour is averaged over its whole area, so
    landmarks wobbling by a third of a pixel change it by hundredths of a level (sampling the skin
    on a 32 px aligned grid, as before, moved it by ~0.1)."""
    image, landmarks = talking_face
    big = cv2.resize(image, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)  # a face ~290 px between the eyes
    points = landmarks * np.array([3, 3, 1], np.float32)
    box = cv2.boundingRect(points[:, :2].astype(np.float32))
    rng = np.random.default_rng(3)
    colours = np.array([face_and_surround_colour(big, points + np.r_[rng.uniform(-0.33, 0.33, 2), 0].astype(np.float32), box)
                        for _ in range(8)])
    assert np.ptp(colours[:, 0], axis=0).max() < 0.05


def test_landmark_jitter_ignores_head_motion_and_measures_noise():
    rng = np.random.default_rng(1)
    shape = rng.uniform(-1, 1, (23, 2))
    frames = []
    for i in range(30):  # a head turning, moving and coming closer, smoothly
        angle, scale = 0.02 * i, 1.0 + 0.01 * i
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        frames.append(scale * shape @ rotation.T + (0.05 * i, 0.02 * i))
    frames = np.array(frames)
    assert landmark_jitter(frames) < 0.2  # % interocular: nothing but (nearly linear) rigid motion
    noisy = frames + rng.normal(0, 0.02, frames.shape)  # 2 % of the interocular distance per axis
    assert 1.5 < landmark_jitter(noisy) < 5


def test_embedding_jitter_is_zero_for_a_steady_identity_and_grows_with_wobble():
    rng = np.random.default_rng(2)
    identity = rng.standard_normal(128)
    steady = np.tile(identity / np.linalg.norm(identity), (6, 1))
    wobbly = identity + 0.5 * np.linalg.norm(identity) / np.sqrt(128) * rng.standard_normal((6, 128))
    wobbly /= np.linalg.norm(wobbly, axis=1, keepdims=True)
    assert embedding_jitter(steady) == pytest.approx(0.0, abs=1e-9)
    # two copies with independent noise of half the identity's norm: cosine 1 / (1 + 0.5**2) = 0.8
    assert embedding_jitter(wobbly) == pytest.approx(0.2, abs=0.05)


def test_mouth_detail_drops_when_teeth_are_blurred(talking_face):
    image, landmarks = talking_face
    crop = face_crop(image, landmarks)
    mask = np.zeros(image.shape[:2], bool)
    x0, y0 = crop.origin
    mask[y0:y0 + crop.mouth.shape[0], x0:x0 + crop.mouth.shape[1]] = crop.mouth
    grey_mouth = image.copy()
    grey_mouth[mask] = image[mask].mean(0).astype(np.uint8)  # the interior flattened to one grey
    assert mouth_detail(face_crop(grey_mouth, landmarks), landmarks) < mouth_detail(crop, landmarks) - 1.0
    closed = landmarks.copy()
    closed[14] = closed[13]
    assert np.isnan(mouth_detail(crop, closed))


def test_eye_mismatch_grows_with_a_highlight_in_one_eye_only(talking_face):
    image, landmarks = talking_face
    base = eye_mismatch(face_crop(image, landmarks), landmarks)
    lit = image.copy()
    x, y = landmarks[468, :2] + (landmarks[33, :2] - landmarks[468, :2]) * 0.35  # off-centre in the right eye
    cv2.circle(lit, (int(x), int(y)), 2, (255, 255, 255), -1)
    assert eye_mismatch(face_crop(lit, landmarks), landmarks) > base + 0.5


def _face(yaw: float) -> Face:
    return Face(box=(100, 100, 80, 100), landmarks=np.zeros((478, 3), np.float32), blendshapes={},
                pose=HeadPose(yaw, 0, 0), transform=np.eye(4))


def test_stress_rise_compares_profile_and_occluded_frames_with_frontal_ones():
    assert is_stressed(_face(40), None) and not is_stressed(_face(5), None)
    hand = np.array([[130.0, 150.0]] * 21)
    assert hand_over_face(_face(0), (hand,)) and is_stressed(_face(0), (hand,))
    assert not hand_over_face(_face(0), (hand + 300,))
    stressed = np.array([False] * 10 + [True] * 5)
    assert stress_rise(np.r_[np.ones(10), 3 * np.ones(5)], stressed) == pytest.approx(2.0)
    assert np.isnan(stress_rise(np.ones(12), np.array([False] * 11 + [True])))


def test_fusion_reads_only_the_synthetic_direction_against_genuine_sessions():
    profile = load_profile()
    mouth = profile.stats("deepfake.mouth")
    less, more = mouth.centre - 2 * mouth.spread, mouth.centre + 2 * mouth.spread
    assert deviations({"mouth": more}, profile)["mouth"] == 0.0  # more detail than genuine faces: not suspicious
    assert deviations({"mouth": less}, profile)["mouth"] == pytest.approx(2.0)
    assert fuse({"a": 4.0, "b": 2.0, "c": 0.0}) == pytest.approx(3.0)


def test_flicker_ignores_light_that_dims_face_and_room_alike():
    """Lamps and auto-exposure multiply face and surroundings by the same gain: no flicker. A face
    whose colour wobbles alone (re-estimated colour correction of a swap) flickers."""
    from interview.checks.deepfake.flicker import colour_flicker

    rng = np.random.default_rng(5)
    gain = 1 + 0.1 * rng.standard_normal(60)[:, None]
    lamp = np.stack([np.array([150.0, 110, 90]) * gain, np.array([70.0, 80, 90]) * gain], axis=1)
    assert colour_flicker(lamp) < 0.05
    wobble = lamp.copy()
    wobble[:, 0] = np.array([150.0, 110, 90]) + 3 * rng.standard_normal((60, 3))
    wobble[:, 1] = [70.0, 80, 90]
    assert colour_flicker(wobble) > 3
