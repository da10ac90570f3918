"""Batch review on the job queue with the real parts: `interview-verify batch` on six real 3 s GRID
clips and a broken file, killed part-way and run again (the embedded SQLite queue); then two
`interview-verify worker` processes on a real redis-server with the store in a real PostgreSQL
(pgserver), one of them killed with SIGKILL in the middle of an analysis."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from interview import jobs
from interview.batch import collect
from interview.calibration.profile import load_profile
from interview.checks.base import ChallengeMark
from interview.checks.liveness.challenges import CATALOGUE
from interview.config import AnalysisConfig
from interview.recording import SamplingPolicy
from interview.records import audit
from interview.records.store import Store
from models.hashing import file_sha256
from tests.conftest import dev_file
from tests.ui_server import free_port

pytestmark = pytest.mark.usefixtures("models_ready")

CLIPS = ("gr_bbaf2n", "gr_brbk7n", "gr_lbax4n", "gr_lbbc2a", "gr_lrwp9a", "gr_lwbsza")
LEASE_S = 4.0  # short, so a dead worker's job comes back within seconds
CLI = [sys.executable, "-m", "interview.cli"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """A folder with the six clips (links to the dev media) and one broken "recording"."""
    folder = tmp_path_factory.mktemp("recordings")
    for name in CLIPS:
        (folder / f"{name}.mpg").symlink_to(dev_file(f"A_talking_head/{name}.mpg"))
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    (folder / "notes.txt").write_text("not a recording: a folder's other files are left alone")
    (folder / "day.csv").write_text(
        "file,id_photo,candidate,challenges\n"
        f"gr_bbaf2n.mpg,{dev_file('B_identity/df_img1.jpg')},Ann Grid,\n"
        "gr_brbk7n.mpg,,Bo Grid,smile@1.0; turn_left@2\n")
    return folder


def clip_hashes(folder: Path) -> dict[str, str]:
    return {file_sha256(folder / f"{name}.mpg"): name for name in CLIPS}


def stored_sessions(store: Store) -> list[str]:
    """The input sha256 of every stored session."""
    return [store.get_session(row.id).input_sha256 for row in store.list_sessions()]


def start(args: list[str], log: Path) -> subprocess.Popen:
    """A command in its own process group (so a kill takes its worker processes with it)."""
    handle = open(log, "w")
    return subprocess.Popen(CLI + args, stdout=handle, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def job_rows(store: Store) -> list[jobs.Job]:
    with store.connect() as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM jobs ORDER BY submitted_at").fetchall()]
    return jobs.get(store, ids)


def test_batch_on_the_embedded_queue_resumes_after_a_crash_and_skips_what_is_done(clips, tmp_path):
    db, data = tmp_path / "sessions.db", tmp_path / "data"
    args = ["batch", str(clips), "--manifest", str(clips / "day.csv"), "--db", str(db), "--data-dir", str(data),
            "--workers", "2", "--lease", str(LEASE_S), "--json"]
    store = Store(db)

    # 1. Killed (SIGKILL, batch and its workers) once two sessions are stored and others are running.
    first = start(args, tmp_path / "first.log")
    wait_until(lambda: len(store.list_sessions()) >= 2 or first.poll() is not None, 240, "two sessions")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = len(store.list_sessions())
    assert 2 <= before < 6, (tmp_path / "first.log").read_text()[-3000:]

    # 2. The same command again finishes the rest; the broken file is one row, not a stop.
    second = subprocess.run(CLI + args, capture_output=True, text=True, timeout=300)
    rows = {Path(r["file"]).name: r for r in json.loads(second.stdout)}
    assert second.returncode == 1, second.stderr[-3000:]  # not every file has a session
    assert set(rows) == {f"{name}.mpg" for name in CLIPS} | {"broken.mp4"}  # notes.txt is not a recording
    assert rows["broken.mp4"]["outcome"] == "unusable" and "not a readable audio/video file" in rows["broken.mp4"]["detail"]
    outcomes = [rows[f"{name}.mpg"]["outcome"] for name in CLIPS]
    assert outcomes.count("already analysed") == before and outcomes.count("analysed") == 6 - before
    assert f"{6 - before} to analyse, {before} already analysed with the same settings, 1 unusable before" in second.stderr
    assert "ETA" in second.stderr
    # every clip stored exactly once, and each row names its clip's session
    hashes = clip_hashes(clips)
    assert sorted(stored_sessions(store)) == sorted(hashes)
    for name in CLIPS:
        assert hashes[store.get_session(rows[f"{name}.mpg"]["session_id"]).input_sha256] == name
    # the manifest's candidate, ID photo and challenges went with their files
    ann, bo = (store.get_session(rows[f"{name}.mpg"]["session_id"]) for name in ("gr_bbaf2n", "gr_brbk7n"))
    assert (ann.candidate, bo.candidate) == ("Ann Grid", "Bo Grid")
    assert ann.summary["measurements"]["id_photo"]["path"] == str(dev_file("B_identity/df_img1.jpg").resolve())
    assert [c["kind"] for c in bo.summary["challenges_asked"]] == ["smile", "turn_left"]

    # 3. Once more: nothing to analyse, and it says so.
    third = subprocess.run(CLI + args, capture_output=True, text=True, timeout=120)
    again = {Path(r["file"]).name: r for r in json.loads(third.stdout)}
    assert "0 to analyse, 6 already analysed with the same settings, 1 unusable before" in third.stderr
    assert [again[f"{name}.mpg"]["session_id"] for name in CLIPS] == [rows[f"{name}.mpg"]["session_id"] for name in CLIPS]
    assert len(store.list_sessions()) == 6
    assert audit.verify(store).ok


def test_manifest_problems_are_rows_not_stops(clips, tmp_path):
    manifest = tmp_path / "day.csv"
    manifest.write_text("file,candidate,challenges,region\n"
                        f"{clips / 'gr_bbaf2n.mpg'},Ann,wave@3,\n"
                        f"{clips / 'gr_lbax4n.mpg'},Cy,,\"0,0,180,288\"\n"
                        f"{clips / 'gr_brbk7n.mpg'},Bo,,left half\n"
                        f"{clips / 'missing.mp4'},Dee,,\n")
    items, problems = collect([], AnalysisConfig(), manifest)
    assert [(i.path.name, i.config.candidate, i.config.policy.region) for i in items] == [
        ("gr_lbax4n.mpg", "Cy", (0, 0, 180, 288))]  # a meeting recording's tile goes with its file
    assert {Path(p.file).name: p.detail for p in problems} == {
        "gr_bbaf2n.mpg": "manifest line 2: unknown challenge 'wave'; known: " + ", ".join(CATALOGUE),
        "gr_brbk7n.mpg": "manifest line 4: give X,Y,WIDTH,HEIGHT in the recording's pixels, e.g. 640,0,640,360",
        "missing.mp4": "file not found"}


def test_a_job_is_the_same_bytes_with_the_same_settings(tmp_path):
    photo, copy = dev_file("B_identity/df_img1.jpg"), tmp_path / "copy.jpg"
    shutil.copy(photo, copy)
    base = jobs.settings_of(AnalysisConfig(candidate="Jane Doe", id_photo=photo, face_db="off"))
    key = jobs.job_key("sha", base)
    # where the ID photo and the face registry are does not change the analysis
    assert jobs.job_key("sha", jobs.settings_of(AnalysisConfig(candidate="Jane Doe", id_photo=copy))) == key
    assert jobs.job_key("other sha", base) != key
    for other in (AnalysisConfig(candidate="John Doe", id_photo=photo), AnalysisConfig(candidate="Jane Doe"),
                  AnalysisConfig(candidate="Jane Doe", id_photo=photo, policy=SamplingPolicy(max_fps=25)),
                  AnalysisConfig(candidate="Jane Doe", id_photo=photo, policy=SamplingPolicy(region=(640, 0, 640, 360))),
                  AnalysisConfig(candidate="Jane Doe", id_photo=photo, challenges=(ChallengeMark("smile", 1.0),)),
                  AnalysisConfig(candidate="Jane Doe", id_photo=photo,
                                 profile=replace(load_profile(), thresholds={"deepfake": {"review": 9.0}}))):
        assert jobs.job_key("sha", jobs.settings_of(other)) != key
    assert jobs.config_from_settings(base) == AnalysisConfig(candidate="Jane Doe", id_photo=photo.resolve(), face_db="off")
    tile = AnalysisConfig(policy=SamplingPolicy(region=(640, 0, 640, 360)), face_db="off")
    assert jobs.config_from_settings(jobs.settings_of(tile)) == tile  # the worker analyses the same tile
    assert "region" not in base  # jobs queued before regions keep their keys


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A real redis-server (Debian package redis-server) on a free port, no persistence."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    wait_until(lambda: _pings(client), 20, "redis-server to answer")
    yield url
    process.terminate()
    process.wait(timeout=10)


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory) -> Iterator[str]:
    pgserver = pytest.importorskip("pgserver", reason="pgserver (PostgreSQL in a wheel) not installed")
    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    yield server.get_uri()
    server.cleanup()


@contextmanager
def workers(count: int, queue: str, logs: Path) -> Iterator[list[subprocess.Popen]]:
    processes = [start(["worker", "--queue", queue, "--workers", "1"], logs / f"worker{i}.log") for i in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)


def children(pid: int) -> set[int]:
    """Process ids whose parent is `pid` (a Huey consumer's worker processes)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.add(int(entry.name))
    return found


def test_two_workers_on_redis_and_postgres_survive_a_killed_worker(clips, tmp_path, redis_url, postgres_url):
    shared = tmp_path / "shared"  # the reports folder every machine mounts
    store = Store(postgres_url)
    with workers(2, redis_url, tmp_path) as (first, second):
        batch = start(["batch", *[str(clips / f"{name}.mpg") for name in CLIPS], "--queue", redis_url,
                       "--db", postgres_url, "--data-dir", str(shared), "--lease", str(LEASE_S), "--json"],
                      tmp_path / "batch.log")

        first_pids: set[int] = set()  # the first worker's analysing processes, seen while it lives

        def on_first(job: jobs.Job) -> bool:
            first_pids.update(children(first.pid) if first.poll() is None else ())
            return job.worker is not None and int(job.worker.rsplit(":", 1)[1]) in first_pids

        def first_is_mid_job_after_one_done() -> bool:
            rows = job_rows(store)
            return (any(j.state == "done" and on_first(j) for j in rows)
                    and any(j.state == "running" and on_first(j) and (j.progress or 0) > 0.1 for j in rows))

        wait_until(first_is_mid_job_after_one_done, 240, "the first worker to be in the middle of its second job")
        killed = next(j for j in job_rows(store) if j.state == "running" and on_first(j))
        os.killpg(first.pid, signal.SIGKILL)
        assert batch.wait(timeout=300) == 0, (tmp_path / "batch.log").read_text()[-3000:]

    finished = {j.id: j for j in job_rows(store)}
    assert [j.state for j in finished.values()] == ["done"] * 6
    # the killed job was retried (a second attempt) and finished on the other worker
    retried = finished[killed.id]
    assert retried.attempts == 2 and not on_first(retried)
    # both workers analysed clips, each clip exactly once
    assert {on_first(j) for j in finished.values()} == {True, False}
    hashes = clip_hashes(clips)
    assert sorted(stored_sessions(store)) == sorted(hashes)
    for job in finished.values():
        assert Path(store.get_session(job.session_id).out_dir).parent == shared.resolve()

    # The chain on PostgreSQL verifies, with concurrent appends from several connections.
    session = finished[killed.id].session_id
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: Store(postgres_url).record_consent(session, f"Candidate {i}"), range(12)))
    signed = subprocess.run(CLI + ["signoff", session, "--decision", "approve", "--name", "Ann", "--db", postgres_url],
                            capture_output=True, text=True)
    assert signed.returncode == 0, signed.stderr
    verified = subprocess.run(CLI + ["audit", "verify", "--db", postgres_url], capture_output=True, text=True)
    assert verified.returncode == 0 and "audit chain intact: 19 entries" in verified.stdout, verified.stderr

    # The stored records are append-only there too, and an edit behind the tool's back is caught.
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="signoffs is append-only"):
            conn.execute("UPDATE signoffs SET decision = 'reject'")
        conn.execute("ALTER TABLE signoffs DISABLE TRIGGER USER")
        conn.execute("UPDATE signoffs SET decision = 'reject'")
    broken = subprocess.run(CLI + ["audit", "verify", "--db", postgres_url], capture_output=True, text=True)
    assert broken.returncode == 1 and "broken at entry 19" in broken.stderr and "decision" in broken.stderr
