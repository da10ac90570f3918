"""The local record of analysed sessions: SQLite, one file, schema versioned by migrations.

Tables: candidates, sessions (with the signed summary JSON), findings (an index of the summary's
findings), reports (each report file's name, path and sha256; a purge adds tombstones and
redacted copies rather than editing rows), consents, signoffs, purges, and audit (the hash chain,
see `interview.records.audit`). Every table is insert-only (triggers refuse UPDATE and DELETE), and every
record is vouched for by one audit entry, so `audit.verify` can tell when anything was changed.

No face image is stored here: evidence frames stay in the session's output folder (deleted by a
purge), the database keeps their hashes and the summary.

Where: `Store(path)`, else $INTERVIEW_VERIFY_DB, else `<user data dir>/interview-verify/sessions.db`;
a `postgresql://...` URL keeps the same tables in PostgreSQL, for many machines (`interview.database`).

    store = Store()
    session_id = store.record_session(summary, out_dir)
    store.record_consent(session_id, given_by="Jane Doe")
    store.sign_off(session_id, "approve", "A. Manager", role="Hiring manager", comment="ID checked live")
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from secrets import token_hex

from interview.database import Connection, open_database
from interview.records import audit
from interview.records.rules import DEFAULT_DISCLOSURE
from models.hashing import file_sha256

DECISIONS = ("approve", "reject", "escalate")
REPORT_FILES = ("summary.json", "report.html", "report.pdf")


def _append_only(*tables: str) -> str:
    """Triggers that refuse any UPDATE or DELETE on `tables` (interview.database translates them)."""
    return "".join(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
                   for table in tables for verb in ("UPDATE", "DELETE"))


MIGRATIONS: list[str] = [
    # 1: the initial schema.
    """
    CREATE TABLE candidates (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY, candidate_id INTEGER REFERENCES candidates(id), created_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL, input_path TEXT, input_sha256 TEXT, out_dir TEXT NOT NULL, media_copy TEXT,
        status TEXT NOT NULL, risk REAL NOT NULL, headline TEXT NOT NULL, summary TEXT NOT NULL);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), check_name TEXT NOT NULL,
        t0 REAL, t1 REAL, risk REAL, reason TEXT, signal TEXT, frame TEXT);
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), name TEXT NOT NULL,
        path TEXT NOT NULL, sha256 TEXT, bytes INTEGER, entry_seq INTEGER NOT NULL);
    CREATE TABLE consents (
        id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), given_by TEXT NOT NULL,
        given_at TEXT NOT NULL, disclosed TEXT NOT NULL, recorded_by TEXT, recorded_at TEXT NOT NULL);
    CREATE TABLE signoffs (
        id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'escalate')), name TEXT NOT NULL,
        role TEXT, comment TEXT, signed_at TEXT NOT NULL, report_sha256 TEXT NOT NULL);
    CREATE TABLE purges (
        id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), purged_at TEXT NOT NULL,
        reason TEXT NOT NULL, deleted TEXT NOT NULL);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, session_id TEXT NOT NULL,
        payload TEXT NOT NULL, payload_hash TEXT NOT NULL, report_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL,
        created_at TEXT NOT NULL, entry_hash TEXT NOT NULL);
    CREATE INDEX findings_session ON findings(session_id);
    CREATE INDEX reports_session ON reports(session_id);
    """
    + _append_only("candidates", "sessions", "findings", "reports", "consents", "signoffs", "purges", "audit"),
    # 2: batch jobs (interview.jobs). Not a record the audit chain vouches for: a job's state
    # changes as workers claim, heartbeat and finish it; its result is the session it names.
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY, job_key TEXT NOT NULL UNIQUE, input_path TEXT NOT NULL, input_sha256 TEXT NOT NULL,
        settings TEXT NOT NULL, data_dir TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
        worker TEXT, heartbeat_at REAL, progress REAL, session_id TEXT, error TEXT,
        submitted_at REAL NOT NULL, started_at REAL, finished_at REAL);
    CREATE INDEX jobs_state ON jobs(state, submitted_at);
    """,
    # 3: named accounts (interview.accounts; passwords as Argon2id hashes, not vouched for by the
    # chain: a password changes) and the account that signed each decision (in the signed record).
    """
    CREATE TABLE accounts (
        username TEXT PRIMARY KEY, display_name TEXT NOT NULL, password_hash TEXT NOT NULL, created_at TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('interviewer', 'reviewer', 'hiring_manager', 'admin')));
    ALTER TABLE signoffs ADD COLUMN account TEXT;
    """,
    # 4: who added or removed which account, as records the chain vouches for (the accounts table
    # itself changes: a removed account leaves no row to point at).
    """
    CREATE TABLE account_changes (
        id INTEGER PRIMARY KEY, username TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('added', 'removed')),
        role TEXT, display_name TEXT, changed_by TEXT NOT NULL, changed_at TEXT NOT NULL);
    """
    + _append_only("account_changes"),
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """A one-line problem with the database or a request to it (unknown session, bad decision)."""


