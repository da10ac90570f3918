"""The candidate link over HTTPS, in real browsers: an interviewer logs in and starts a live session;
the candidate opens the link in a second browser context with no login (self-signed certificate,
Chromium's --ignore-certificate-errors), streams the fake camera, and the interviewer's panel
updates; the same link in a third context is refused; after the call it is refused everywhere.
Plus the API: create_live_session returns a link built from --public-url."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from interview.accounts import add_account
from interview.records.store import Store
from tests.conftest import dev_file
from tests.ui_server import CAMERA_CLIP, launch_with_fake_camera, running_app, self_signed_tls

VIEWPORT = {"width": 1280, "height": 900}
LOGIN = ("ivy", "interviewer pass")
SENT = "(n) => Number(document.querySelector('#iv-capture-camera')?.dataset.sent || 0) >= n"


@pytest.fixture(scope="module")
def https_server(models_ready, tmp_path_factory):
    root = tmp_path_factory.mktemp("https")
    add_account(Store(root / "sessions.db"), *LOGIN, role="interviewer")
    with running_app(root, tls=self_signed_tls(root)) as app:
        yield app


@pytest.fixture(scope="module")
def chromium(https_server):
    from playwright.sync_api import sync_playwright

    from tests.ui_server import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = launch_with_fake_camera(playwright.chromium, dev_file(CAMERA_CLIP), ("--ignore-certificate-errors",))
        yield browser
        browser.close()


def panel_analysed(page) -> int:
    return int(page.locator(".iv-live-head").get_attribute("data-analysed"))


def test_a_remote_candidate_joins_over_https_on_one_device_until_the_call_ends(https_server, chromium):
    assert https_server.url.startswith("https://")
    interviewer = chromium.new_context(viewport=VIEWPORT).new_page()
    interviewer.goto(https_server.url)
    interviewer.get_by_label("username").fill(LOGIN[0])
    interviewer.get_by_label("password").fill(LOGIN[1])
    interviewer.get_by_role("button", name="Login").click()
    interviewer.get_by_role("tab", name="Live call").click()
    interviewer.locator("#iv-live-candidate textarea").fill("Remy Remote")
    interviewer.click("#iv-live-start")
    link = interviewer.locator("#iv-live-info code", has_text="/candidate/").inner_text(timeout=30_000)
    assert re.fullmatch(re.escape(https_server.url) + r"/candidate/[A-Za-z0-9_-]{43}", link), link

    candidate = chromium.new_context(viewport=VIEWPORT).new_page()  # no login, no cookies
    candidate.goto(link)
    assert candidate.evaluate("window.isSecureContext") is True
    candidate.click("#iv-capture-camera .iv-start")
    candidate.wait_for_function(SENT, arg=3, timeout=30_000)
    interviewer.wait_for_selector(".iv-live-head", timeout=15_000)
    first = panel_analysed(interviewer)
    interviewer.wait_for_function("(n) => Number(document.querySelector('.iv-live-head')?.dataset.analysed) > n",
                                  arg=first, timeout=15_000)
    assert interviewer.locator("#iv-live-panel .iv-card").count() == 4

    intruder = chromium.new_context(viewport=VIEWPORT).new_page()
    response = intruder.goto(link)
    assert response.status == 409
    assert "already open on another device" in intruder.inner_text(".iv-refused")
    post = "async (url) => { const r = await fetch(url, {method: 'POST', body: '{}'}); return [r.status, await r.json()]; }"
    status, reply = intruder.evaluate(post, f"{link}/join")
    assert status == 409 and not reply["ok"]
    assert intruder.evaluate("async (u) => (await fetch(u)).status", https_server.url + "/config") == 401, \
        "the app itself needs a login"

    interviewer.click("#iv-live-end")
    interviewer.wait_for_selector(".iv-result-headline .iv-headline", timeout=120_000)
    candidate.wait_for_selector("#iv-capture-camera[data-running=false]", timeout=15_000)
    assert "The call has ended" in candidate.inner_text(".iv-state")
    for page in (candidate, intruder):
        after = page.goto(link)
        assert after.status == 404 and "not valid or the call has ended" in page.inner_text(".iv-refused")
    [session] = Store(https_server.db_path).list_sessions()
    assert session.candidate == "Remy Remote" and session.consent


def test_create_live_session_builds_the_link_from_the_public_url(models_ready, tmp_path):
    from gradio_client import Client

    from tests.ui_server import free_port
    from ui.serve import serve

    add_account(Store(tmp_path / "sessions.db"), "ivy", "interviewer pass", "interviewer")
    app = serve("127.0.0.1", free_port(), tmp_path / "data", tmp_path / "sessions.db", 100, 1.0, workers=0,
                block=False, public_url="https://interviews.example.com/", link_hours=0.0005)
    try:
        client = Client(app.local_url, auth=LOGIN, verbose=False, download_files=False)
        started = client.predict("Ana API", api_name="/create_live_session")
        token = started["candidate_url"].rsplit("/", 1)[1]
        assert started["candidate_url"] == f"https://interviews.example.com/candidate/{token}"
        local = f"{app.local_url.rstrip('/')}/candidate/{token}"
        assert httpx.get(local).status_code == 200
        time.sleep(2.0)  # link_hours=0.0005: 1.8 s
        assert httpx.get(local).status_code == 404, "the link expired"
    finally:
        app.close()
