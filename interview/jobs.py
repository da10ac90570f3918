"""Batch jobs in the session store: one row per recording and settings, claimed by one worker at a
time, kept alive by a heartbeat, and finished in the same transaction that stores its session.

The queue (interview.job_queue, on Huey) only carries job ids; this table is what makes the work
safe to repeat. A message delivered twice, or a job re-queued while a slow worker is still on it,
cannot produce two sessions: `claim` takes a job only when nobody holds a live lease on it, and
`complete` stores the session only if the job is not done yet. A worker that dies mid-analysis
stops its heartbeat; `expire` (run by the queue's watchdog task) hands the job back to the queue,
up to MAX_ATTEMPTS times.

States: queued -> running -> done (session_id names the result) | unusable (the file or its
settings cannot be analysed: final for that file) | failed (the tool or its workers failed: a new
submission tries again).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from interview.calibration.profile import Profile
from interview.checks.base import ChallengeMark
from interview.config import AnalysisConfig, default_face_db
from interview.database import Connection
from interview.recording import SamplingPolicy
from interview.records import audit
from interview.records.store import Store
from models.hashing import file_sha256

MAX_ATTEMPTS = 3
FINISHED = ("done", "unusable", "failed")
_COLUMNS = ("id, job_key, input_path, input_sha256, settings, data_dir, state, attempts, worker, heartbeat_at, "
            "progress, session_id, error, submitted_at, started_at, finished_at")


@dataclass(frozen=True)
class Job:
    id: str
    key: str
    input_path: str
    input_sha256: str
    settings: dict
    data_dir: str
    state: str
    attempts: int
    worker: str | None
    heartbeat_at: float | None
    progress: float | None
    session_id: str | None
    error: str | None
    submitted_at: float
    started_at: float | None
    finished_at: float | None

    @classmethod
    def from_row(cls, row: tuple) -> Job:
        values = list(row)
        values[4] = json.loads(values[4])
        return cls(*values)

    @property
    def config(self) -> AnalysisConfig:
        return config_from_settings(self.settings)


@dataclass(frozen=True)
class Submission:
    """What `submit` found: `enqueue` is True for a new job, a failed one tried again, or one an
    earlier submission queued (its message may have been lost with a crash; a duplicate is
    harmless); False when it is done, unusable, or running."""

    job: Job
    enqueue: bool
    notes: list[str] = field(default_factory=list)


def settings_of(config: AnalysisConfig) -> dict:
    """The analysis settings a job carries to its worker, as JSON-able values."""
    photo = config.id_photo
    return {
        "max_fps": config.policy.max_fps,
        "max_side": config.policy.max_side,
        "whisper_model": config.whisper_model,
        "transcribe": config.transcribe,
        "id_photo": str(Path(photo).resolve()) if photo else None,
        "id_photo_sha256": file_sha256(photo) if photo else None,
        "candidate": config.candidate,
        "challenges": [[mark.kind, mark.asked_s] for mark in config.challenges],
        "face_db": config.face_db,
        "store_face": config.store_face,
        "profile": config.profile.to_json(),  # what genuine sessions look like: it changes the findings
        **({"region": list(config.policy.region)} if config.policy.region else {}),  # absent: keys of jobs before
    }


def config_from_settings(settings: dict) -> AnalysisConfig:
    return AnalysisConfig(
        policy=SamplingPolicy(max_fps=settings["max_fps"], max_side=settings["max_side"],
                              region=tuple(settings["region"]) if settings.get("region") else None),
        whisper_model=settings["whisper_model"],
        transcribe=settings["transcribe"],
        id_photo=Path(settings["id_photo"]) if settings["id_photo"] else None,
        candidate=settings["candidate"],
        challenges=tuple(ChallengeMark(kind, asked) for kind, asked in settings["challenges"]),
        face_db=settings.get("face_db") or default_face_db(),
        store_face=settings["store_face"],
        profile=Profile.from_json(settings["profile"]),
    )


def job_key(input_sha256: str, settings: dict) -> str:
    """Same recording bytes + same settings that change the result = same job (analysed once).
    Where the files are and where face embeddings go do not change the analysis."""
    relevant = {k: v for k, v in settings.items() if k not in ("id_photo", "face_db", "store_face", "media_copy")}
    return audit.sha256_text(audit.canonical([input_sha256, relevant]))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def submit(store: Store, recording: Path, config: AnalysisConfig, data_dir: Path,
           media_copy: Path | None = None) -> Submission:
    """Add a job for `recording` unless the same bytes were already analysed (or are being
    analysed) with the same settings. The caller enqueues the job's id when `enqueue` is True.
    `media_copy`: the recording is the tool's own copy (an upload), deleted by a purge."""
    recording = Path(recording).resolve()
    sha = file_sha256(recording)
    settings = settings_of(config) | {"media_copy": str(media_copy) if media_copy else None}
    key = job_key(sha, settings)
    now = time.time()
    with store.write() as conn:
        existing = _select(conn, "WHERE job_key = ?", key)
        if existing and existing[0].state != "failed":
            return Submission(existing[0], enqueue=existing[0].state == "queued")
        if existing:
            conn.execute(
                "UPDATE jobs SET state = 'queued', attempts = 0, worker = NULL, heartbeat_at = NULL, progress = NULL, "
                "error = NULL, input_path = ?, settings = ?, data_dir = ?, submitted_at = ?, started_at = NULL, "
                "finished_at = NULL WHERE id = ?",
                (str(recording), json.dumps(settings), str(data_dir), now, existing[0].id),
            )
            notes = [f"failed before ({existing[0].error}): trying again"]
            return Submission(_select(conn, "WHERE id = ?", existing[0].id)[0], enqueue=True, notes=notes)
        conn.execute(
            f"INSERT INTO jobs ({_COLUMNS}) VALUES (?,?,?,?,?,?,'queued',0,NULL,NULL,NULL,NULL,NULL,?,NULL,NULL)",
            (uuid.uuid4().hex[:12], key, str(recording), sha, json.dumps(settings), str(data_dir), now),
        )
        return Submission(_select(conn, "WHERE job_key = ?", key)[0], enqueue=True)