def default_path() -> Path | str:
    """$INTERVIEW_VERIFY_DB (a file or a postgresql:// URL), else sessions.db in the user data dir."""
    from platformdirs import user_data_dir

    return os.environ.get("INTERVIEW_VERIFY_DB") or Path(user_data_dir("interview-verify")) / "sessions.db"


def default_data_dir() -> Path:
    """Where session reports go (one folder per session) unless --data-dir says otherwise."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("interview-verify")) / "sessions"


def new_session_dir(data_dir: Path) -> Path:
    """A new folder for one session's report: time-stamped, with a random suffix for parallel runs."""
    path = Path(data_dir) / f"{datetime.now():%Y%m%d-%H%M%S}-{token_hex(3)}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ReportFile:
    """One file of a session's report as the store knows it; sha256 None = deleted by a purge."""

    session_id: str
    name: str
    path: str
    sha256: str | None
    entry_seq: int


@dataclass(frozen=True)
class SessionRow:
    """A line of `interview-verify sessions` (and the UI's session list)."""

    id: str
    created_at: str
    candidate: str | None
    status: str
    risk: float
    headline: str
    consent: bool
    decision: str | None
    signed_by: str | None
    signed_at: str | None
    purged_at: str | None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SessionRecord:
    """Everything stored about one session."""

    id: str
    created_at: str
    recorded_at: str
    candidate: str | None
    status: str
    risk: float
    headline: str
    out_dir: Path
    input_path: str | None
    input_sha256: str | None
    media_copy: str | None
    summary: dict
    reports: list[ReportFile] = field(default_factory=list)
    consents: list[dict] = field(default_factory=list)
    signoffs: list[dict] = field(default_factory=list)
    purges: list[dict] = field(default_factory=list)

    @property
    def purged_at(self) -> str | None:
        return self.purges[-1]["purged_at"] if self.purges else None


