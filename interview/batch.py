"""`interview-verify batch PATH...`: queue many recordings, wait with progress and an ETA, and end
with one line per file.

Each file becomes a job (interview.jobs) on the queue (interview.job_queue); a file whose bytes
were already analysed with the same settings is not analysed again, so running the same command
after a crash resumes where it stopped. A file that cannot be used ends as one row with its reason;
the others go on. With the embedded queue, `--workers N` analyses here in N processes; with Redis,
workers elsewhere do (`interview-verify worker`), and `--workers N` adds N here.

A manifest (CSV with a header) gives per file: `file` (a path, relative to the CSV, or a name
among the PATHs), `id_photo`, `candidate`, `challenges` (KIND@SECONDS separated by `;`) and
`region` (X,Y,WIDTH,HEIGHT: the candidate's tile of a meeting recording; empty: the whole picture).
"""

from __future__ import annotations

import csv
import signal
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TextIO

from interview import jobs
from interview.checks.liveness.challenges import parse_mark
from interview.config import AnalysisConfig
from interview.job_queue import DEFAULT_LEASE_S, JobQueue
from interview.recording import parse_region
from interview.records.store import Store, StoreError

MEDIA_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".m4v", ".wmv", ".flv", ".3gp",
                  ".ts", ".mts", ".m4a", ".mp3", ".wav", ".flac", ".ogg", ".opus", ".aac"}
POLL_S = 1.0


@dataclass
class Row:
    """One file's line in the final table (and in `--json`)."""

    file: str
    outcome: str  # analysed, already analysed, unusable, failed, interrupted
    job_id: str | None = None
    session_id: str | None = None
    status: str | None = None
    detail: str = ""  # the headline, or why it has no session
    attempts: int = 0
    seconds: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Item:
    path: Path
    config: AnalysisConfig


