"""Purge that purges. A recording reviewed through the app and opened in the sign-off tab (which
puts copies of its report and frames in Gradio's cache): after `interview-verify purge --session`
in another process, no file under the data dir or the system temp folder holds its upload, ID
photo, evidence frames or original reports, and its face embeddings are gone. And per face-store
backend (SQLite, pgvector on a real PostgreSQL, Qdrant's local mode): purge forgets the faces in
the store the analysis wrote to, whatever the store configured now."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from interview.config import AnalysisConfig
from interview.records import audit
from interview.records.face_registry import FaceRecord, FaceRegistry, QueryFace
from interview.records.retention import APP_CACHE, purge
from interview.records.store import Store
from models.hashing import file_sha256
from tests.conftest import dev_file

CLIP = "A_talking_head/vr_face2.mp4"
OTHER_FACE = "B_identity/df_img1.jpg"  # not the speaker: the identity check leaves an evidence frame


def files_holding(roots: list[Path], hashes: set[str], skip: list[Path]) -> list[Path]:
    """Every file under `roots` (not under `skip`) whose bytes hash to one of `hashes`."""
    found = []
    for root in roots:
        for folder, subfolders, names in os.walk(root):
            if any(Path(folder).is_relative_to(s) for s in skip):
                subfolders.clear()
                continue
            for name in names:
                path = Path(folder, name)
                try:
                    if path.is_file() and not path.is_symlink() and file_sha256(path) in hashes:
                        found.append(path)
                except OSError:  # gone meanwhile, or not ours to read
                    continue
    return found


@pytest.fixture(scope="module")
def reviewed(models_ready, tmp_path_factory):
    """A recording reviewed through the API, then opened in the sign-off tab. The clip gets a small
    box of a random colour, and so does the ID photo (other analyses of the public clip elsewhere in the temp folder would
    otherwise hold byte-identical evidence frames)."""
    from gradio_client import Client, handle_file

    from tests.ui_server import queue_events, running_app, signoff_events

    root = tmp_path_factory.mktemp("purge")
    video = root / "inputs" / "interview.mp4"
    video.parent.mkdir()
    colour = os.urandom(3).hex()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(dev_file(CLIP)), "-vf",
                    f"drawbox=x=4:y=4:w=12:h=12:color=0x{colour}:t=fill", "-c:a", "copy", str(video)], check=True)
    photo = root / "inputs" / "id.jpg"
    portrait = Image.open(dev_file(OTHER_FACE)).convert("RGB")
    portrait.paste(tuple(os.urandom(3)), (0, 0, 12, 12))  # its face crop must be this test's own too
    portrait.save(photo, quality=95)
    with running_app(root) as app:
        client = Client(app.url, verbose=False, download_files=False)
        summary = client.predict(handle_file(str(video)), handle_file(str(photo)), "Pat Purge",
                                 api_name="/analyze_recording")
        queue_events(app.url, signoff_events(app.url, summary["session_id"], ()))
        yield app, summary, root, {file_sha256(video), file_sha256(photo)}


def test_purge_leaves_no_copy_in_the_data_dir_or_temp_folder(reviewed):
    app, summary, root, inputs = reviewed
    store = Store(app.db_path)
    record = store.get_session(summary["session_id"])
    evidence = {r.sha256 for r in record.reports if r.name.startswith("evidence/")}
    reports = {r.sha256 for r in record.reports if r.name in ("report.html", "report.pdf")}
    assert evidence and len(reports) == 2 and inputs <= {file_sha256(p) for p in (app.data_dir / "uploads").iterdir()}
    photo = summary["measurements"]["id_photo"]["path"]
    assert {Path(summary["input"]["path"]).parent, Path(photo).parent} == {app.data_dir / "uploads"}, "no temp paths"
    cache = app.data_dir / APP_CACHE
    assert files_holding([cache], reports | evidence, []), "opening the session put report copies in the cache"
    analysis = summary["measurements"]["face_registry"]["analysis"]
    assert summary["measurements"]["face_registry"]["store"] == {"backend": "sqlite",
                                                                 "location": str(root / "faces.sqlite")}

    env = {k: v for k, v in os.environ.items() if k != "GRADIO_TEMP_DIR"}  # as an operator's cron job runs it
    env["INTERVIEW_VERIFY_FACE_DB"] = str(root / "elsewhere.sqlite")  # not where the analysis wrote
    done = subprocess.run([sys.executable, "-m", "interview.cli", "purge", "--session", summary["session_id"],
                           "--db", str(app.db_path)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    left = files_holding([app.data_dir, Path(tempfile.gettempdir())], inputs | evidence | reports,
                         skip=[root / "inputs"])
    assert left == [], left
    assert not any(cache.iterdir())
    registry = FaceRegistry(str(root / "faces.sqlite"))
    assert not [s for s in registry.store.all() if FaceRecord.from_name(s.name).analysis == analysis]
    registry.close()
    assert audit.verify(store).ok


def stored_with_faces(tmp_path: Path, registry: FaceRegistry) -> tuple[Store, str, str]:
    """A stored session whose summary says it left two faces in `registry` (a stranger's stays)."""
    rng = np.random.default_rng(3)
    faces = [QueryFace("call", 1, v / np.linalg.norm(v)) for v in rng.normal(size=(3, 128)).astype(np.float32)]
    registry.check_and_remember("Stranger", faces[2:])
    report = registry.check_and_remember("Pat", faces[:2])
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    summary = {"session_id": f"s{tmp_path.name[-10:]}", "overall": {"status": "ok", "risk": 0.0, "headline": "ok"},
               "measurements": {"face_registry": report.to_dict()}}
    store = Store(tmp_path / "sessions.db")
    store.record_session(summary, out)
    shutil.rmtree(out)  # no report to redact: the faces are what this is about
    return store, summary["session_id"], report.analysis


def analyses(registry: FaceRegistry) -> list[str]:
    return sorted(FaceRecord.from_name(s.name).analysis for s in registry.store.all())


def purge_forgets_where_it_wrote(tmp_path: Path, location: str, backend: str, monkeypatch) -> None:
    registry = FaceRegistry(location, backend)
    store, session_id, analysis = stored_with_faces(tmp_path, registry)
    assert analyses(registry).count(analysis) == 2
    registry.close()  # Qdrant's local mode allows one client per folder
    monkeypatch.setenv("INTERVIEW_VERIFY_FACE_DB", str(tmp_path / "configured-now.sqlite"))
    [result] = purge(store, session_id=session_id)
    assert "2 face embeddings" in result.deleted
    registry = FaceRegistry(location, backend)
    remaining = analyses(registry)
    registry.close()
    assert analysis not in remaining and len(remaining) == 1, "only the stranger's face is left"
    assert AnalysisConfig().face_db.endswith("configured-now.sqlite")


def test_purge_forgets_faces_on_sqlite(tmp_path, monkeypatch, models_ready):
    purge_forgets_where_it_wrote(tmp_path, str(tmp_path / "faces.sqlite"), "auto", monkeypatch)


def test_purge_forgets_faces_on_qdrant_local_mode(tmp_path, monkeypatch, models_ready):
    pytest.importorskip("qdrant_client", reason="qdrant-client not installed")
    purge_forgets_where_it_wrote(tmp_path, f"qdrant:{tmp_path / 'qdrant'}", "auto", monkeypatch)


def test_purge_forgets_faces_on_pgvector(tmp_path, monkeypatch, models_ready):
    pgserver = pytest.importorskip("pgserver", reason="pgserver (PostgreSQL + pgvector in a wheel) not installed")
    pytest.importorskip("pgvector.psycopg", reason="pgvector/psycopg not installed")
    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    try:
        purge_forgets_where_it_wrote(tmp_path, server.get_uri(), "auto", monkeypatch)
    finally:
        server.cleanup()
        shutil.rmtree(tmp_path / "pg", ignore_errors=True)
