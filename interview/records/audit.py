"""The append-only audit log: a hash chain over every stored record and the report it refers to.

Each entry is {seq, kind, ref, session_id, payload, payload_hash, report_sha256, prev_hash,
created_at, entry_hash}: `payload` is a canonical JSON snapshot of the record (a session, a
consent, a sign-off, a purge), `report_sha256` the hash of the session's report files at that
moment (see `manifest_hash`), `prev_hash` the previous entry's `entry_hash`.

`verify` walks the chain and re-derives everything from what is stored now: each entry's own
hashes, the link to the previous entry, the record it vouches for (re-read from its table and
re-hashed), and the report files on disk. A record or report byte changed after the fact shows
up as the first entry that no longer matches. The chain has no outside anchor: someone who can
rewrite the whole database can rewrite the whole chain, so `audit verify` prints the head hash
for the hiring manager to keep elsewhere (and `--head` checks against it).

After a purge the report files embedding face images are gone or replaced by redacted copies:
the purge entry records the new set, so the chain stays valid, and the original report's hash
stays in the session entry and in every sign-off that referred to it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from models.hashing import file_sha256

if TYPE_CHECKING:
    from interview.records.store import Store

GENESIS = "0" * 64
KINDS = ("session", "consent", "signoff", "purge")


def canonical(obj: object) -> str:
    """The one JSON spelling that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_hash(rows: list[tuple]) -> str:
    """One hash for a session's report: its report rows (id, name, path, sha256, bytes, entry_seq)
    in order, each file's sha256 None once a purge deleted it."""
    return sha256_text(canonical(rows))


@dataclass(frozen=True)
class Entry:
    seq: int
    kind: str
    ref: str
    session_id: str
    payload: str
    payload_hash: str
    report_sha256: str
    prev_hash: str
    created_at: str
    entry_hash: str

    def expected_hash(self) -> str:
        return sha256_text(
            canonical(
                [
                    self.seq,
                    self.kind,
                    self.ref,
                    self.session_id,
                    self.payload_hash,
                    self.report_sha256,
                    self.prev_hash,
                    self.created_at,
                ]
            )
        )


@dataclass(frozen=True)
class AuditResult:
    """ok, or the first entry (by seq) that no longer matches what is stored, and why.
    `first_bad_entry` is None when the problem is a record no entry vouches for."""

    ok: bool
    first_bad_entry: int | None
    reason: str
    entries: int
    head_hash: str

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.entries} entries, head {self.head_hash}"
        where = f"entry {self.first_bad_entry}" if self.first_bad_entry is not None else "store"
        return f"audit chain broken at {where}: {self.reason}"


def append(
    conn: sqlite3.Connection,
    kind: str,
    ref: str,
    session_id: str,
    payload: dict,
    report_sha256: str,
    created_at: str | None = None,
) -> Entry:
    """Add one entry inside the caller's transaction (which must hold the write lock, so two
    writers never chain onto the same previous entry)."""
    row = conn.execute("SELECT seq, entry_hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    text = canonical(payload)
    created_at = created_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
    draft = Entry(seq, kind, ref, session_id, text, sha256_text(text), report_sha256, prev, created_at, "")
    entry = Entry(**{**draft.__dict__, "entry_hash": draft.expected_hash()})
    conn.execute(
        "INSERT INTO audit (seq, kind, ref, session_id, payload, payload_hash, report_sha256, prev_hash, "
        "created_at, entry_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            entry.seq,
            entry.kind,
            entry.ref,
            entry.session_id,
            entry.payload,
            entry.payload_hash,
            entry.report_sha256,
            entry.prev_hash,
            entry.created_at,
            entry.entry_hash,
        ),
    )
    return entry


def entries(conn: sqlite3.Connection) -> list[Entry]:
    rows = conn.execute(
        "SELECT seq, kind, ref, session_id, payload, payload_hash, report_sha256, prev_hash, "
        "created_at, entry_hash FROM audit ORDER BY seq"
    ).fetchall()
    return [Entry(*row) for row in rows]


def verify(store: Store, head: str | None = None) -> AuditResult:
    """Walk the chain; re-hash every stored record and every report file still on disk.

    Returns the lowest-numbered entry that fails, so the name points at the first record that
    was changed (a later sign-off that quoted a changed report fails too, but later).
    """
    with store.connect() as conn:
        chain = entries(conn)
        failures: list[tuple[int, str]] = []
        prev = GENESIS
        for expected_seq, entry in enumerate(chain, start=1):
            if entry.seq != expected_seq:  # named by the first position that no longer holds its entry
                failures.append(
                    (
                        expected_seq,
                        f"entry {expected_seq} is missing or was renumbered (found entry {entry.seq} in its place)",
                    )
                )
                break
            problem = _entry_problem(entry, prev) or _record_problem(store, conn, entry)
            if problem:
                failures.append((entry.seq, problem))
            prev = entry.entry_hash
        failures += _report_file_problems(store, conn)
        unvouched = store.unvouched_records(conn)
    head_hash = chain[-1].entry_hash if chain else GENESIS
    if failures:
        seq, reason = min(failures)
        return AuditResult(False, seq, reason, len(chain), head_hash)
    if unvouched:
        return AuditResult(False, None, f"{unvouched[0]} has no audit entry", len(chain), head_hash)
    if head is not None and head != head_hash and not any(e.entry_hash == head for e in chain):
        return AuditResult(False, None, f"the expected head {head[:16]}... is not in the chain", len(chain), head_hash)
    return AuditResult(True, None, "", len(chain), head_hash)


def _entry_problem(entry: Entry, prev: str) -> str | None:
    if entry.prev_hash != prev:
        return "does not chain onto the previous entry (an entry was removed, reordered or rewritten)"
    if entry.payload_hash != sha256_text(entry.payload):
        return f"the {entry.kind} payload was changed after it was logged"
    if entry.entry_hash != entry.expected_hash():
        return "the entry's own fields were changed after it was logged"
    return None


def _record_problem(store: Store, conn: sqlite3.Connection, entry: Entry) -> str | None:
    """Re-read the record this entry vouches for and compare field by field."""
    current = store.record_payload(conn, entry.kind, entry.ref)
    if current is None:
        return f"the {entry.kind} record {entry.ref} is missing from the store"
    logged = json.loads(entry.payload)
    changed = sorted(k for k in set(logged) | set(current) if logged.get(k) != current.get(k))
    if changed:
        return f"stored {entry.kind} {entry.ref} changed since it was logged: {', '.join(changed)}"
    report = store.report_hash_at(conn, entry.session_id, entry.seq)
    if entry.report_sha256 != report:
        return f"the report files recorded for session {entry.session_id} no longer match this entry"
    return None


def _report_file_problems(store: Store, conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """Every current report file must still be on disk, byte for byte."""
    problems = []
    for report in store.current_reports(conn):
        if report.sha256 is None:
            continue  # deleted by a purge, which the chain records
        path = Path(report.path)
        if not path.is_file():
            problems.append((report.entry_seq, f"report file {path} is missing (not deleted by a purge)"))
        elif file_sha256(path) != report.sha256:
            problems.append((report.entry_seq, f"report file {path} was changed after it was logged"))
    return problems