def claim(store: Store, job_id: str, lease_s: float) -> Job | None:
    """Take the job for this process: None when it is finished, unknown, or running under a live lease."""
    now = time.time()
    with store.write() as conn:
        jobs = _select(conn, "WHERE id = ?", job_id)
        if not jobs:
            return None
        job = jobs[0]
        if job.state in FINISHED or (job.state == "running" and now - (job.heartbeat_at or 0) < lease_s):
            return None
        conn.execute(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = ?, heartbeat_at = ?, progress = 0, "
            "started_at = ? WHERE id = ?",
            (worker_name(), now, now, job_id),
        )
        return _select(conn, "WHERE id = ?", job_id)[0]


def heartbeat(store: Store, job: Job, progress: float) -> None:
    """This attempt is alive and `progress` (0..1) through the recording."""
    with store.connect() as conn:
        conn.execute(
            "UPDATE jobs SET heartbeat_at = ?, progress = ? WHERE id = ? AND attempts = ? AND state = 'running'",
            (time.time(), progress, job.id, job.attempts),
        )


def complete(store: Store, job: Job, summary: dict, out_dir: Path) -> bool:
    """Store the session and mark the job done, in one transaction; False (nothing stored) when
    another attempt finished it first."""
    with store.write() as conn:
        state = conn.execute("SELECT state FROM jobs WHERE id = ?", (job.id,)).fetchone()[0]
        if state in FINISHED:
            return False
        store.record_session(summary, out_dir, job.settings.get("media_copy"), conn=conn)
        conn.execute(
            "UPDATE jobs SET state = 'done', session_id = ?, progress = 1, finished_at = ?, error = NULL WHERE id = ?",
            (summary["session_id"], time.time(), job.id),
        )
    return True


def give_up(store: Store, job: Job, error: str, unusable: bool) -> None:
    """End this attempt with `error`: the input cannot be analysed (`unusable`), or the tool failed."""
    with store.write() as conn:
        conn.execute(
            "UPDATE jobs SET state = ?, error = ?, finished_at = ? WHERE id = ? AND attempts = ? AND state = 'running'",
            ("unusable" if unusable else "failed", error, time.time(), job.id, job.attempts),
        )


def expire(store: Store, job_id: str, attempt: int, lease_s: float) -> str:
    """The watchdog's question about one attempt: "alive" (heartbeat within the lease), "over"
    (finished, or a later attempt runs), or "requeue" (its worker died: the job is queued again;
    after MAX_ATTEMPTS deaths it fails instead, and "over" is returned)."""
    with store.write() as conn:
        jobs = _select(conn, "WHERE id = ? AND attempts = ? AND state = 'running'", job_id, attempt)
        if not jobs:
            return "over"
        if time.time() - (jobs[0].heartbeat_at or 0) < lease_s:
            return "alive"
        if attempt >= MAX_ATTEMPTS:
            error = f"its worker stopped {attempt} times without finishing (killed, out of memory, or the machine went down)"
            conn.execute("UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE id = ?",
                         (error, time.time(), job_id))
            return "over"
        conn.execute("UPDATE jobs SET state = 'queued', worker = NULL WHERE id = ?", (job_id,))
        return "requeue"


def stale(store: Store, lease_s: float) -> list[Job]:
    """Running jobs whose heartbeat stopped more than a lease ago (for a sweep when a watchdog was lost)."""
    with store.connect() as conn:
        return _select(conn, "WHERE state = 'running' AND heartbeat_at < ?", time.time() - lease_s)


def get(store: Store, job_ids: list[str]) -> list[Job]:
    """The jobs, in the order of `job_ids` (unknown ids are left out)."""
    if not job_ids:
        return []
    with store.connect() as conn:
        found = {job.id: job for job in _select(conn, f"WHERE id IN ({','.join('?' * len(job_ids))})", *job_ids)}
    return [found[i] for i in job_ids if i in found]


def queue_position(store: Store, job: Job) -> int:
    """1 = next to be taken; 0 once the job is running or finished."""
    if job.state != "queued":
        return 0
    with store.connect() as conn:
        return conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND submitted_at <= ?",
                            (job.submitted_at,)).fetchone()[0]


def waiting_count(store: Store) -> int:
    with store.connect() as conn:
        return conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").fetchone()[0]


def _select(conn: Connection, where: str, *args: object) -> list[Job]:
    return [Job.from_row(row) for row in conn.execute(f"SELECT {_COLUMNS} FROM jobs {where}", args).fetchall()]
