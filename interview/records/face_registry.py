"""Repeat faces across candidates: one face behind many names, or a different face behind one name.

Each analysis leaves one embedding per person seen on camera (the mean of their samples) and one
for the ID photo, in deepface's datastore (models/deepface_store.py), labelled with the candidate,
the analysis, its date and the recording's sha256. The next analysis looks its faces up there:
  - an earlier candidate under another name whose face matches: one operative, many identities;
  - an earlier round of the same candidate in which no face matches: someone else came this time.
Records past the retention period are ignored and deleted; with `store_face` off (no consent)
the lookup still runs but nothing of this candidate is kept.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import numpy as np

from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD
from interview.checks.identity.repeats import FaceRecord, QueryFace, RegistryReport, RepeatFace
from interview.config import AnalysisConfig
from interview.records.rules import RETENTION_DAYS


def same_candidate(a: str | None, b: str | None) -> bool:
    """Names compared case- and spacing-insensitively; an unnamed analysis is nobody's namesake."""
    return a is not None and b is not None and " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def without_password(location: str) -> str:
    """A database URL as it may be written into a summary: user and host, never the password."""
    parts = urlsplit(location)
    return location.replace(f":{parts.password}@", ":***@") if parts.password else location


def resolve_backend(location: str, backend: str = "auto") -> str:
    if backend != "auto":
        return backend
    if location.startswith(("postgresql://", "postgres://")):
        return "pgvector"
    if location.startswith(("http://", "https://", "qdrant:")):  # qdrant:/folder is Qdrant's local mode
        return "qdrant"
    return "sqlite"


class FaceRegistry:
    """`retention_days` None: the product's retention rule (interview.records.rules.RETENTION_DAYS)."""

    def __init__(self, location: str, backend: str = "auto", retention_days: float | None = None):
        from models.deepface_store import DeepfaceStore

        if retention_days is None:
            retention_days = RETENTION_DAYS
        self.store = DeepfaceStore(resolve_backend(location, backend), location)
        self.where = {"backend": self.store.backend, "location": without_password(location)}
        self.retention_days = retention_days
        self.threshold = SAME_PERSON_THRESHOLD

    @classmethod
    def where_recorded(cls, recorded: dict, config: AnalysisConfig) -> FaceRegistry:
        """The registry an analysis wrote to (its summary's `store`): the configured one when it is
        the same database (its URL holds the password the summary leaves out), else as recorded."""
        configured = config.face_db.strip()
        if configured and without_password(configured) == recorded["location"]:
            return cls(configured, recorded["backend"])
        return cls(recorded["location"], recorded["backend"])

    @classmethod
    def for_config(cls, config: AnalysisConfig) -> FaceRegistry | None:
        """The configured registry, or None when it is switched off."""
        if config.face_db.strip().lower() in ("", "off", "none"):
            return None
        return cls(config.face_db, config.face_db_backend, config.face_retention_days)

    def _records(self, now: datetime) -> tuple[list[tuple[FaceRecord, np.ndarray]], list[str]]:
        """(live records with embeddings, ids of expired ones)."""
        cutoff = now - timedelta(days=self.retention_days)
        live, expired = [], []
        for stored in self.store.all():
            record = FaceRecord.from_name(stored.name)
            if record is None:
                continue
            if record.when < cutoff:
                expired.append(stored.id)
            else:
                live.append((record, stored.embedding))
        return live, expired

    def check_and_remember(self, candidate: str | None, faces: list[QueryFace], media_sha256: str | None = None,
                           store: bool = True, now: datetime | None = None) -> RegistryReport:
        """Compare this analysis' faces with every earlier one, then (if `store`) add them."""
        now = now or datetime.now(timezone.utc)
        live, expired = self._records(now)
        if expired and self.store.backend in ("sqlite", "pgvector", "qdrant"):
            self.store.delete(expired)
        repeats = self._compare(candidate, faces, live)
        analysis = uuid.uuid4().hex[:12]
        stored = 0
        if store and faces:
            date = now.isoformat(timespec="seconds")
            stored = self.store.add([(FaceRecord(candidate, analysis, date, f.source, f.person, media_sha256).to_name(),
                                      f.embedding) for f in faces])
        rounds = {r.analysis for r, _ in live if same_candidate(r.candidate, candidate)}
        return RegistryReport(repeats, len(rounds), len(live), stored, analysis, self.where)

    def _compare(self, candidate: str | None, faces: list[QueryFace],
                 live: list[tuple[FaceRecord, np.ndarray]]) -> list[RepeatFace]:
        if not faces or not live:
            return []
        query = np.stack([f.embedding for f in faces])
        similarity = query @ np.stack([e for _, e in live]).T  # (current faces, stored records)
        by_analysis: dict[str, list[int]] = {}
        for column, (record, _) in enumerate(live):
            by_analysis.setdefault(record.analysis, []).append(column)
        repeats = []
        for columns in by_analysis.values():
            block = similarity[:, columns]
            row, col = np.unravel_index(int(np.argmax(block)), block.shape)
            best, earlier = float(block[row, col]), live[columns[col]][0]
            if same_candidate(earlier.candidate, candidate):
                if best < self.threshold:
                    repeats.append(RepeatFace("other_face", None, earlier, best))
            elif best >= self.threshold and earlier.candidate is not None and candidate is not None:
                repeats.append(RepeatFace("other_name", faces[row], earlier, best))
        return sorted(repeats, key=lambda r: r.earlier.date)

    def forget(self, analysis: str) -> int:
        """Delete what one analysis stored (deletion on request)."""
        ids = [s.id for s in self.store.all() if (r := FaceRecord.from_name(s.name)) and r.analysis == analysis]
        return self.store.delete(ids)

    def close(self) -> None:
        self.store.close()


def look_up_faces(config: AnalysisConfig, candidate: str | None, faces: list[QueryFace],
                  media_sha256: str | None) -> tuple[RegistryReport | None, str | None]:
    """The step after the checks: this analysis' faces looked up in the configured registry and,
    with `store_face`, remembered there. (report, None); (None, None) when the registry is off;
    (None, why) when it could not be searched."""
    from models.deepface_store import StoreError

    try:
        registry = FaceRegistry.for_config(config)
        if registry is None:
            return None, None
        try:
            return registry.check_and_remember(candidate, faces, media_sha256, config.store_face), None
        finally:
            registry.close()
    except StoreError as exc:
        return None, str(exc)
