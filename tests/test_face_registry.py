"""The face registry on deepface's datastore, with real SFace embeddings of dev-media/B_identity
photos: one face under two names, another face under one name, retention, consent, and the same
flow on a real PostgreSQL + pgvector server (pgserver) when it is installed."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from interview.config import AnalysisConfig
from interview.records.face_registry import FaceRecord, FaceRegistry, QueryFace, resolve_backend, same_candidate
from models.deepface_store import DeepfaceStore, StoreError

pytestmark = pytest.mark.usefixtures("models_ready")


@pytest.fixture(scope="module")
def faces() -> dict[str, np.ndarray]:
    """Embeddings of three photos: img1 and img2 show the same man, img13 someone else."""
    from fixtures.identity_pairs import photo_path
    from interview.checks.identity.face_match import photo_face

    names = {"man": "df_img1.jpg", "man_again": "df_img2.jpg", "other": "df_img13.jpg"}
    try:
        return {key: photo_face(photo_path(name)).embedding for key, name in names.items()}
    except FileNotFoundError as exc:
        pytest.skip(f"real dev media not available: {exc}")


def call(embedding: np.ndarray, person: int = 1) -> QueryFace:
    return QueryFace("call", person, embedding)


def run_rounds(registry: FaceRegistry, faces: dict[str, np.ndarray]) -> dict:
    """Alice twice with the same face, then Bob with it, then Alice with another face."""
    return {
        "alice_1": registry.check_and_remember("Alice Example", [call(faces["man"])], "sha-a"),
        "alice_2": registry.check_and_remember("alice  example", [call(faces["man_again"])], "sha-b"),
        "bob": registry.check_and_remember("Bob Other", [call(faces["man_again"])], "sha-b"),
        "alice_3": registry.check_and_remember("Alice Example", [call(faces["other"])], "sha-c"),
    }


def assert_rounds(reports: dict) -> None:
    assert reports["alice_1"].repeats == [] and reports["alice_1"].stored == 1
    # the same person under the same name (case and spacing aside) in a second round: no repeat
    assert reports["alice_2"].repeats == [] and reports["alice_2"].earlier_rounds == 1
    # the same face under another name: one repeat per earlier analysis, naming the earlier candidate
    bob = reports["bob"].repeats
    assert [(r.kind, r.earlier.candidate) for r in bob] == [("other_name", "Alice Example"), ("other_name", "alice  example")]
    assert all(r.similarity > 0.6 for r in bob)
    # another face under Alice's name: both earlier rounds of Alice showed someone else
    alice_3 = reports["alice_3"].repeats
    assert [r.kind for r in alice_3] == ["other_face", "other_face"]
    assert all(r.similarity < 0.4 for r in alice_3)


def test_one_face_many_names_and_one_name_another_face(tmp_path, faces):
    registry = FaceRegistry(str(tmp_path / "faces.sqlite"))
    try:
        assert_rounds(run_rounds(registry, faces))
    finally:
        registry.close()


def test_records_sit_in_deepfaces_table_without_face_pixels(tmp_path, faces):
    registry = FaceRegistry(str(tmp_path / "faces.sqlite"))
    registry.check_and_remember("Alice", [call(faces["man"]), QueryFace("id_photo", None, faces["man_again"])], "sha")
    registry.close()
    rows = sqlite3.connect(tmp_path / "faces.sqlite").execute(
        "SELECT img_name, model_name, detector_backend, aligned, l2_normalized, face_shape, length(embedding) FROM embeddings").fetchall()
    assert len(rows) == 2
    for name, model, detector, aligned, normalised, face_shape, size in rows:
        record = FaceRecord.from_name(name)
        assert record.candidate == "Alice" and record.media_sha256 == "sha"
        assert (model, detector, aligned, normalised) == ("SFace", "yunet", 1, 1)
        assert face_shape == "[1, 16, 1]"  # a record token, no image
        assert size == 128 * 8  # float64, as deepface stores it
    assert {FaceRecord.from_name(r[0]).source for r in rows} == {"call", "id_photo"}


def test_retention_ignores_and_deletes_old_records(tmp_path, faces):
    registry = FaceRegistry(str(tmp_path / "faces.sqlite"), retention_days=30)
    long_ago = datetime.now(timezone.utc) - timedelta(days=40)
    registry.check_and_remember("Alice", [call(faces["man"])], now=long_ago)
    report = registry.check_and_remember("Bob", [call(faces["man_again"])])
    assert report.repeats == [] and report.searched == 0
    assert len(registry.store.all()) == 1  # Alice's expired record is gone, Bob's is kept
    registry.close()


def test_without_consent_searches_but_stores_nothing(tmp_path, faces):
    registry = FaceRegistry(str(tmp_path / "faces.sqlite"))
    registry.check_and_remember("Alice", [call(faces["man"])])
    report = registry.check_and_remember("Bob", [call(faces["man_again"])], store=False)
    assert [r.kind for r in report.repeats] == ["other_name"] and report.stored == 0
    assert len(registry.store.all()) == 1
    registry.close()


def test_forget_deletes_one_analysis(tmp_path, faces):
    registry = FaceRegistry(str(tmp_path / "faces.sqlite"))
    first = registry.check_and_remember("Alice", [call(faces["man"])])
    registry.check_and_remember("Carol", [call(faces["other"])])
    assert registry.forget(first.analysis) == 1
    assert [FaceRecord.from_name(s.name).candidate for s in registry.store.all()] == ["Carol"]
    registry.close()


def test_configuration(tmp_path, monkeypatch):
    assert resolve_backend("/data/faces.sqlite") == "sqlite"
    assert resolve_backend("postgresql://iv@db.example/faces") == "pgvector"
    assert resolve_backend("http://qdrant.example:6333") == "qdrant"
    assert resolve_backend("mongodb://x", "mongo") == "mongo"
    monkeypatch.setenv("INTERVIEW_VERIFY_FACE_DB", str(tmp_path / "env.sqlite"))
    assert AnalysisConfig().face_db == str(tmp_path / "env.sqlite")
    assert FaceRegistry.for_config(AnalysisConfig(face_db="off")) is None
    assert same_candidate("  Jane   DOE ", "jane doe") and not same_candidate(None, None)


def test_unusable_backends_fail_with_a_message(tmp_path):
    with pytest.raises(StoreError, match="unknown face database backend 'nosuchdb'"):
        DeepfaceStore("nosuchdb", "x")
    with pytest.raises(StoreError, match="the pgvector face database failed to open"):
        DeepfaceStore("pgvector", "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")


def test_pgvector_server(tmp_path, faces):
    """The same rounds on a real PostgreSQL with the pgvector extension, through deepface's client."""
    pgserver = pytest.importorskip("pgserver", reason="pgserver (PostgreSQL + pgvector in a wheel) not installed")
    pytest.importorskip("pgvector.psycopg", reason="pgvector/psycopg not installed")
    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    try:
        registry = FaceRegistry(server.get_uri())
        assert registry.store.backend == "pgvector"
        assert_rounds(run_rounds(registry, faces))
        old = registry.check_and_remember("Dave", [call(faces["other"])],
                                          now=datetime.now(timezone.utc) - timedelta(days=400))
        registry.check_and_remember("Erin", [call(faces["man"])])  # purges Dave's expired record
        assert old.analysis not in {FaceRecord.from_name(s.name).analysis for s in registry.store.all()}
        registry.close()
    finally:
        server.cleanup()
