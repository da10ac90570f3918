"""Consent wording and the retention rule: media, evidence frames and face data go after 30 days.

30 days is the strictest common rule: GDPR Art. 12(3) gives one month to act on a deletion
request, and it is far inside what biometric laws such as Illinois' BIPA allow (three years).
A purge deletes what shows or encodes a face (evidence frames, the tool's copies
of the recording and of an uploaded ID photo, report.html and report.pdf, which embed the frames, the
web app's file cache, and the face embeddings in whichever face store the analysis wrote to) and writes redacted
report copies without frames; it keeps the signed summary (numbers, reasons, transcript), the
hashes of everything deleted, and the audit chain, which logs the purge so it still verifies.
The candidate's original recording given to `analyze` is theirs or the employer's: never touched.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from interview.config import AnalysisConfig
from interview.records.face_registry import FaceRegistry
from interview.records.rules import RETENTION_DAYS
from interview.records.store import Store, StoreError
from interview.report import write_reports

FACE_FILES = ("report.html", "report.pdf")  # reports that embed evidence frames
UPLOADS = "uploads"  # the app's copies of uploaded recordings and ID photos, in the data dir
APP_CACHE = ".gradio"  # the web app's file cache, in the data dir (ui.serve points Gradio there)
CACHE_ENV = "GRADIO_TEMP_DIR"


@dataclass(frozen=True)
class PurgeResult:
    session_id: str
    deleted: list[str]  # report file names (relative to the output folder) and the media copy
    redacted: list[str]
    audit_seq: int


def due_for_purge(store: Store, older_than_days: float = RETENTION_DAYS, now: datetime | None = None) -> list[str]:
    """Sessions created more than `older_than_days` ago that still hold face data."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=older_than_days)
    return [
        row.id
        for row in store.list_sessions()
        if row.purged_at is None and datetime.fromisoformat(row.created_at) < cutoff
    ]


def purge(
    store: Store,
    older_than_days: float = RETENTION_DAYS,
    session_id: str | None = None,
    now: datetime | None = None,
    reason: str | None = None,
) -> list[PurgeResult]:
    """Purge every session past retention, or just `session_id` (deletion on request, any age)."""
    if older_than_days < 0:
        raise StoreError(f"--older-than must be 0 or more days, got {older_than_days}")
    if session_id is not None:
        record = store.get_session(session_id)
        if record.purged_at:
            raise StoreError(f"session {record.id} was already purged on {record.purged_at}")
        targets = [record.id]
        reason = reason or "deletion on request"
    else:
        targets = due_for_purge(store, older_than_days, now)
        reason = reason or f"retention: older than {older_than_days:g} days"
    return [_purge_one(store, sid, reason) for sid in targets]


def _purge_one(store: Store, session_id: str, reason: str) -> PurgeResult:
    record = store.get_session(session_id)
    deleted = []
    for report in record.reports:
        if report.sha256 is not None and (report.name.startswith("evidence/") or report.name in FACE_FILES):
            Path(report.path).unlink(missing_ok=True)
            deleted.append(report.name)
    if record.media_copy:
        Path(record.media_copy).unlink(missing_ok=True)
        deleted.append(f"media copy {record.media_copy}")
    photo = ((record.summary.get("measurements") or {}).get("id_photo") or {}).get("path")
    kept_by_tool = {record.out_dir.parent / UPLOADS} | ({Path(record.media_copy).parent} if record.media_copy else set())
    if photo and Path(photo).parent in kept_by_tool and Path(photo).exists():  # the app's copy of an uploaded photo
        Path(photo).unlink()
        deleted.append(f"ID photo copy {photo}")
    deleted += _empty_app_cache(record.out_dir.parent)
    forgotten = _forget_faces(record.summary)
    if forgotten:
        deleted.append(f"{forgotten} face embeddings")
    traits = _forget_traits(record.summary)
    if traits:
        deleted.append(f"{traits} voice, answer, room and camera records")
    evidence_dir = record.out_dir / "evidence"
    if evidence_dir.is_dir() and not any(evidence_dir.iterdir()):
        evidence_dir.rmdir()
    purged_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    replaced: dict[str, Path] = {}
    if record.out_dir.is_dir():
        written = write_reports(
            record.summary, record.out_dir, redacted=f"{purged_at} ({reason})", formats=("html", "pdf")
        )
        replaced = {path.name: path for path in written.values()}
    entry = store.record_purge(session_id, deleted, replaced, reason, purged_at)
    return PurgeResult(session_id, deleted, sorted(replaced), entry.seq)


def _empty_app_cache(data_dir: Path) -> list[str]:
    """Empty the web app's file cache: copies of reports and evidence frames it showed, and of
    uploads, which cannot be told apart by session (a page open elsewhere re-opens its session)."""
    folders = {data_dir / APP_CACHE} | ({Path(os.environ[CACHE_ENV])} if os.environ.get(CACHE_ENV) else set())
    removed = 0
    for folder in folders:
        for entry in (folder.iterdir() if folder.is_dir() else ()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    return [f"the app's file cache ({removed} entries)"] if removed else []


def _forget_faces(summary: dict) -> int:
    """Delete the face embeddings this analysis left in the face registry (interview.records.face_registry),
    in the store it recorded (summary["measurements"]["face_registry"]: its analysis id and store;
    summaries from before the store was recorded: the configured one)."""
    recorded = (summary.get("measurements") or {}).get("face_registry") or {}
    if not recorded.get("analysis"):
        return 0
    config = AnalysisConfig()
    registry = (FaceRegistry.where_recorded(recorded["store"], config) if recorded.get("store")
                else FaceRegistry.for_config(config))
    if registry is None:
        return 0
    try:
        return registry.forget(recorded["analysis"])
    finally:
        registry.close()


def _forget_traits(summary: dict) -> int:
    """Delete the voice, answer, room and camera records this session left for cross-candidate links (interview.links)."""
    from interview.config import AnalysisConfig
    from interview.links.record import forget

    return forget(AnalysisConfig(), summary["session_id"])