class Store:
    """Open (and create or migrate) the database at `path`: a SQLite file or a postgresql:// URL."""

    def __init__(self, path: Path | str | None = None):
        try:
            self.db = open_database(path or default_path())
        except ImportError as exc:  # postgresql:// without psycopg installed
            raise StoreError(str(exc)) from None
        except OSError as exc:  # the SQLite file's folder cannot be made
            raise StoreError(f"cannot open the session database {path or default_path()}: {exc}") from None
        self.url, self.location = self.db.url, self.db.location  # location: for messages (no password)
        self.path = getattr(self.db, "path", None)  # the SQLite file; None on PostgreSQL
        try:
            version = self.db.migrate(MIGRATIONS)
        except self.db.errors as exc:
            problem = " ".join(str(exc).split())  # psycopg's messages span lines
            raise StoreError(f"cannot open the session database {self.location}: {problem}") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.location} has schema version {version}, newer than this interview-verify "
                f"({SCHEMA_VERSION}): upgrade interview-verify"
            )

    def connect(self) -> AbstractContextManager[Connection]:
        return self.db.connect()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction holding the lock from the start, so audit entries chain in order."""
        with self.db.write() as conn:
            yield conn

    # -- writing -----------------------------------------------------------------------------

    def record_session(self, summary: dict, out_dir: Path | str, media_copy: Path | str | None = None,
                       conn: Connection | None = None) -> str:
        """Store an analysed session: its summary, findings and the hashes of the report files in
        `out_dir`; `media_copy` is a copy of the recording the tool keeps (deleted by a purge).
        Inside the caller's write transaction `conn` when given (a batch job stores its session and
        marks itself done in one, see `interview.jobs.complete`). Returns the session id."""
        out_dir = Path(out_dir).resolve()
        session_id = summary["session_id"]
        files = {name: out_dir / name for name in REPORT_FILES if (out_dir / name).is_file()}
        evidence = out_dir / "evidence"
        if evidence.is_dir():
            files |= {f"evidence/{p.name}": p for p in sorted(evidence.iterdir()) if p.is_file()}
        overall = summary.get("overall") or {}
        media = summary.get("input") or {}
        with nullcontext(conn) if conn is not None else self.write() as conn:
            if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise StoreError(f"session {session_id} is already stored")
            candidate_id = self._candidate(conn, summary.get("candidate"))
            conn.execute(
                "INSERT INTO sessions (id, candidate_id, created_at, recorded_at, input_path, input_sha256, out_dir, "
                "media_copy, status, risk, headline, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    session_id,
                    candidate_id,
                    summary.get("created_at") or _now(),
                    _now(),
                    media.get("path"),
                    media.get("sha256"),
                    str(out_dir),
                    str(media_copy) if media_copy else None,
                    overall.get("status", "insufficient"),
                    float(overall.get("risk", 0.0)),
                    overall.get("headline", ""),
                    json.dumps(summary, ensure_ascii=False),
                ),
            )
            conn.executemany(
                "INSERT INTO findings (session_id, check_name, t0, t1, risk, reason, signal, frame) "
                "VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        session_id,
                        name,
                        f.get("t0"),
                        f.get("t1"),
                        f.get("risk"),
                        f.get("reason"),
                        f.get("signal"),
                        f.get("frame"),
                    )
                    for name, check in (summary.get("checks") or {}).items()
                    for f in check.get("findings") or []
                ],
            )
            seq = self._next_seq(conn)
            self._add_reports(conn, session_id, {name: path for name, path in files.items()}, seq)
            self._log(conn, "session", session_id, session_id)
        return session_id

    def record_consent(
        self,
        session_id: str,
        given_by: str,
        disclosed: str | None = None,
        given_at: str | None = None,
        recorded_by: str | None = None,
    ) -> int:
        """Who consented, when, and to what disclosure (default: `rules.DEFAULT_DISCLOSURE`)."""

        if not given_by.strip():
            raise StoreError("consent needs the name of the person who gave it")
        with self.write() as conn:
            session_id = self._resolve(conn, session_id)
            cursor = conn.execute(
                "INSERT INTO consents (session_id, given_by, given_at, disclosed, recorded_by, recorded_at) "
                "VALUES (?,?,?,?,?,?) RETURNING id",
                (
                    session_id,
                    given_by.strip(),
                    given_at or _now(),
                    disclosed or DEFAULT_DISCLOSURE,
                    recorded_by,
                    _now(),
                ),
            )
            consent_id = cursor.fetchone()[0]
            self._log(conn, "consent", str(consent_id), session_id)
            return consent_id

    def sign_off(
        self, session_id: str, decision: str, name: str, role: str | None = None, comment: str | None = None,
        account: str | None = None,
    ) -> audit.Entry:
        """Record a hiring decision against the session's report as it is now; `account` is who is
        logged in (an app account, or `local:<OS user>`), part of the record the chain vouches for.
        Returns the audit entry (its entry_hash is the receipt to keep)."""
        if decision not in DECISIONS:
            raise StoreError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
        if not name.strip():
            raise StoreError("a sign-off needs the signer's name")
        with self.write() as conn:
            session_id = self._resolve(conn, session_id)
            report = self.report_hash_at(conn, session_id, self._next_seq(conn))
            cursor = conn.execute(
                "INSERT INTO signoffs (session_id, decision, name, role, comment, signed_at, report_sha256, account) "
                "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                (session_id, decision, name.strip(), role, comment, _now(), report, account),
            )
            return self._log(conn, "signoff", str(cursor.fetchone()[0]), session_id)

    def record_account_change(self, conn: Connection, username: str, action: str, role: str | None,
                              display_name: str | None, changed_by: str) -> audit.Entry:
        """Log that `changed_by` added or removed an account, inside the caller's write (the one that
        changes the accounts table); the entry belongs to no session."""
        change_id = conn.execute(
            "INSERT INTO account_changes (username, action, role, display_name, changed_by, changed_at) "
            "VALUES (?,?,?,?,?,?) RETURNING id", (username, action, role, display_name, changed_by, _now()),
        ).fetchone()[0]
        return self._log(conn, "account", str(change_id), "")

    def record_purge(
        self, session_id: str, deleted: list[str], replaced: dict[str, Path], reason: str, purged_at: str | None = None
    ) -> audit.Entry:
        """Log a purge: `deleted` says what went (report file names become tombstones), `replaced`
        (name -> path) are the redacted copies now on disk. Used by `interview.records.retention.purge`."""
        with self.write() as conn:
            seq = self._next_seq(conn)
            purge_id = conn.execute(
                "INSERT INTO purges (session_id, purged_at, reason, deleted) VALUES (?,?,?,?) RETURNING id",
                (session_id, purged_at or _now(), reason, json.dumps(sorted(deleted))),
            ).fetchone()[0]
            out_dir = Path(conn.execute("SELECT out_dir FROM sessions WHERE id = ?", (session_id,)).fetchone()[0])
            stored = {r[0] for r in conn.execute("SELECT name FROM reports WHERE session_id = ?", (session_id,))}
            gone = {name: None for name in deleted if name in stored and name not in replaced}
            self._add_reports(conn, session_id, gone, seq, out_dir)
            self._add_reports(conn, session_id, replaced, seq)
            return self._log(conn, "purge", str(purge_id), session_id)

    def _candidate(self, conn: Connection, name: str | None) -> int | None:
        if not name:
            return None
        row = conn.execute("SELECT id FROM candidates WHERE name = ?", (name,)).fetchone()
        if row:
            return row[0]
        return conn.execute(
            "INSERT INTO candidates (name, created_at) VALUES (?,?) RETURNING id", (name, _now())
        ).fetchone()[0]

    def _add_reports(
        self,
        conn: Connection,
        session_id: str,
        files: dict[str, Path | None],
        seq: int,
        out_dir: Path | None = None,
    ) -> None:
        rows = []
        for name, path in files.items():
            if path is None:
                rows.append((session_id, name, str(out_dir / name), None, None, seq))
            else:
                rows.append(
                    (session_id, name, str(Path(path).resolve()), file_sha256(path), path.stat().st_size, seq)
                )
        conn.executemany(
            "INSERT INTO reports (session_id, name, path, sha256, bytes, entry_seq) VALUES (?,?,?,?,?,?)", rows
        )

    @staticmethod
    def _next_seq(conn: Connection) -> int:
        return conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM audit").fetchone()[0]

    def _log(self, conn: Connection, kind: str, ref: str, session_id: str) -> audit.Entry:
        seq = self._next_seq(conn)
        return audit.append(
            conn,
            kind,
            ref,
            session_id,
            self.record_payload(conn, kind, ref),
            self.report_hash_at(conn, session_id, seq),
        )

    # -- what the audit chain vouches for -------------------------------------------------------

    def record_payload(self, conn: Connection, kind: str, ref: str) -> dict | None:
        """The stored record behind an audit entry, as the dict that is hashed."""
        if kind == "session":
            row = self._row(conn, "SELECT * FROM sessions WHERE id = ?", ref)
            if row is None:
                return None
            row["candidate"] = self._row(conn, "SELECT * FROM candidates WHERE id = ?", row["candidate_id"])
            findings = conn.execute(
                "SELECT id, check_name, t0, t1, risk, reason, signal, frame FROM findings "
                "WHERE session_id = ? ORDER BY id",
                (ref,),
            ).fetchall()
            summary = row.pop("summary")
            row["summary_sha256"] = audit.sha256_text(summary)  # the stored text, byte for byte
            row["findings_sha256"] = audit.sha256_text(audit.canonical(findings))
            return row
        table = {"consent": "consents", "signoff": "signoffs", "purge": "purges", "account": "account_changes"}.get(kind)
        return self._row(conn, f"SELECT * FROM {table} WHERE id = ?", ref) if table else None

    def report_hash_at(self, conn: Connection, session_id: str, seq: int) -> str:
        """The manifest hash of the session's report files as they stood when entry `seq` was made."""
        rows = conn.execute(
            "SELECT id, name, path, sha256, bytes, entry_seq FROM reports "
            "WHERE session_id = ? AND entry_seq <= ? ORDER BY entry_seq, id",
            (session_id, seq),
        ).fetchall()
        return audit.manifest_hash(rows)

    def current_reports(self, conn: Connection, session_id: str | None = None) -> list[ReportFile]:
        """The latest row per (session, file name): what should be on disk now."""
        where, args = ("WHERE session_id = ?", (session_id,)) if session_id is not None else ("", ())
        rows = conn.execute(
            f"SELECT session_id, name, path, sha256, entry_seq FROM reports {where} ORDER BY entry_seq, id", args
        ).fetchall()
        latest = {(r[0], r[1]): ReportFile(*r) for r in rows}
        return list(latest.values())

    def unvouched_records(self, conn: Connection) -> list[str]:
        """Records no audit entry refers to (inserted behind the tool's back)."""
        found = []
        for kind, table in (
            ("session", "sessions"),
            ("consent", "consents"),
            ("signoff", "signoffs"),
            ("purge", "purges"),
            ("account", "account_changes"),
        ):
            rows = conn.execute(
                f"SELECT id FROM {table} WHERE CAST(id AS TEXT) NOT IN (SELECT ref FROM audit WHERE kind = ?)", (kind,)
            ).fetchall()
            found += [f"{kind} {r[0]}" for r in rows]
        return found

    @staticmethod
    def _row(conn: Connection, sql: str, *args: object) -> dict | None:
        cursor = conn.execute(sql, args)
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row)) if row else None

    # -- reading -----------------------------------------------------------------------------

    def _resolve(self, conn: Connection, session_id: str) -> str:
        """An exact id or a unique prefix of one."""
        rows = conn.execute(
            "SELECT id FROM sessions WHERE substr(id, 1, ?) = ?", (len(session_id), session_id)
        ).fetchall() if session_id else []
        exact = [r[0] for r in rows if r[0] == session_id]
        if exact:
            return exact[0]
        if len(rows) == 1:
            return rows[0][0]
        if not rows:
            raise StoreError(f"no session {session_id!r} in {self.location} (list them with `interview-verify sessions`)")
        raise StoreError(f"{session_id!r} matches {len(rows)} sessions: give more of the id")

    def list_sessions(self) -> list[SessionRow]:
        """Newest first, with the latest sign-off and whether consent and a purge were recorded."""
        with self.connect() as conn:
            rows = conn.execute("""
                SELECT s.id, s.created_at, c.name, s.status, s.risk, s.headline,
                       EXISTS (SELECT 1 FROM consents WHERE session_id = s.id),
                       o.decision, o.name, o.signed_at,
                       (SELECT MAX(purged_at) FROM purges WHERE session_id = s.id)
                FROM sessions s LEFT JOIN candidates c ON c.id = s.candidate_id
                LEFT JOIN signoffs o ON o.id = (SELECT MAX(id) FROM signoffs WHERE session_id = s.id)
                ORDER BY (SELECT seq FROM audit WHERE kind = 'session' AND ref = s.id) DESC""").fetchall()
        return [SessionRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9], r[10]) for r in rows]

    def get_session(self, session_id: str) -> SessionRecord:
        with self.connect() as conn:
            session_id = self._resolve(conn, session_id)
            row = self._row(
                conn,
                "SELECT s.*, c.name AS candidate FROM sessions s LEFT JOIN candidates c "
                "ON c.id = s.candidate_id WHERE s.id = ?",
                session_id,
            )
            records = {
                table: [
                    self._row(conn, f"SELECT * FROM {table} WHERE id = ?", r[0])
                    for r in conn.execute(f"SELECT id FROM {table} WHERE session_id = ? ORDER BY id", (session_id,))
                ]
                for table in ("consents", "signoffs", "purges")
            }
            reports = self.current_reports(conn, session_id)
        return SessionRecord(
            id=row["id"],
            created_at=row["created_at"],
            recorded_at=row["recorded_at"],
            candidate=row["candidate"],
            status=row["status"],
            risk=row["risk"],
            headline=row["headline"],
            out_dir=Path(row["out_dir"]),
            input_path=row["input_path"],
            input_sha256=row["input_sha256"],
            media_copy=row["media_copy"],
            summary=json.loads(row["summary"]),
            reports=reports,
            consents=records["consents"],
            signoffs=records["signoffs"],
            purges=records["purges"],
        )
