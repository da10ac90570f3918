"""The job queue, on Huey: a SQLite file on this machine by default (nothing to install or start),
or Redis (`redis://HOST:PORT/DB`) for workers on many machines.

Two tasks travel on it, both carrying the store's location and a job id (interview.jobs):

- `analyse` claims the job, analyses the recording with a heartbeat thread (every 2 s, at most a
  quarter lease, carrying the progress), and stores the session. Huey retries it (RETRIES times) when the store itself fails.
- `watch` is scheduled one lease after each claim, runs on any worker, and asks the store whether
  that attempt is still beating: if so it looks again a lease later; if its worker died (killed,
  out of memory, machine gone: Huey never re-queues a task whose process vanished) it queues the
  job again. Results are never read from the queue: they are the sessions in the store.

Workers are Huey consumers started by our own commands (`interview-verify worker`, and `batch`
for the embedded queue), so the task code is this module on every machine. Recordings, ID photos
and the data dir must be at the same paths on every worker (a shared folder).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

from interview import jobs
from interview.analyze import analyze_recording
from interview.images import ImageError
from interview.media import MediaError
from interview.memory_ceiling import MemoryCeiling
from interview.records.store import Store, StoreError, new_session_dir

DEFAULT_LEASE_S = 60.0
PROGRESS_EVERY_S = 2.0  # the heartbeat also carries the progress the app and `batch` show
QUEUE_FILE = "queue.sqlite"
RETRIES, RETRY_DELAY_S = 3, 10
log = logging.getLogger("interview.jobs")


class QueueError(StoreError):
    """The queue cannot be reached or opened (one line)."""


def is_redis(queue: str | None) -> bool:
    return bool(queue) and queue.startswith(("redis://", "rediss://", "unix://"))


class JobQueue:
    """`queue`: a redis:// URL, a SQLite file, or None for `<data_dir>/queue.sqlite`."""

    def __init__(self, queue: str | None, data_dir: Path):
        if is_redis(queue):
            from redis.exceptions import RedisError

            self.huey: Huey = RedisHuey("interview-verify", url=queue, results=False)
            self.location = queue
            try:
                self.huey.storage.conn.ping()
            except RedisError as exc:
                raise QueueError(f"cannot reach the job queue {queue}: {exc}") from None
        else:
            path = Path(queue) if queue else Path(data_dir) / QUEUE_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey("interview-verify", filename=str(path), results=False)
            self.location = str(path)
        self._analyse = self.huey.task(name="analyse", retries=RETRIES, retry_delay=RETRY_DELAY_S)(self._run_analysis)
        self._watch = self.huey.task(name="watch")(self._run_watch)

    def enqueue(self, db: str, job_id: str, lease_s: float = DEFAULT_LEASE_S) -> None:
        """`db` is the store's location as every worker must open it (absolute path or URL)."""
        self._analyse(db, job_id, lease_s)

    def consumer(self, workers: int) -> Consumer:
        """A Huey consumer with `workers` processes (an analysis uses about one core and a half)."""
        return self.huey.create_consumer(workers=workers, worker_type="process", periodic=False, max_delay=1.0,
                                         health_check_interval=5)

    def _run_analysis(self, db: str, job_id: str, lease_s: float) -> None:
        store = Store(db)
        job = jobs.claim(store, job_id, lease_s)
        if job is None:
            return  # finished, or another worker holds it
        self._watch.schedule((db, job_id, job.attempts, lease_s), delay=lease_s)
        analyse_job(store, job, lease_s)

    def _run_watch(self, db: str, job_id: str, attempt: int, lease_s: float) -> None:
        verdict = jobs.expire(Store(db), job_id, attempt, lease_s)
        if verdict == "alive":
            self._watch.schedule((db, job_id, attempt, lease_s), delay=lease_s)
        elif verdict == "requeue":
            log.warning("job %s: attempt %d stopped beating (its worker died): queued again", job_id, attempt)
            self.enqueue(db, job_id, lease_s)


def spawn_worker(queue: JobQueue, workers: int) -> subprocess.Popen:
    """`interview-verify worker` on `queue` as a child process (the app's own analyses); stop it
    with `.terminate()`: a job it was on is retried after its lease."""
    return subprocess.Popen([sys.executable, "-m", "interview.cli", "worker", "--queue", queue.location,
                             "--workers", str(workers)])


class Heartbeat:
    """Beats for a claimed job on a thread while the analysis runs; `progress` is its callback."""

    def __init__(self, store: Store, job: jobs.Job, interval_s: float):
        self.store, self.job, self.interval_s = store, job, interval_s
        self.fraction = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job.id}", daemon=True)

    def progress(self, fraction: float, stage: str) -> None:
        self.fraction = fraction

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                jobs.heartbeat(self.store, self.job, self.fraction)
            except Exception as exc:  # a store hiccup: the next beat tries again, the lease allows 3 misses
                log.warning("job %s: heartbeat failed: %s", self.job.id, exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def analyse_job(store: Store, job: jobs.Job, lease_s: float) -> None:
    """Analyse a claimed job into a new folder of its data dir and store the session; a file that
    cannot be analysed marks the job unusable with the one-line reason, any other error failed."""
    name = Path(job.input_path).name
    log.info("job %s: analysing %s (attempt %d)", job.id, name, job.attempts)
    try:
        out_dir = new_session_dir(Path(job.data_dir))
        over = lambda reason: jobs.give_up(store, job, reason, unusable=True)  # noqa: E731
        with MemoryCeiling(over), Heartbeat(store, job, min(lease_s / 4, PROGRESS_EVERY_S)) as beat:
            summary = analyze_recording(job.input_path, job.config, out_dir, beat.progress)
    except (MediaError, ImageError) as exc:
        jobs.give_up(store, job, str(exc), unusable=True)
        log.info("job %s: %s cannot be analysed: %s", job.id, name, exc)
        return
    except Exception as exc:
        log.exception("job %s: analysing %s failed", job.id, name)
        jobs.give_up(store, job, f"internal error: {type(exc).__name__}: {exc}", unusable=False)
        return
    if jobs.complete(store, job, summary, out_dir):
        log.info("job %s: %s -> session %s (%s)", job.id, name, summary["session_id"], summary["overall"]["status"])
    else:
        log.info("job %s: %s was finished by another attempt; this result is not stored", job.id, name)
