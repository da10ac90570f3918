"""Two analyses and a live call at once on one server (its worker runs two analyses in parallel,
the candidate's page posts frames and audio meanwhile, and sign-offs are written while they run):
every one completes, the SQLite store is in WAL mode, and the store and its audit chain verify."""

from __future__ import annotations

import base64
import sqlite3
import threading
import time

import cv2
import httpx
import numpy as np

from interview import jobs as jobs_module
from interview.records import audit
from interview.records.store import Store
from tests.conftest import dev_file

CLIPS = ("A_talking_head/gr_bbaf2n.mpg", "A_talking_head/gr_brbk7n.mpg")
LIVE_CLIP = "A_talking_head/gr_lbax4n.mpg"


def stream_call(url: str, seconds: float = 6.0) -> int:
    """Post the clip's frames (and silence as audio) to a candidate link in real time; frames answered."""
    capture = cv2.VideoCapture(str(dev_file(LIVE_CLIP)))
    answered, started = 0, time.monotonic()
    with httpx.Client(timeout=30) as page:
        assert page.post(f"{url}/join", json={}).json()["ok"]
        while (t := time.monotonic() - started) < seconds:
            ok, frame = capture.read()
            if not ok:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                continue
            jpeg = base64.b64encode(cv2.imencode(".jpg", frame)[1].tobytes()).decode()
            answered += page.post(f"{url}/frame", json={"t": t, "jpeg": jpeg}).json()["ok"]
            pcm = base64.b64encode(np.zeros(4800, "<i2").tobytes()).decode()
            page.post(f"{url}/audio", json={"t": t, "rate": 48000, "pcm": pcm})
            time.sleep(0.1)
    return answered


def _wait_until_running(client, job_ids: list[str], timeout_s: float = 300) -> None:
    """The worker is a separate process that may take a while to start: the call begins once it works."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(client.predict(j, api_name="/job_status")["state"] == "running" for j in job_ids):
            return
        time.sleep(0.2)
    raise AssertionError(f"no analysis started within {timeout_s:.0f} s")


def test_two_analyses_and_a_live_call_at_once(models_ready, tmp_path):
    from gradio_client import Client, handle_file

    from tests.test_accounts import record_session
    from tests.ui_server import running_app

    with running_app(tmp_path, login="ada:concurrent pass", workers=2) as app:
        store = Store(app.db_path)
        client = Client(app.url, auth=("ada", "concurrent pass"), verbose=False, download_files=False)
        jobs = [client.predict(handle_file(str(dev_file(c))), None, f"Con {i}", api_name="/submit_recording")
                for i, c in enumerate(CLIPS)]
        _wait_until_running(client, [j["job_id"] for j in jobs])
        call = client.predict("Con Live", api_name="/create_live_session")
        answered = []
        streamer = threading.Thread(target=lambda: answered.append(stream_call(call["candidate_url"])))
        streamed_from = time.time()
        streamer.start()
        signed = record_session(store, tmp_path)  # decisions are written while the analyses store theirs
        for decision in ("escalate", "approve", "reject"):
            client.predict(signed, decision, "during the rush", api_name="/sign_off")
        streamer.join()
        streamed_until = time.time()
        live = client.predict(call["session_id"], api_name="/end_live_session")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            states = [client.predict(j["job_id"], api_name="/job_status")["state"] for j in jobs]
            if all(s in ("done", "unusable", "failed") for s in states):
                break
            time.sleep(2)
    ran = jobs_module.get(store, [j["job_id"] for j in jobs])
    assert any(j.started_at < streamed_until and j.finished_at > streamed_from for j in ran), \
        "the analyses ran while the call streamed"
    assert states == ["done", "done"], states
    assert answered and answered[0] >= 10 and live["session_id"]
    sessions = {s.id: s for s in store.list_sessions()}
    assert {live["session_id"], signed} <= set(sessions) and len(sessions) == 4
    assert sessions[signed].decision == "reject"
    with sqlite3.connect(app.db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    verified = audit.verify(store)
    assert verified.ok and verified.entries >= 7, verified.describe()
