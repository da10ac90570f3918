"""Face consistency on real photos and clips: the same-person threshold on held-out identities,
ID photos (documents, bad photos), spans of one person, extra faces and absences, repeat faces."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fixtures.cache import DevMediaMissing, dev_media
from interview.analyze import analyze_recording
from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD, photo_face
from interview.checks.identity.id_photo import read_id_photo
from interview.config import AnalysisConfig
from interview.images import ImageError
from interview.recording import SamplingPolicy
from tests.conftest import dev_file

pytestmark = pytest.mark.usefixtures("models_ready")
FAST = SamplingPolicy(max_fps=5)  # identity samples come every 0.5 s whatever the frame rate


def media(relpath: str):
    try:
        return dev_media(relpath)
    except DevMediaMissing as exc:
        pytest.skip(f"real dev media not available: {exc}")


def identity(summary: dict) -> dict:
    return summary["checks"]["identity"]


def signals(summary: dict) -> list[str]:
    return [f["signal"] for f in identity(summary)["findings"]]


@pytest.fixture(scope="module")
def analyse(tmp_path_factory):
    def run(path, **options) -> tuple[dict, object]:
        out = tmp_path_factory.mktemp("identity")
        options.setdefault("face_db", "off")
        return analyze_recording(path, AnalysisConfig(transcribe=False, **options), out), out
    return run


# -- the threshold --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pairs_and_embeddings():
    from fixtures.identity_pairs import photo_pairs, photo_path

    try:
        pairs = photo_pairs()
    except DevMediaMissing as exc:
        pytest.skip(f"real dev media not available: {exc}")
    names = {p.a for p in pairs} | {p.b for p in pairs}
    return pairs, {name: photo_face(photo_path(name)).embedding for name in names}


def _errors(pairs, embeddings) -> list[tuple[str, str, bool, float]]:
    return [(p.a, p.b, p.same, round(float(embeddings[p.a] @ embeddings[p.b]), 3)) for p in pairs
            if (float(embeddings[p.a] @ embeddings[p.b]) >= SAME_PERSON_THRESHOLD) != p.same]


def test_held_out_identities_are_all_right_at_the_threshold(pairs_and_embeddings):
    """The threshold was chosen on the calibration identities only (bench/identity_roc.py)."""
    from fixtures.identity_pairs import split_by_identity

    pairs, embeddings = pairs_and_embeddings
    _, held_out = split_by_identity(pairs)
    assert sum(p.same for p in held_out) == 6 and sum(not p.same for p in held_out) == 30
    assert _errors(held_out, embeddings) == []


def test_threshold_lies_in_the_calibration_gap(pairs_and_embeddings):
    from fixtures.identity_pairs import split_by_identity

    pairs, embeddings = pairs_and_embeddings
    calibration, _ = split_by_identity(pairs)
    scores = {p: float(embeddings[p.a] @ embeddings[p.b]) for p in calibration}
    highest_different = max(s for p, s in scores.items() if not p.same)
    lowest_same = min(s for p, s in scores.items() if p.same)
    assert highest_different < SAME_PERSON_THRESHOLD < lowest_same
    assert abs(SAME_PERSON_THRESHOLD - (highest_different + lowest_same) / 2) < 0.002  # the gap's centre


def test_match_command_uses_the_threshold(capsys):
    from fixtures.identity_pairs import photo_path
    from interview.cli import main

    try:
        same = (photo_path("df_img1.jpg"), photo_path("df_img2.jpg"))
    except DevMediaMissing as exc:
        pytest.skip(f"real dev media not available: {exc}")
    assert main(["match", *map(str, same)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["same_person"] and result["threshold"] == SAME_PERSON_THRESHOLD


def test_match_command_reads_a_photographed_id_card_like_the_check():
    """The card is 10% of a 4000x3000 photo: its face is found only in tiles, then re-measured."""
    from fixtures.id_documents import id_card_photo
    from fixtures.identity_pairs import photo_path
    from interview.checks.identity.id_photo import match_photos

    card = id_card_photo(photo_path("df_img18.jpg"), 0.1).path
    assert match_photos(card, photo_path("df_img19.jpg")).same_person
    assert not match_photos(card, photo_path("df_img1.jpg")).same_person


# -- ID photos --------------------------------------------------------------------------------------

@pytest.mark.parametrize("share", [0.3, 0.1])
def test_id_card_photos_match_the_same_person_only(share, pairs_and_embeddings):
    """A card spanning 30% (face found directly) or 10% (found in tiles) of a 4000x3000 phone photo."""
    from fixtures.id_documents import id_card_photo
    from fixtures.identity_pairs import photo_path

    _, embeddings = pairs_and_embeddings
    for portrait, twin, stranger in (("df_img1.jpg", "df_img2.jpg", "df_img13.jpg"),
                                     ("df_img13.jpg", "df_img14.jpg", "df_img18.jpg"),
                                     ("df_img18.jpg", "df_img19.jpg", "df_img1.jpg")):
        card = read_id_photo(id_card_photo(photo_path(portrait), share).path)
        assert card.eye_distance_px < 100  # printed small on the card
        assert float(card.face.embedding @ embeddings[twin]) >= SAME_PERSON_THRESHOLD, portrait
        assert float(card.face.embedding @ embeddings[stranger]) < SAME_PERSON_THRESHOLD, portrait


def test_unusable_id_photos_say_why():
    from fixtures.id_documents import card_without_portrait, two_people
    from fixtures.identity_pairs import photo_path

    with pytest.raises(ImageError, match="no face found in the photo"):
        read_id_photo(card_without_portrait().path)
    with pytest.raises(ImageError, match="2 faces of similar size in the photo; use a photo of one person"):
        read_id_photo(two_people(photo_path("df_img1.jpg"), photo_path("df_img13.jpg")).path)


@pytest.mark.parametrize("framing", [0.0, 0.15, 0.7])
def test_plain_portraits_framed_any_way_are_one_face(framing, tmp_path):
    """Every single-person portrait of the dev set, cropped from tight (the face fills the picture)
    to loose and resized to a 1200 px or 2400 px studio square, is read as one face."""
    import cv2

    for n in range(1, 26):
        source = dev_file(f"B_identity/df_img{n}.jpg")
        x, y, w, h = photo_face(source).box
        side = max(w, h) * (1 + 2 * framing)
        image = cv2.imread(str(source))
        top, left = int(max(0, y + h / 2 - side / 2)), int(max(0, x + w / 2 - side / 2))
        crop = image[top:int(y + h / 2 + side / 2), left:int(x + w / 2 + side / 2)]
        for size in (1200, 2400):
            path = tmp_path / f"portrait_{n}_{size}.jpg"
            cv2.imwrite(str(path), cv2.resize(crop, (size, size)))
            assert read_id_photo(path).face is not None, path.name


def test_the_same_face_detected_twice_is_one_face_and_a_second_person_is_not():
    from interview.checks.identity.face_match import the_one_face
    from models.outputs import FaceIdentity

    def face(x, y, w, h):
        return FaceIdentity((x, y, w, h), np.zeros((5, 2)), 0.9, np.zeros(128, np.float32))

    head, part = face(100, 100, 600, 700), face(150, 150, 500, 560)  # most of the face, boxed again inside it
    assert the_one_face("p.jpg", [part, head]) is head
    ghost = face(800, 500, 120, 140)  # the small second portrait printed on many ID cards
    assert the_one_face("p.jpg", [head, ghost]) is head
    with pytest.raises(ImageError, match="2 faces of similar size"):
        the_one_face("p.jpg", [head, face(750, 120, 560, 650)])


def test_small_or_blurred_faces_are_named(tmp_path):
    import cv2

    from fixtures.identity_pairs import photo_path

    image = cv2.imread(str(photo_path("df_img1.jpg")))
    face = read_id_photo(photo_path("df_img1.jpg"))
    assert face.warnings == ()
    scale = 12 / face.eye_distance_px
    cv2.imwrite(str(tmp_path / "small.jpg"), cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    cv2.imwrite(str(tmp_path / "blurred.jpg"), cv2.GaussianBlur(image, (0, 0), 3 * face.face.box[3] / 112))
    assert any(w.startswith("face too small") for w in read_id_photo(tmp_path / "small.jpg").warnings)
    assert any(w.startswith("face blurred") for w in read_id_photo(tmp_path / "blurred.jpg").warnings)


def test_an_unusable_id_photo_is_a_finding_not_a_crash(analyse):
    from fixtures.id_documents import two_people
    from fixtures.identity_pairs import photo_path

    photo = two_people(photo_path("df_img1.jpg"), photo_path("df_img13.jpg")).path
    summary, _ = analyse(media("A_talking_head/vr_face2.mp4"), policy=FAST, id_photo=photo)
    finding = identity(summary)["findings"][0]
    assert finding["signal"] == "id_photo" and "2 faces of similar size" in finding["reason"]
    assert summary["measurements"]["id_similarity"] is None
    assert summary["measurements"]["identity_segments"][0]["person"] == 1  # continuity still ran


# -- one video, several people ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def registry_db(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("registry") / "faces.sqlite")


@pytest.fixture(scope="module")
def splice_run(analyse, registry_db):
    """vr_face2 (a man) then vr_face3 (a woman), checked against an ID card made from a still of the man."""
    from fixtures.generate import splice_people
    from fixtures.id_documents import id_card_photo, video_still

    man, woman = media("A_talking_head/vr_face2.mp4"), media("A_talking_head/vr_face3.mp4")
    fixture = splice_people(man, woman)
    card = id_card_photo(video_still(man, 1.0).path, 0.3).path
    summary, out = analyse(fixture.path, id_photo=card, candidate="Alice", face_db=registry_db)
    return summary, out, fixture.truth


def test_spliced_people_are_two_segments_split_at_the_true_boundary(splice_run):
    summary, out, truth = splice_run
    segments = summary["measurements"]["identity_segments"]
    assert [s["person"] for s in segments] == [1, 2]
    assert abs(segments[1]["start"] - truth["boundary_s"]) <= 1.0
    change = [f for f in identity(summary)["findings"] if f["signal"] == "identity_change"]
    assert len(change) == 1 and abs(change[0]["t0"] - truth["boundary_s"]) <= 1.0
    assert change[0]["reason"].startswith(f"A different person appears from {segments[1]['start']:.1f} s")
    assert (out / change[0]["frame"]).is_file()
    assert identity(summary)["status"] == "alert"


def test_id_photo_matches_the_first_person_only(splice_run):
    summary, _, _ = splice_run
    first, second = summary["measurements"]["identity_segments"]
    assert first["id_similarity"] >= SAME_PERSON_THRESHOLD > second["id_similarity"]
    mismatch = [f for f in identity(summary)["findings"] if f["signal"] == "id_match"]
    assert len(mismatch) == 1 and mismatch[0]["reason"].startswith("Person 2")
    share = summary["measurements"]["id_match_share"]
    assert 0.3 < share < 0.7  # the man fills about half of the call
    timeline = np.array(summary["measurements"]["id_similarity_timeline"])
    assert timeline[timeline[:, 0] < first["end"], 1].min() >= SAME_PERSON_THRESHOLD


def test_a_turning_head_stays_one_person(analyse):
    summary, _ = analyse(media("D_presentation_attack/tv_real.mp4"), policy=FAST)
    assert [s["person"] for s in summary["measurements"]["identity_segments"]] == [1]
    assert identity(summary)["status"] == "ok"
    assert identity(summary)["coverage"] > 0.6  # frames with the head far up or down are not assessed


def test_extra_faces_and_absences_are_spans_with_frames(analyse):
    from fixtures.face_count import extra_face_then_absence

    fixture = extra_face_then_absence(media("A_talking_head/vr_face2.mp4"), media("A_talking_head/vr_face3.mp4"))
    summary, out = analyse(fixture.path)
    by_signal = {f["signal"]: f for f in identity(summary)["findings"]}
    assert set(by_signal) == {"extra_faces", "no_face"}
    # Within 0.25 s: the second face (a quarter of the picture's width) is picked up by the landmarker's
    # detector a few frames after it appears (0.18 s here), or by YuNet on its once-a-second cadence.
    for signal, (t0, t1) in (("extra_faces", fixture.truth["extra_face_s"]), ("no_face", fixture.truth["no_face_s"])):
        assert abs(by_signal[signal]["t0"] - t0) < 0.25 and abs(by_signal[signal]["t1"] - t1) < 0.25, signal
        assert (out / by_signal[signal]["frame"]).is_file()
    assert by_signal["extra_faces"]["reason"].startswith("2 faces are visible")
    assert summary["measurements"]["max_faces"] == 2
    assert identity(summary)["status"] == "review"



def test_a_second_person_in_a_wide_shot_is_reported_while_the_small_face_is_followed(analyse):
    """A wide shot: the candidate's face is too small for the whole-frame landmarker, so perception
    follows it on a zoomed crop and only the detector's looks (once a second) see the rest of the
    frame. Someone standing far to the side for 6 s is one span, at most about a look late (the
    looks' single frames made no span before: nothing was reported), and the check asks for
    review though no face is large enough to identify."""
    from fixtures.face_count import wide_shot_with_a_second_person

    fixture = wide_shot_with_a_second_person(media("A_talking_head/vr_face2.mp4"), media("A_talking_head/vr_face3.mp4"))
    summary, out = analyse(fixture.path)
    extra = [f for f in identity(summary)["findings"] if f["signal"] == "extra_faces"]
    assert len(extra) == 1, identity(summary)["findings"]
    t0, t1 = fixture.truth["extra_face_s"]
    look = SamplingPolicy().embed_every_s
    assert t0 <= extra[0]["t0"] <= t0 + 2 * look and abs(extra[0]["t1"] - t1) <= look, extra[0]
    assert (out / extra[0]["frame"]).is_file()
    assert summary["measurements"]["max_faces"] == 2
    assert identity(summary)["status"] == "review"


def test_a_meeting_recordings_gallery_view_is_analysed_on_the_candidates_tile(analyse):
    """A two-person call recorded in gallery view: analysed whole, the interviewer's tile is a
    second face all call, review for an honest candidate. With the candidate's tile as the region
    (`analyze --region`) there is one face, no identity finding, no check above ok, and the lips
    are measured against the voice."""
    from fixtures.face_count import meeting_gallery

    fixture = meeting_gallery(media("A_talking_head/vr_face2.mp4"), media("A_talking_head/st_WDA_KatieHill_000.mp4"))
    whole, _ = analyse(fixture.path)
    assert [f["signal"] for f in identity(whole)["findings"]] == ["extra_faces"]
    assert whole["measurements"]["max_faces"] == 2
    tile, _ = analyse(fixture.path, policy=SamplingPolicy(region=tuple(fixture.truth["candidate_tile"])))
    assert tile["sampling"]["region"] == fixture.truth["candidate_tile"]
    assert tile["measurements"]["max_faces"] == 1 and identity(tile)["findings"] == []
    assert {name: check["status"] for name, check in tile["checks"].items()} == dict.fromkeys(tile["checks"], "ok")
    lips = next(s for s in tile["checks"]["relay"]["signals"] if s["name"] == "lip_sync")
    assert lips["value"] is not None

# -- repeat faces across analyses (same registry as splice_run, which stored Alice's two people) ------

@pytest.fixture(scope="module")
def second_round(analyse, registry_db, splice_run):
    return analyse(media("A_talking_head/vr_face2.mp4"), policy=FAST, candidate="alice", face_db=registry_db)[0]


@pytest.fixture(scope="module")
def other_name(analyse, registry_db, second_round):
    return analyse(media("A_talking_head/vr_face2.mp4"), policy=FAST, candidate="Bob", face_db=registry_db)[0]


def test_same_person_same_name_in_a_second_round_is_not_an_alert(second_round):
    registry = second_round["measurements"]["face_registry"]
    assert registry["earlier_rounds"] == 1 and registry["repeats"] == []
    assert "repeat_face" not in signals(second_round)
    assert identity(second_round)["status"] == "ok"


def test_the_same_video_under_another_name_is_a_repeat_face(other_name):
    repeats = [f for f in identity(other_name)["findings"] if f["signal"] == "repeat_face"]
    assert {r["reason"].split("'")[1] for r in repeats} == {"Alice", "alice"}
    assert all("the same person under another name" in r["reason"] for r in repeats)
    assert identity(other_name)["status"] == "alert"


def test_a_mistyped_id_photo_path_stops_before_the_analysis(tmp_path, capsys):
    from interview.cli import main

    missing = tmp_path / "id-scan.jpg"
    assert main(["analyze", str(dev_file("A_talking_head/vr_face2.mp4")), "--id-photo", str(missing),
                 "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == f"interview-verify: error: {missing}: file not found"
    assert not (tmp_path / "out").exists()


def test_a_face_found_twice_counts_once_and_a_bystander_counts():
    """Built observations: the candidate's face, the same face boxed again inside it (the
    landmarker found a bystander's face twice on a bench variant and the check said "3 faces"
    for two people), and a smaller face behind."""
    from interview.observations import FrameObservation
    from models.outputs import Face, FaceIdentity, HeadPose

    def face(box):
        return Face(box, np.zeros((478, 3), np.float32), {}, HeadPose(0.0, 0.0, 0.0), np.eye(4))

    def detected(box):
        return FaceIdentity(box, np.zeros((5, 2)), 0.9, np.ones(128) / np.sqrt(128))

    candidate, again, bystander = (200, 100, 200, 240), (230, 140, 120, 150), (40, 60, 60, 70)
    alone = FrameObservation(0.0, 0, 640, 480, (face(candidate), face(again)), (detected(candidate),))
    assert alone.face_count == 1
    two = FrameObservation(0.0, 0, 640, 480, (face(candidate), face(again), face(bystander), face(bystander)),
                           (detected(candidate), detected(bystander)))
    assert two.face_count == 2
    side_by_side = FrameObservation(0.0, 0, 640, 480, (face(candidate), face((420, 100, 200, 240))), None)
    assert side_by_side.face_count == 2


def test_while_zoomed_a_face_the_detector_saw_on_one_look_only_is_not_reported():
    """Built observations of a zoomed wide shot (one face landmarked, the detector looking once a
    second): a second face on one look is a detector's flicker and makes no span; on two looks
    in a row it stands until the next look and is reported from the second look on."""
    from interview.checks.base import SessionContext, SessionInputs
    from interview.checks.identity.check import IdentityCheck
    from interview.observations import AudioAnalysis, Frame, FrameObservation
    from interview.recording import MediaInfo
    from models.outputs import Face, FaceIdentity, HeadPose

    candidate, other = (200.0, 150.0, 30.0, 36.0), (520.0, 80.0, 24.0, 30.0)
    landmarked = Face(candidate, np.zeros((478, 3), np.float32), {}, HeadPose(0.0, 0.0, 0.0), np.eye(4))

    def run(looks_with_other: set[int]) -> list:
        check = IdentityCheck(AnalysisConfig(face_db="off"), SessionInputs())
        image = np.zeros((360, 640, 3), np.uint8)
        for i in range(15 * 10):
            t, look = i / 15, i // 15 if i % 15 == 0 else None
            identities = None if look is None else tuple(
                FaceIdentity(box, np.zeros((5, 2)), 0.9, np.ones(128) / np.sqrt(128))
                for box in ((candidate, other) if look in looks_with_other else (candidate,)))
            check.update(FrameObservation(t, i, 640, 360, (landmarked,), identities, whole_frame=False),
                         Frame(t, i, image))
        media = MediaInfo(Path("wide.mp4"), 10.0, 640, 360, 15.0, True, False, "")
        silence = AudioAnalysis(duration=10.0, sample_rate=16_000, speech=(), transcript=())
        result = check.assess(SessionContext(media=media, audio=silence, analysed_frames=150))
        return [(f.t0, f.t1) for f in result.findings if f.signal == "extra_faces"]

    assert run({4}) == []
    assert run({4, 5, 6}) == [(5.0, 7.0)]
