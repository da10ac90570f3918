"""The session store and its audit chain on a real analysis: an untouched store verifies, any
stored field or report byte changed after sign-off fails and names the entry, a purge removes
face data and keeps the chain valid, and the CLI does the same in one-line outputs."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from interview.analyze import analyze_recording
from interview.cli import main
from interview.config import AnalysisConfig
from interview.records import audit
from interview.records.retention import purge
from interview.records.rules import RETENTION_DAYS
from interview.records.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError
from tests.conftest import dev_file

SESSION_ENTRY, CONSENT_ENTRY, SIGNOFF_ENTRY, PURGE_ENTRY = 1, 2, 3, 4
# Which entry vouches for the first row of each table in the signed store.
VOUCHED_BY = {
    "sessions": SESSION_ENTRY,
    "candidates": SESSION_ENTRY,
    "findings": SESSION_ENTRY,
    "reports": SESSION_ENTRY,
    "consents": CONSENT_ENTRY,
    "signoffs": SIGNOFF_ENTRY,
    "audit": CONSENT_ENTRY,
}


@pytest.fixture(scope="module")
def signed(models_ready, tmp_path_factory):
    """A real analysis recorded by analyze_recording into a store, with consent and a sign-off.
    The ID photo is someone else's, so the identity check leaves a finding and an evidence frame;
    face embeddings go to a registry of this test's own."""
    base = tmp_path_factory.mktemp("signed")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INTERVIEW_VERIFY_FACE_DB", str(base / "faces.sqlite"))
        store = Store(base / "sessions.db")
        config = AnalysisConfig(candidate="Jane Doe", id_photo=dev_file("B_identity/df_img1.jpg"))
        summary = analyze_recording(dev_file("A_talking_head/vr_face2.mp4"), config, base / "out", store=store)
        store.record_consent(summary["session_id"], "Jane Doe")
        store.sign_off(summary["session_id"], "approve", "Ann Manager", "Hiring manager", "Matched the ID in the call")
        yield store, summary


def registry_records(analysis: str) -> int:
    from interview.config import AnalysisConfig
    from interview.records.face_registry import FaceRecord, FaceRegistry

    registry = FaceRegistry.for_config(AnalysisConfig())
    try:
        return sum(1 for s in registry.store.all() if (r := FaceRecord.from_name(s.name)) and r.analysis == analysis)
    finally:
        registry.close()


@pytest.fixture
def fresh(signed, tmp_path, monkeypatch):
    """The same real summary recorded into a new store from a copy of its output folder, for tests
    that purge or sign (they change files, so they must not touch the shared one)."""
    store, summary = signed
    monkeypatch.setenv("INTERVIEW_VERIFY_FACE_DB", str(store.path.parent / "faces.sqlite"))
    out = tmp_path / "out"
    shutil.copytree(Path(store.get_session(summary["session_id"]).out_dir), out)
    copy = Store(tmp_path / "sessions.db")
    copy.record_session(summary, out)
    return copy, summary, out


def tampered_copy(store: Store, tmp_path: Path, sql: str, *args: object) -> Store:
    """A copy of the database with one statement run behind the tool's back (triggers dropped,
    as anyone with the file can)."""
    path = tmp_path / "tampered.db"
    shutil.copy(store.path, path)
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(sql, args)
    conn.commit()
    conn.close()
    return Store(path)


