"""Shared test helpers: where the real dev media lives, and skipping clearly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.cache import DEV_MEDIA


def dev_file(relpath: str) -> Path:
    """A file from ../shared/dev-media, or skip the test saying why."""
    path = DEV_MEDIA / relpath
    if not path.exists():
        pytest.skip(f"real dev media not available: {path} (../shared/dev-media is absent on this machine)")
    return path


@pytest.fixture(scope="session")
def models_ready() -> None:
    """Skip model-backed tests with the fix when the model cache was never filled."""
    from models.manifest import MANIFEST
    from models.registry import check

    missing = [check(s).problem for s in MANIFEST if not s.optional and not check(s).ok]
    if missing:
        pytest.fail("models missing, run `interview-verify models fetch`: " + "; ".join(missing))


@pytest.fixture(scope="session", autouse=True)
def private_stores(tmp_path_factory):
    """Keep the tests' sessions and face embeddings out of the user's own databases."""
    import os

    folder = tmp_path_factory.mktemp("stores")
    saved = {key: os.environ.get(key) for key in ("INTERVIEW_VERIFY_DB", "INTERVIEW_VERIFY_FACE_DB")}
    os.environ["INTERVIEW_VERIFY_DB"] = str(folder / "sessions.db")
    os.environ["INTERVIEW_VERIFY_FACE_DB"] = str(folder / "faces.sqlite")
    yield folder
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test whose fixture builder needs absent dev media skips with the reason, like dev_file()."""
    from fixtures.cache import DevMediaMissing

    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(DevMediaMissing):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"real dev media not available: {call.excinfo.value}")


@pytest.fixture(scope="module")
def server(models_ready, tmp_path_factory, request):
    """The app on a free port with its own data dir, one per test module that asks for it."""
    from tests.ui_server import running_app

    with running_app(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])) as app:
        yield app


@pytest.fixture(scope="module")
def browser(server):
    """Headless Chromium whose fake camera and microphone play tests.ui_server.CAMERA_CLIP."""
    from tests.ui_server import CAMERA_CLIP, chromium_with_fake_camera

    with chromium_with_fake_camera(dev_file(CAMERA_CLIP)) as chromium:
        yield chromium
