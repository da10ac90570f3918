"""A real app server for the UI tests: `interview-verify serve`'s code path on 127.0.0.1 and a free
port, with its own data folder, session database and face registry (so one test module's faces are
not "seen before" by another's)."""

from __future__ import annotations

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(root: Path, login: str | None = None, tls=None) -> Iterator[RunningApp]:
    """`login` ("user:password"): an admin account made the way an operator would (`accounts add`);
    `tls`: a ui.serve.Tls to serve HTTPS with."""
    from interview.accounts import add_account
    from interview.config import FACE_DB_ENV
    from interview.store import Store
    from ui.serve import serve

    if login:
        add_account(Store(root / "sessions.db"), *login.split(":", 1), role="admin")
    env = {FACE_DB_ENV: str(root / "faces.sqlite")}  # read when the app is built
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    app = serve("127.0.0.1", free_port(), root / "data", root / "sessions.db", max_upload_mb=200,
                max_duration_h=1.0, block=False, tls=tls)
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


def launch_with_fake_camera(browser_type, clip: Path):
    """A Chromium from `browser_type` (e.g. another browser's `.browser_type`: one Playwright per
    process) whose camera and microphone play `clip`."""
    from fixtures.av_edit import camera_feed

    video, audio = camera_feed(clip)
    fake_media = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}", f"--use-file-for-fake-audio-capture={audio}"]
    return browser_type.launch(executable_path=str(CHROMIUM), args=FLAGS + fake_media)