def read_manifest(csv_path: Path) -> dict[str, dict]:
    """Rows keyed by the resolved file path (and by bare file name, for files given as PATHs)."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise StoreError(f"cannot read the manifest {csv_path}: {exc.strerror}") from None
    if rows and "file" not in rows[0]:
        raise StoreError(f"the manifest {csv_path} needs a header with a 'file' column "
                         "(and optionally id_photo, candidate, challenges, region)")
    by_file = {}
    for line, row in enumerate(rows, start=2):
        name = (row.get("file") or "").strip()
        if not name:
            raise StoreError(f"{csv_path} line {line}: the 'file' column is empty")
        entry = {**row, "line": line, "path": (csv_path.parent / name).resolve()}
        by_file[str(entry["path"])] = by_file[name] = entry
    return by_file


def _config_for(base: AnalysisConfig, row: dict | None, csv_path: Path | None) -> AnalysisConfig:
    if not row:
        return base
    photo = (row.get("id_photo") or "").strip()
    marks = [text for text in (row.get("challenges") or "").split(";") if text.strip()]
    tile = (row.get("region") or "").strip()
    try:
        challenges = tuple(parse_mark(text) for text in marks)
        region = parse_region(tile) if tile else base.policy.region
    except ValueError as exc:
        raise ValueError(f"manifest line {row['line']}: {exc}") from None
    return replace(base.with_region(region), id_photo=(csv_path.parent / photo).resolve() if photo else base.id_photo,
                   candidate=(row.get("candidate") or "").strip() or base.candidate, challenges=challenges)


def collect(paths: list[Path], base: AnalysisConfig, manifest: Path | None) -> tuple[list[Item], list[Row]]:
    """The recordings to submit (folders give their media files, by suffix) and a row for each
    input that cannot even be submitted."""
    rows = read_manifest(manifest) if manifest else {}
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)
        else:
            files.append(path)
    if not paths:
        files = sorted({entry["path"] for entry in rows.values()})
    items, problems = [], []
    for path in dict.fromkeys(p.resolve() for p in files):
        row = rows.get(str(path)) or rows.get(path.name)
        try:
            config = _config_for(base, row, manifest)
            if not path.is_file():
                raise ValueError("file not found")
            if config.id_photo is not None and not Path(config.id_photo).is_file():
                raise ValueError(f"ID photo {config.id_photo} not found")
        except ValueError as exc:
            problems.append(Row(str(path), "unusable", detail=str(exc)))
            continue
        items.append(Item(path, config))
    return items, problems


def run_batch(items: list[Item], store: Store, queue: JobQueue, data_dir: Path, workers: int,
              lease_s: float = DEFAULT_LEASE_S, out: TextIO = sys.stderr) -> list[Row]:
    """Submit, analyse (here with `workers` processes, and on any worker of the queue), wait."""
    order, earlier, unreadable = [], set(), []
    for item in items:
        try:
            submission = jobs.submit(store, item.path, item.config, data_dir)
        except OSError as exc:  # vanished or unreadable since it was listed
            unreadable.append(Row(str(item.path), "unusable", detail=f"cannot read it: {exc.strerror}"))
            continue
        for note in submission.notes:
            print(f"{item.path.name}: {note}", file=out)
        if submission.enqueue:
            queue.enqueue(store.url, submission.job.id, lease_s)
        if submission.job.state in jobs.FINISHED:
            earlier.add(submission.job.id)
        order.append((item.path, submission.job.id))
    waiting = list(dict.fromkeys(job_id for _, job_id in order if job_id not in earlier))
    done_before = sum(job.state == "done" for job in jobs.get(store, list(earlier)))
    print(f"{len(order)} recordings: {len(waiting)} to analyse, {done_before} already analysed with the same "
          f"settings" + (f", {len(earlier) - done_before} unusable before" if len(earlier) > done_before else "")
          + (f"; queue {queue.location}" if waiting else ""), file=out)
    if waiting:
        _wait(waiting, store, queue, workers, lease_s, out)
    finished = {job.id: job for job in jobs.get(store, [job_id for _, job_id in order])}
    return [_row(store, str(path), finished[job_id], job_id in earlier) for path, job_id in order] + unreadable


def _row(store: Store, file: str, job: jobs.Job, earlier: bool) -> Row:
    if job.state == "done":
        session = store.get_session(job.session_id)
        seconds = round(job.finished_at - job.started_at, 1) if job.finished_at and job.started_at else None
        return Row(file, "already analysed" if earlier else "analysed", job.id, job.session_id, session.status,
                   session.headline, job.attempts, seconds)
    if job.state in ("queued", "running"):
        return Row(file, "interrupted", job.id, detail=f"still {job.state}: run the same command again")
    return Row(file, job.state, job.id, detail=job.error or "", attempts=job.attempts)


class _LocalWorkers:
    """A Huey consumer in this process (its workers are child processes). `wait` runs the
    consumer's own loop, which restarts dead workers and turns Ctrl+C into ConsumerStopped."""

    def __init__(self, queue: JobQueue, workers: int):
        self.consumer = queue.consumer(workers)
        self.health_ts = time.monotonic()
        self.handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}

    def __enter__(self) -> _LocalWorkers:
        self.consumer.start()
        return self

    def wait(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self.health_ts = self.consumer.loop(self.health_ts)

    def __exit__(self, *exc_info) -> None:
        self.consumer.stop(graceful=False)
        for sig, handler in self.handlers.items():  # the consumer took over the signals
            signal.signal(sig, handler)


class _NoWorkers:
    def __enter__(self) -> _NoWorkers:
        return self

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def __exit__(self, *exc_info) -> None:
        pass


def _wait(job_ids: list[str], store: Store, queue: JobQueue, workers: int, lease_s: float, out: TextIO) -> None:
    """Poll the store until every job is finished, showing progress; Ctrl+C stops waiting (and
    the local workers) and leaves the rest queued for the next run."""
    from huey.consumer import ConsumerStopped

    started, last, current = time.monotonic(), "", jobs.get(store, job_ids)
    try:
        with _LocalWorkers(queue, workers) if workers > 0 else _NoWorkers() as local:
            while any(job.state not in jobs.FINISHED for job in current):
                local.wait(POLL_S)
                current = jobs.get(store, job_ids)
                _requeue_stale(store, queue, lease_s)
                line = _progress_line(current, time.monotonic() - started)
                if out.isatty():
                    print(f"\r{line:<110}", end="", file=out, flush=True)
                elif line.split(",")[0] != last.split(",")[0]:  # not a tty: a line per finished job
                    print(line, file=out, flush=True)
                last = line
    except (KeyboardInterrupt, ConsumerStopped):
        left = sum(job.state not in jobs.FINISHED for job in current)
        print(f"\nstopped: {left} recordings not finished stay queued; run the same command again to resume",
              file=out)
        return
    if out.isatty():
        print(file=out)


def _requeue_stale(store: Store, queue: JobQueue, lease_s: float) -> None:
    """A backstop for a watchdog message lost with its worker: jobs silent for two leases go back."""
    for job in jobs.stale(store, 2 * lease_s):
        if jobs.expire(store, job.id, job.attempts, lease_s) == "requeue":
            queue.enqueue(store.url, job.id, lease_s)


def _progress_line(current: list[jobs.Job], elapsed: float) -> str:
    finished = sum(job.state in jobs.FINISHED for job in current)
    running = [job for job in current if job.state == "running"]
    share = (finished + sum(job.progress or 0 for job in running)) / len(current)
    eta = f"ETA {_clock(elapsed * (1 - share) / share)}" if share > 0 else "ETA unknown"
    failed = sum(job.state in ("unusable", "failed") for job in current)
    return (f"{finished}/{len(current)} finished, {len(running)} running, {failed} without a session, "
            f"{share * 100:.0f}% after {_clock(elapsed)}, {eta}")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def table(rows: list[Row]) -> str:
    """The summary: one line per file, then the totals."""
    lines = [f"{'file':<28} {'outcome':<17} {'session':<13} {'status':<12} detail"]
    for row in rows:
        lines.append(f"{Path(row.file).name[:28]:<28} {row.outcome:<17} {row.session_id or '-':<13} "
                     f"{row.status or '-':<12} {row.detail}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    lines.append(", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "nothing to do")
    return "\n".join(lines)
