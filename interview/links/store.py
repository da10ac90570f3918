"""Trait records of earlier analyses (voice embeddings, answer passages, room corners, camera
sensor-noise patterns), one row each.

They live beside the face registry: in its SQLite file, or in its PostgreSQL database (the same
`face_db` setting, so one place holds every biometric record, one retention rule and one consent
switch govern them). A row keeps numbers, corner descriptors, sensor-noise signs and short passages of the candidate's own answers, never
audio or images. A Qdrant face registry has no SQL side: traits then need their own database
(`INTERVIEW_VERIFY_LINKS_DB`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from interview.database import is_postgres, open_database, postgres_ddl
from interview.records.store import StoreError

LINKS_DB_ENV = "INTERVIEW_VERIFY_LINKS_DB"
_TABLE = """CREATE TABLE IF NOT EXISTS trait_records (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    candidate TEXT,
    analysis TEXT NOT NULL,
    date TEXT NOT NULL,
    media_sha256 TEXT,
    vector TEXT,
    payload TEXT
)"""
_COLUMNS = "kind, candidate, analysis, date, media_sha256, vector, payload"


class TraitStoreError(StoreError):
    """The trait database cannot be used; the message names it and the fix."""


@dataclass(frozen=True)
class TraitRecord:
    """One trait of one analysis. `vector`: an embedding (voice); `payload`: what else the kind
    needs (answers: the passages; room: corner positions and descriptors; camera: the
    sensor-noise signs)."""

    kind: str  # "voice", "answers", "room", "camera"
    candidate: str | None
    analysis: str  # the session id of summary.json (what `purge --session` names)
    date: str  # ISO 8601, UTC
    media_sha256: str | None
    vector: np.ndarray | None = None
    payload: dict | None = None

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.date)


def trait_location(face_db: str) -> str | None:
    """Where traits are kept for a face registry location (None: switched off)."""
    if os.environ.get(LINKS_DB_ENV):
        return os.environ[LINKS_DB_ENV]
    if face_db.strip().lower() in ("", "off", "none"):
        return None
    if face_db.startswith(("http://", "https://")):
        raise TraitStoreError(f"the face registry is on Qdrant ({face_db}); voice, answer, room and camera links need SQL: "
                              f"set {LINKS_DB_ENV} to a SQLite file or a postgresql:// URL")
    return face_db


class TraitStore:
    """The trait_records table; every database failure comes out as TraitStoreError."""

    def __init__(self, location: str):
        try:
            self.db = open_database(location)
        except (OSError, ImportError) as exc:  # a folder that cannot be made, psycopg missing
            raise TraitStoreError(f"the trait database cannot be opened: {exc}") from exc
        with self._failures("open"), self.db.write() as conn:
            conn.execute(postgres_ddl(_TABLE) if is_postgres(location) else _TABLE)

    @contextmanager
    def _failures(self, action: str) -> Iterator[None]:
        try:
            yield
        except self.db.errors as exc:
            raise TraitStoreError(f"the trait database {self.db.location} failed to {action}: {exc}") from exc

    def add(self, records: list[TraitRecord]) -> int:
        rows = [(r.kind, r.candidate, r.analysis, r.date, r.media_sha256,
                 json.dumps([round(float(v), 6) for v in r.vector]) if r.vector is not None else None,
                 json.dumps(r.payload) if r.payload is not None else None) for r in records]
        if rows:
            with self._failures("store records"), self.db.write() as conn:
                conn.executemany(f"INSERT INTO trait_records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def all(self) -> list[TraitRecord]:
        with self._failures("read records"), self.db.connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM trait_records ORDER BY id").fetchall()
        return [TraitRecord(r[0], r[1], r[2], r[3], r[4], np.asarray(json.loads(r[5]), np.float32) if r[5] else None,
                            json.loads(r[6]) if r[6] else None) for r in rows]

    def expire(self, now: datetime, retention_days: float) -> int:
        """Retention: drop records older than `retention_days`."""
        cutoff = (now - timedelta(days=retention_days)).isoformat(timespec="seconds")
        with self._failures("delete expired records"), self.db.write() as conn:
            return conn.execute("DELETE FROM trait_records WHERE date < ?", (cutoff,)).rowcount

    def forget(self, analysis: str) -> int:
        """Deletion on request: every trait one analysis stored."""
        with self._failures("delete records"), self.db.write() as conn:
            return conn.execute("DELETE FROM trait_records WHERE analysis = ?", (analysis,)).rowcount