def columns(db: Path, table: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return [(row[1], row[2]) for row in conn.execute(f"PRAGMA table_info({table})")]


def field_edits() -> list[tuple[str, str, str]]:
    """Every column of every table the chain vouches for, read from the schema itself."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(MIGRATIONS[0])
    return [(table, row[1], row[2]) for table in VOUCHED_BY for row in conn.execute(f"PRAGMA table_info({table})")]


def test_untouched_store_verifies(signed):
    store, summary = signed
    result = audit.verify(store)
    assert result.ok, result.describe()
    assert result.entries == 3
    assert audit.verify(store, head=result.head_hash).ok
    assert not audit.verify(store, head="f" * 64).ok


@pytest.mark.parametrize(("table", "column", "kind"), field_edits(), ids=lambda v: str(v))
def test_editing_any_stored_field_names_the_entry(signed, tmp_path, table, column, kind):
    store, _ = signed
    where = "seq = 2" if table == "audit" else f"rowid = (SELECT MIN(rowid) FROM {table})"
    with sqlite3.connect(store.path) as conn:
        if conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0:
            pytest.skip(f"the analysis left no {table} row to edit")
    changed = (
        f"CASE WHEN {column} IS NULL THEN 1 ELSE {column} + 1000 END"
        if kind in ("INTEGER", "REAL")
        else f"CASE WHEN {column} = 'approve' THEN 'reject' ELSE COALESCE({column}, '') || ' ' END"
    )
    result = audit.verify(tampered_copy(store, tmp_path, f"UPDATE {table} SET {column} = {changed} WHERE {where}"))
    assert not result.ok
    assert result.first_bad_entry == VOUCHED_BY[table], result.describe()


def test_changing_any_report_byte_names_the_session_entry(signed):
    store, _ = signed
    with store.connect() as conn:
        reports = [r for r in store.current_reports(conn) if r.sha256]
    names = {r.name for r in reports}
    assert {"report.html", "report.pdf", "summary.json"} <= names
    for report in reports:
        path = Path(report.path)
        original = path.read_bytes()
        middle = len(original) // 2
        try:
            path.write_bytes(original[:middle] + bytes([original[middle] ^ 1]) + original[middle + 1 :])
            result = audit.verify(store)
            assert not result.ok and result.first_bad_entry == SESSION_ENTRY, report.name
            assert report.name.split("/")[-1] in result.reason
        finally:
            path.write_bytes(original)
    assert audit.verify(store).ok


def test_removed_forged_or_unvouched_records_fail(signed, tmp_path):
    store, _ = signed
    removed = audit.verify(tampered_copy(store, tmp_path, "DELETE FROM audit WHERE seq = 2"))
    assert not removed.ok and removed.first_bad_entry == 2 and "missing" in removed.reason
    forged = audit.verify(
        tampered_copy(
            store,
            tmp_path,
            "INSERT INTO signoffs (session_id, decision, name, signed_at, report_sha256) "
            "SELECT session_id, 'reject', 'Mallory', signed_at, report_sha256 FROM signoffs",
        )
    )
    assert not forged.ok and forged.first_bad_entry is None and "signoff 2 has no audit entry" in forged.reason
    deleted_report = audit.verify(tampered_copy(store, tmp_path, "DELETE FROM reports WHERE name = 'report.pdf'"))
    assert not deleted_report.ok and deleted_report.first_bad_entry == SESSION_ENTRY


def test_tables_are_append_only(signed):
    store, _ = signed
    with store.connect() as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE signoffs SET decision = 'reject'")


def test_sessions_lists_status_consent_and_sign_off(signed):
    store, summary = signed
    row = next(r for r in store.list_sessions() if r.id == summary["session_id"])
    assert (row.status, row.headline) == (summary["overall"]["status"], summary["overall"]["headline"])
    assert row.consent and row.decision == "approve" and row.signed_by == "Ann Manager" and row.candidate == "Jane Doe"
    record = store.get_session(summary["session_id"][:6])
    assert record.summary == summary
    assert record.consents[0]["given_by"] == "Jane Doe" and "30 days" in record.consents[0]["disclosed"]
    assert record.signoffs[0]["role"] == "Hiring manager"


def test_bad_requests_are_one_line_errors(signed):
    store, summary = signed
    with pytest.raises(StoreError, match="decision must be one of approve, reject, escalate"):
        store.sign_off(summary["session_id"], "fire", "X")
    with pytest.raises(StoreError, match="no session 'nope'"):
        store.sign_off("nope", "approve", "X")
    with pytest.raises(StoreError, match="already stored"):
        store.record_session(summary, store.get_session(summary["session_id"]).out_dir)


def test_schema_is_versioned_and_migrated(tmp_path):
    old = tmp_path / "old.db"
    sqlite3.connect(old).close()  # an empty database at user_version 0
    Store(old)
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    Store(old)  # opening again runs nothing twice
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this interview-verify"):
        Store(newer)


def test_purge_removes_face_data_keeps_the_signed_summary_and_the_chain(fresh, tmp_path):
    store, summary, out = fresh
    session_id = summary["session_id"]
    store.sign_off(session_id, "escalate", "Ann Manager")
    evidence = sorted((out / "evidence").glob("*.jpg"))
    assert evidence, "the identity finding left an evidence frame"
    analysis = summary["measurements"]["face_registry"]["analysis"]
    assert registry_records(analysis) > 0, "the analysis stored face embeddings"
    json_before = (out / "summary.json").read_bytes()
    created = datetime.fromisoformat(summary["created_at"])

    assert RETENTION_DAYS == 30
    assert purge(store, now=created + timedelta(days=29)) == [], "nothing is due within retention"
    results = purge(store, now=created + timedelta(days=31))
    assert [r.session_id for r in results] == [session_id]
    assert all(not p.exists() for p in evidence)
    assert registry_records(analysis) == 0, "its face embeddings were deleted"
    html = (out / "report.html").read_text()
    assert "data:image/jpeg" not in html and "Evidence frames were deleted" in html
    assert (out / "summary.json").read_bytes() == json_before
    assert store.get_session(session_id).summary == summary
    assert store.list_sessions()[0].purged_at is not None
    verified = audit.verify(store)
    assert verified.ok, verified.describe()

    store.sign_off(session_id, "reject", "Ann Manager", comment="after review of the redacted report")
    assert audit.verify(store).ok
    with pytest.raises(StoreError, match="already purged"):
        purge(store, session_id=session_id)

    purge_row_edit = audit.verify(tampered_copy(store, tmp_path, "UPDATE purges SET reason = 'x'"))
    assert not purge_row_edit.ok and purge_row_edit.first_bad_entry == 3  # session 1, sign-off 2, purge 3
    (out / "report.html").write_text(html.replace("Evidence frames were deleted", "Nothing was deleted"))
    edited = audit.verify(store)
    assert not edited.ok and edited.first_bad_entry == 3 and "report.html" in edited.reason


def test_purge_on_request_deletes_the_media_copy(signed, tmp_path):
    store, summary = signed
    out = tmp_path / "out"
    shutil.copytree(store.get_session(summary["session_id"]).out_dir, out)
    media_copy = tmp_path / "kept.mp4"
    shutil.copy(dev_file("A_talking_head/vr_face2.mp4"), media_copy)
    own = Store(tmp_path / "own.db")
    own.record_session(summary, out, media_copy=media_copy)
    [result] = purge(own, session_id=summary["session_id"][:8])
    assert not media_copy.exists() and any("media copy" in d for d in result.deleted)
    assert audit.verify(own).ok


def test_cli_signoff_sessions_consent_verify_and_purge(fresh, tmp_path, capsys):
    store, summary, out = fresh
    db, sid = str(store.path), summary["session_id"]
    assert main(["consent", sid, "--by", "Jane Doe", "--db", db]) == 0
    assert (
        main(
            [
                "signoff",
                sid,
                "--decision",
                "approve",
                "--name",
                "Ann Manager",
                "--role",
                "HM",
                "--comment",
                "ID checked",
                "--db",
                db,
            ]
        )
        == 0
    )
    assert "receipt" in capsys.readouterr().out
    assert main(["sessions", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert sid in listing and "approve by Ann Manager" in listing and "consent" in listing
    assert main(["audit", "verify", "--db", db]) == 0
    assert "intact: 3 entries" in capsys.readouterr().out

    (out / "summary.json").write_text((out / "summary.json").read_text() + " ")
    assert main(["audit", "verify", "--db", db]) == 1
    assert "broken at entry 1" in capsys.readouterr().err

    assert main(["signoff", "nope", "--decision", "approve", "--name", "X", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("interview-verify: error: no session 'nope'")
    assert main(["purge", "--older-than", str(RETENTION_DAYS), "--db", db]) == 0
    assert "nothing to purge" in capsys.readouterr().out
