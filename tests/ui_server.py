"""A real app server for the UI tests: `interview-verify serve`'s code path on 127.0.0.1 and a free
port, with its own data folder, session database and face registry (so one test module's faces are
not "seen before" by another's)."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # screenshots (gitignored)
CAMERA_CLIP = "D_presentation_attack/tv_real.mp4"  # what the fake camera and microphone play


@dataclass(frozen=True)
class RunningApp:
    url: str
    data_dir: Path
    db_path: Path


def self_signed_tls(folder: Path):
    """A certificate for 127.0.0.1 and localhost made as the README says for a LAN (openssl), as a ui.serve.Tls."""
    import subprocess

    from ui.serve import Tls

    tls = Tls(folder / "cert.pem", folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(tls.key),
                    "-out", str(tls.cert)], check=True, capture_output=True)
    return tls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(root: Path, login: str | None = None, tls=None, workers: int | None = None) -> Iterator[RunningApp]:
    """`login` ("user:password"): an admin account made the way an operator would (`accounts add`);
    `tls`: a ui.serve.Tls to serve HTTPS with; `workers`: analyses at once (serve's default: 1)."""
    from interview.accounts import add_account
    from interview.config import FACE_DB_ENV
    from interview.records.store import Store
    from ui.serve import serve

    if login:
        add_account(Store(root / "sessions.db"), *login.split(":", 1), role="admin")
    env = {FACE_DB_ENV: str(root / "faces.sqlite")}  # read when the app is built
    saved = {key: os.environ.get(key) for key in (*env, "GRADIO_TEMP_DIR")}  # serve() sets Gradio's cache
    os.environ.update(env)
    app = serve("127.0.0.1", free_port(), root / "data", root / "sessions.db", max_upload_mb=200,
                max_duration_h=1.0, block=False, tls=tls, workers=workers)
    try:
        yield RunningApp(app.local_url.rstrip("/"), root / "data", root / "sessions.db")
    finally:
        app.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def chromium_with_fake_camera(clip: Path) -> Iterator:
    """Debian's headless Chromium whose camera and microphone play `clip` (the test skips without it)."""
    import pytest

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = launch_with_fake_camera(playwright.chromium, clip)
        yield chromium
        chromium.close()


def launch_with_fake_camera(browser_type, clip: Path, extra_flags: tuple[str, ...] = ()):
    """A Chromium from `browser_type` (e.g. another browser's `.browser_type`: one Playwright per
    process) whose camera and microphone play `clip`."""
    from fixtures.av_edit import camera_feed

    video, audio = camera_feed(clip)
    fake_media = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}", f"--use-file-for-fake-audio-capture={audio}"]
    return browser_type.launch(executable_path=str(CHROMIUM), args=FLAGS + fake_media + list(extra_flags))


def queue_events(url: str, events: list[tuple[int, list]], login: tuple[str, str] | None = None) -> list:
    """Post events to the app's queue by function index in one browser session, as a page (or an
    attacker) does, after logging in with `login`; returns the last event's outputs."""
    import httpx

    with httpx.Client(base_url=url, timeout=120) as http:
        if login:
            assert http.post("/login", data={"username": login[0], "password": login[1]}).status_code == 200
        for fn_index, data in events:
            joined = http.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index,
                                                               "session_hash": "rawpost", "event_data": None})
            assert joined.status_code == 200, joined.text
            with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": "rawpost"}) as stream:
                done = next(json.loads(line[5:]) for line in stream.iter_lines()
                            if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed")
    return done["output"].get("data") or [done["output"].get("error")]


def signoff_events(url: str, session_id: str, form: tuple, login: tuple[str, str] | None = None) -> list:
    """The sign-off tab's list refresh (it fills the session picker's choices), its session picker
    (opening the session: the report, downloads and evidence) and its form's function (private: not
    in the API), found in the page config by their components. `form`: (decision, name, role,
    comment), or empty to stop after opening the session."""
    import httpx

    with httpx.Client(base_url=url, timeout=30) as http:
        if login:
            http.post("/login", data={"username": login[0], "password": login[1]})
        config = http.get("/config").json()
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    deps = config["dependencies"]
    load = next(i for i, d in enumerate(deps) if ids["iv-signoff-session"] in d["outputs"]
                and ids["iv-audit"] in d["outputs"] and ids["iv-signer"] in d["outputs"])
    opening = next(i for i, d in enumerate(deps) if d["inputs"] == [ids["iv-signoff-session"]]
                   and ids["iv-signoff-history"] in d["outputs"])
    record = next(i for i, d in enumerate(deps) if ids["iv-signer"] in d["inputs"])
    events = [(load, [None, "any", False, "any time"]), (opening, [session_id])]
    return events + ([(record, [session_id, *form, "any", False, "any time"])] if form else [])
