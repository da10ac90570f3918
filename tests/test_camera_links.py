"""Camera links and the capture chain, on real media: dev clips filmed by one synthetic sensor
(a fixed pixel-sensitivity pattern, then H.264 CRF 23 as a call recorder would) link under two
names and another sensor does not; MEAD's two clips of one actor (one studio camera) link and
1080p clips of other cameras do not; a rendered clip at an exact 30 fps with no sensor noise is
named a virtual camera and genuine clips are not; an analysis records its camera, `links --json`
shows the link with its chance, and purge and retention take the camera records out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fixtures.camera_noise import through_camera, virtual_camera
from interview.links.camera import CAMERA_THRESHOLD, FACE_MARGIN, FaceArea, SensorNoise, corners
from interview.links.capture import capture_chain
from interview.links.graph import all_links
from interview.links.store import TraitRecord
from interview.media import FileSource, probe
from tests.conftest import dev_file

ONE_SENSOR = ("A_talking_head/vr_face2.mp4", "A_talking_head/st_WDA_KatieHill_000.mp4")
OTHER_SENSOR = "A_talking_head/vr_face3.mp4"
MEAD = ("A_talking_head/sp_MEAD_M003_level_1_disgusted_015.mp4", "A_talking_head/sp_MEAD_M003_level_1_happy_024.mp4")
OTHER_1080P = ("C_deepfake/dfdc_lynaeydofd_real.mp4", "A_talking_head/wg_kim_7s_raw.mp4")  # roop_target: 15 frames, no fingerprint
DATE = "2026-11-30T10:00:00+00:00"


def _sensor(path: Path) -> SensorNoise:
    sensor = SensorNoise()
    for frame in FileSource(probe(path)).frames():
        sensor.update(frame)
    return sensor


def _camera(path: Path, name: str, date: str = DATE) -> TraitRecord:
    return TraitRecord("camera", name, name.lower(), date, None, payload=_sensor(path).fingerprint())


def _linked(records: list[TraitRecord]) -> set[frozenset[str]]:
    return {frozenset((l.a.candidate, l.b.candidate)) for l in all_links(records)}


def test_one_sensor_links_under_two_names_and_another_does_not():
    records = [_camera(through_camera(dev_file(ONE_SENSOR[0]), 1).path, "Una"),
               _camera(through_camera(dev_file(ONE_SENSOR[1]), 1).path, "Vic"),
               _camera(through_camera(dev_file(OTHER_SENSOR), 2).path, "Wes")]
    [link] = all_links(records)
    assert {link.a.candidate, link.b.candidate} == {"Una", "Vic"} and link.kind == "camera"
    assert link.similarity >= CAMERA_THRESHOLD and link.evidence["size"] == "1280x720"
    assert link.evidence["chance"] < 1e-14


def test_one_studio_camera_links_and_other_1080p_cameras_do_not():
    records = [_camera(dev_file(clip), f"mead {i}") for i, clip in enumerate(MEAD)]
    records += [_camera(dev_file(clip), Path(clip).stem) for clip in OTHER_1080P]
    assert all(r.payload["size"] == [1920, 1080] for r in records)
    assert _linked(records) == {frozenset({"mead 0", "mead 1"})}


def test_a_rendered_clip_at_an_exact_rate_is_named_a_virtual_camera():
    rendered = virtual_camera().path
    chain = capture_chain(rendered, _sensor(rendered).noise_level)
    assert chain.even_intervals and chain.measured_fps == 30.0 and (chain.width, chain.height) == (1280, 720)
    assert any(t.startswith("virtual camera or rendered video") for t in chain.traces)
    for genuine in (through_camera(dev_file(ONE_SENSOR[0]), 1).path, dev_file(MEAD[0]), dev_file(OTHER_1080P[0])):
        assert capture_chain(genuine, _sensor(genuine).noise_level).traces == ()


@pytest.mark.usefixtures("models_ready")
def test_analyses_record_their_camera_and_purge_and_retention_take_it_out(tmp_path, capsys, monkeypatch):
    from interview.analyze import analyze_recording
    from interview.cli import main
    from interview.config import FACE_DB_ENV, AnalysisConfig
    from interview.links.store import TraitStore
    from interview.records.retention import purge
    from interview.records.store import Store

    store, face_db = Store(tmp_path / "sessions.db"), str(tmp_path / "faces.sqlite")
    summaries = [analyze_recording(through_camera(dev_file(clip), 1).path, AnalysisConfig(candidate=name, face_db=face_db),
                                   tmp_path / name, store=store) for name, clip in zip(("Una Ode", "Vic Ray"), ONE_SENSOR)]
    assert "camera" in summaries[0]["links"]["traits"]
    assert summaries[1]["capture"]["width"] == 1280 and summaries[1]["capture"]["traces"] == []
    assert [(l["kind"], l["b"]["candidate"]) for l in summaries[1]["links"]["links"]] == [("camera", "Una Ode")]
    assert "Capture chain" in (tmp_path / "Vic Ray" / "report.html").read_text()

    assert main(["links", "--json", "--face-db", face_db]) == 0
    [camera] = [l for l in json.loads(capsys.readouterr().out)["links"] if l["kind"] == "camera"]
    assert camera["similarity"] >= camera["threshold"] == CAMERA_THRESHOLD and camera["evidence"]["chance"] < 1e-14

    monkeypatch.setenv(FACE_DB_ENV, face_db)
    [result] = purge(store, session_id=summaries[0]["session_id"])
    assert any("voice, answer, room and camera records" in d for d in result.deleted)
    traits = TraitStore(face_db)
    assert [r.kind for r in traits.all() if r.kind == "camera"] == ["camera"]  # Vic's is left, linked to no one
    assert not [l for l in all_links(traits.all()) if l.kind == "camera"]
    later = datetime.now(timezone.utc) + timedelta(days=31)
    assert traits.expire(later, 30) >= 1 and traits.all() == []


def test_screen_sizes_and_capture_tools_are_named_and_a_webcam_mode_is_not():
    from interview.links.capture import traces_of

    assert traces_of((1280, 720), True, 0.4, {"stream.encoder": "Lavc59 libx264"}) == ()
    [screen] = traces_of((1366, 768), False, 0.4, {})
    assert "screen's size" in screen
    [tool] = traces_of((1280, 720), False, 0.4, {"container.encoder": "OBS Studio 30.1"})
    assert "OBS Studio" in tool
    [quiet] = traces_of((1280, 720), False, 0.05, {})  # uneven intervals: no sensor noise, not a virtual camera
    assert quiet.startswith("no sensor noise")


def test_face_area_in_the_corner_tiles_is_the_whole_frame_mask_cut_there():
    """The sensor masks faces only where it reads (the corner tiles); what it masks there must be
    what a whole-frame mask of the grown face boxes holds, for faces inside, across and beyond the
    frame's edges."""
    import numpy as np

    from interview.observations import FrameObservation
    from models.outputs import Face, HeadPose

    width, height, tile = 1280, 720, 256
    boxes = [(10, 5, 120, 150), (600, 300, 200, 240), (1200, 650, 150, 120), (-40, 600, 90, 200), (500, -80, 60, 70)]
    faces = tuple(Face(box=tuple(v / 2 for v in b), landmarks=np.zeros((478, 3), np.float32), blendshapes={},
                       pose=HeadPose(0.0, 0.0, 0.0), transform=np.eye(4)) for b in boxes)
    obs = FrameObservation(t=0.0, index=0, width=width // 2, height=height // 2, faces=faces)
    whole = np.zeros((height, width), bool)
    for x, y, w, h in boxes:
        grow = FACE_MARGIN * max(w, h)
        whole[max(0, int(y - grow)):int(y + h + grow), max(0, int(x - grow)):int(x + w + grow)] = True
    masked = corners(FaceArea.of(obs, width, height).region, width, height, tile)
    assert masked.any() and not masked.all()
    assert np.array_equal(masked, corners(lambda x0, y0, x1, y1: whole[y0:y1, x0:x1], width, height, tile))
