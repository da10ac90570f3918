"""Perception records checked against generated ground truth: a frozen span freezes the landmarks,
a picture without a face yields no face, embeddings follow their cadence and mark the face change."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fixtures.generate import freeze_frames, splice_people, synthetic_clip
from interview.face_landmarks import STRESS_POSE
from interview.media import FileSource, probe
from interview.perception import Perceiver, Zoom, embedding_due
from interview.recording import SamplingPolicy
from models.outputs import Face, HeadPose
from tests.conftest import dev_file


def observe_all(path, policy=SamplingPolicy()):
    perceiver = Perceiver(policy)
    try:
        return [perceiver.observe(frame) for frame in FileSource(probe(path), policy).frames()]
    finally:
        perceiver.close()


@pytest.fixture(scope="module")
def frozen(models_ready):
    fixture = freeze_frames(dev_file("A_talking_head/vr_face2.mp4"), 1.0, 3.0)
    return fixture.truth, observe_all(fixture.path, SamplingPolicy(max_fps=25.0))


def test_landmarks_stand_still_exactly_where_the_video_was_frozen(frozen):
    truth, observations = frozen
    assert all(len(o.faces) == 1 for o in observations)
    steps = [(b.t, float(np.abs(b.faces[0].landmarks[:, :2] - a.faces[0].landmarks[:, :2]).max()))
             for a, b in zip(observations, observations[1:])]
    inside = [move for t, move in steps if truth["start_s"] + 0.05 < t < truth["end_s"] - 0.01]
    outside = [move for t, move in steps if t < truth["start_s"] - 0.01 or t > truth["end_s"] + 0.05]
    assert len(inside) >= 45 and max(inside) < 0.5, "identical frames give identical landmarks"
    assert np.median(outside) > 1.0, "a talking head moves by more than a pixel a frame"


def test_observation_times_and_sizes_follow_the_source(frozen):
    _, observations = frozen
    times = [o.t for o in observations]
    assert times == sorted(times) and times[0] == 0.0
    assert np.diff(times) == pytest.approx(0.04, abs=1e-3), "every 25 fps frame analysed at max_fps=25"
    assert (observations[0].width, observations[0].height) == (640, 640), "844 px scaled to max_side 640"


def test_embeddings_run_on_their_cadence(frozen):
    _, observations = frozen
    embedded = [o.t for o in observations if o.identities is not None]
    first = SamplingPolicy().reference_embeddings
    assert np.diff(embedded[:first]) == pytest.approx(0.52, abs=0.05), "the session's first: every 0.5 s, on the next frame"
    assert np.diff(embedded[first - 1:]) == pytest.approx(1.0, abs=0.05), "then once a second (25 frames at 25 fps)"
    assert all(len(o.identities) == 1 for o in observations if o.identities is not None)


def test_embeddings_come_twice_as_often_while_the_head_is_turned(models_ready):
    """tv_real: a man turns to about 44 degrees and back. After the session's first embeddings, those
    taken with his face turned past STRESS_POSE's yaw follow the previous one by 0.5 s, the frontal
    ones by 1 s."""
    policy = SamplingPolicy()
    observations = observe_all(dev_file("D_presentation_attack/tv_real.mp4"), policy)
    frame_s = float(np.median(np.diff([o.t for o in observations])))
    embedded = [o for o in observations if o.identities is not None and o.faces][policy.reference_embeddings:]
    gaps = [(abs(b.faces[0].pose.yaw) >= STRESS_POSE.yaw, b.t - a.t) for a, b in zip(embedded, embedded[1:])
            if len(a.faces) == len(b.faces)]
    turned = [gap for is_turned, gap in gaps if is_turned]
    frontal = [gap for is_turned, gap in gaps if not is_turned]
    assert len(turned) >= 2 and frontal, "the clip shows both"
    assert max(turned) <= policy.embed_turned_every_s + frame_s + 1e-6
    assert min(frontal) >= policy.embed_turned_every_s - 1e-6
    assert max(frontal) <= policy.embed_every_s + frame_s + 1e-6
    assert np.median(frontal) == pytest.approx(policy.embed_every_s, abs=frame_s + 1e-6)


def test_a_watched_turn_and_a_new_face_make_an_embedding_due():
    """The cadence's other rules, on faces the landmarker could give: while a requested turn is
    watched, for the session's first embeddings and while no face is seen, the turned cadence holds;
    a change in the number of faces makes an embedding due at once."""
    policy = SamplingPolicy()

    def face(yaw: float, x: float = 0.0):
        return Face(box=(x, 0.0, 100.0, 100.0), landmarks=np.zeros((478, 3), np.float32), blendshapes={},
                    pose=HeadPose(yaw, 0.0, 0.0), transform=np.eye(4))

    frontal, turned = (face(5.0),), (face(STRESS_POSE.yaw + 1),)
    half, later = policy.embed_turned_every_s, policy.reference_embeddings
    assert not embedding_due(policy, 10.0 + half, 10.0, frontal, 1, later)
    assert embedding_due(policy, 10.0 + half, 10.0, turned, 1, later)
    assert embedding_due(policy, 10.0 + half, 10.0, frontal, 1, later, watching_turn=True)
    assert not embedding_due(policy, 10.0 + half / 2, 10.0, frontal, 1, later, watching_turn=True)
    assert embedding_due(policy, 10.0 + half, 10.0, frontal, 1, later - 1), "the session's first: the turned cadence"
    assert embedding_due(policy, 10.0 + half, 10.0, (), 0, later), "no face: YuNet looks for a small one as often"
    assert embedding_due(policy, 10.0 + policy.embed_every_s, 10.0, frontal, 1, later)
    assert embedding_due(policy, 10.01, 10.0, (face(5.0), face(5.0, x=300.0)), 1, later), "a second face: at once"


def test_no_face_in_a_test_pattern(models_ready):
    observations = observe_all(synthetic_clip("mp4", with_audio=False).path)
    assert observations and all(o.faces == () for o in observations)
    assert all(o.identities in (None, ()) for o in observations)


def test_embedding_changes_at_the_splice_between_two_people(models_ready):
    fixture = splice_people(dev_file("A_talking_head/vr_face2.mp4"), dev_file("A_talking_head/vr_face3.mp4"))
    samples = [(o.t, o.identities[0].embedding) for o in observe_all(fixture.path) if o.identities]
    boundary = fixture.truth["boundary_s"]
    first = [e for t, e in samples if t < boundary - 0.5]
    second = [e for t, e in samples if t > boundary + 0.5]
    within = min(float(a @ b) for group in (first, second) for a in group for b in group)
    across = max(float(a @ b) for a in first for b in second)
    assert within > 0.5 > 0.3 > across



def test_native_landmarks_read_as_the_tasks_wrapper_reads_them(models_ready, monkeypatch):
    """The landmarker reads MediaPipe's native result into numpy itself (the wrapper's per-point
    objects cost ~2.5 ms a frame): same points, blendshapes and transform as the wrapper gives, for
    every face of frames with two people side by side."""
    from mediapipe.tasks.python.vision.face_landmarker import FaceLandmarkerResult

    from models import face_landmarker

    faces_seen = []
    ours = face_landmarker.read_result

    def both(result):
        faces, theirs = ours(result), FaceLandmarkerResult.from_ctypes(result)
        assert len(faces) == len(theirs.face_landmarks)
        for face, points, shapes, matrix in zip(faces, theirs.face_landmarks, theirs.face_blendshapes,
                                                theirs.facial_transformation_matrixes, strict=True):
            assert face.points.tolist() == [[p.x, p.y, p.z] for p in points]
            assert face.blendshapes == {c.category_name: c.score for c in shapes}
            assert np.array_equal(face.matrix, matrix)
        faces_seen.append(len(faces))
        return faces

    monkeypatch.setattr(face_landmarker, "read_result", both)
    policy = SamplingPolicy(max_fps=5.0, max_side=320)
    left = FileSource(probe(dev_file("A_talking_head/vr_face2.mp4")), policy).frames()
    right = FileSource(probe(dev_file("A_talking_head/vr_face3.mp4")), policy).frames()
    with face_landmarker.MediaPipeFaceLandmarker() as landmarker:
        for a, b in zip(left, right):
            height = min(a.image.shape[0], b.image.shape[0])
            landmarker.detect(np.hstack([a.image[:height], b.image[:height]]), a.t)
    assert len(faces_seen) >= 10 and faces_seen.count(2) >= 0.8 * len(faces_seen)


class _Misses:
    """The real landmarker on the whole frame, except that at the times in `miss` it finds nothing
    (as under a passing hand), or only what `instead` makes of what it found; it records the time
    of every frame it was given."""

    def __init__(self, miss, instead=lambda t, found: []):
        from models.face_landmarker import MediaPipeFaceLandmarker

        self._inner = MediaPipeFaceLandmarker()
        self._miss, self._instead = miss, instead
        self.calls: list[float] = []

    def detect(self, image, t):
        self.calls.append(t)
        found = self._inner.detect(image, t)
        return self._instead(t, found) if self._miss(t) else found

    def close(self):
        self._inner.close()


class _CountingEmbedder:
    def __init__(self):
        from models.face_identity import shared_identifier

        self._inner = shared_identifier()
        self.calls = 0

    def identify(self, bgr):
        self.calls += 1
        return self._inner.identify(bgr)


def _observe_with(frames, landmarker, embedder=None):
    perceiver = Perceiver(SamplingPolicy(), landmarker=landmarker, embedder=embedder)
    zoomed = []
    try:
        observations = []
        for frame in frames:
            observations.append(perceiver.observe(frame))
            zoomed.append(perceiver._zoom.active)
        return observations, zoomed
    finally:
        perceiver.close()


@pytest.fixture(scope="module")
def large_face_frames(models_ready):
    """vr_face2 (real, frontal): its face is ~200 px wide in the analysed picture."""
    return list(FileSource(probe(dev_file("A_talking_head/vr_face2.mp4")), SamplingPolicy()).frames())


def test_a_large_face_missed_once_goes_back_to_the_landmarker(large_face_frames):
    """The landmarker misses one frame: YuNet finds the face there, the zoom landmarks it on that
    frame, and the whole-frame landmarker has it again from the next frame (on the old code the zoom
    kept it for the rest of the clip)."""
    frames = large_face_frames
    miss_t = frames[20].t
    landmarker = _Misses(lambda t: abs(t - miss_t) < 1e-6)
    observations, zoomed = _observe_with(frames, landmarker)
    assert all(len(o.faces) == 1 for o in observations), "the missed frame still has its face, from the zoom"
    assert observations[20].identities, "the miss made YuNet look at once"
    assert max(observations[20].faces[0].box[2:]) * Zoom.CONTEXT >= Zoom.SIDE_PX, "a face the zoom would hand back"
    assert landmarker.calls == [f.t for f in frames], "every frame, including the one after the miss, was the landmarker's"
    assert zoomed.index(True) == 20 and zoomed.count(True) == 1, "the zoom followed it on that frame only"


def test_a_large_face_only_the_zoom_sees_stays_zoomed_and_is_retried_once_a_second(large_face_frames):
    """The landmarker misses the face from frame 20 on (as it might a face on a phone screen): the
    zoom keeps following it, and hands it back only on trial, once every HAND_BACK_RETRY_S, without
    YuNet re-running every frame (the reverted first attempt did both every frame)."""

    frames = large_face_frames
    blind_from = frames[20].t
    landmarker = _Misses(lambda t: t >= blind_from)
    embedder = _CountingEmbedder()
    observations, zoomed = _observe_with(frames, landmarker, embedder)
    after = [f.t for f in frames if f.t > blind_from]
    span_s = after[-1] - after[0]
    assert all(len(o.faces) == 1 for o in observations[21:]), "the zoom shows the face on every frame"
    assert all(zoomed[21:])
    blind_looks = [t for t in landmarker.calls if t > blind_from]
    assert span_s / Zoom.HAND_BACK_RETRY_S - 1 <= len(blind_looks) <= span_s / Zoom.HAND_BACK_RETRY_S + 2
    assert embedder.calls <= len(frames) * SamplingPolicy().embed_every_s / 3, "YuNet on its cadence, not every frame"


def test_a_face_the_landmarker_finds_elsewhere_does_not_end_the_zoom(large_face_frames):
    """From frame 20 the whole-frame landmarker misses the face (the zoom takes it), and from
    frame 25 finds only someone else, far to its side: the zoom keeps following the face it had
    (letting go would leave the person without landmarks while the other face stays in view)."""
    frames = large_face_frames
    blind_from, other_from = frames[20].t, frames[25].t
    width = frames[0].image.shape[1]

    def someone_else_from_25(t, found):
        shift = np.array([width / 2, 0, 0], np.float32)
        return [replace(f, box=(f.box[0] + width / 2, *f.box[1:]), landmarks=f.landmarks + shift)
                for f in found if t >= other_from]

    landmarker = _Misses(lambda t: t >= blind_from, instead=someone_else_from_25)
    observations, zoomed = _observe_with(frames, landmarker)
    truth = observations[19].faces[0].box
    for o in observations[21:]:
        (x, y, w, h), = [f.box for f in o.faces]
        assert abs(x + w / 2 - (truth[0] + truth[2] / 2)) < truth[2] / 2, "the followed person, not the other face"
    assert all(zoomed[21:])
    assert len([t for t in landmarker.calls if t > blind_from]) < len(frames[21:]) / 5, "trials, not every frame"


def test_a_small_face_stays_with_the_zoom(models_ready):
    """The live selfie video shown small in a 1280x720 frame (a quarter of its height): the zoom
    follows the face and never hands it back (the crop shows it larger than the analysed picture)."""
    from fixtures.liveness_media import small_in_frame

    path = small_in_frame(dev_file("D_presentation_attack/tv_real.mp4"), height_share=0.25).path
    frames = list(FileSource(probe(path), SamplingPolicy()).frames())
    landmarker = _Misses(lambda t: False)
    observations, zoomed = _observe_with(frames, landmarker)
    seen = sum(bool(o.faces) for o in observations)
    assert seen > 0.8 * len(frames) and sum(zoomed) > 0.8 * seen
    kept_zoomed = [frame.t for frame, before, after in zip(frames[1:], zoomed, zoomed[1:]) if before and after]
    assert len(kept_zoomed) > 0.7 * len(frames)
    assert not set(kept_zoomed) & set(landmarker.calls), "no hand-back trial while the face is followed"
