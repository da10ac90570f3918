"""The Links tab on a running app: three scripted recordings reviewed under three names (through the
API, as an integration would send them), then the cluster they form, read through gradio_client
and seen in headless Chromium: names as nodes, the links with kind, similarity and threshold, the
reused passages side by side. Screenshot: test-artifacts/links-tab.png."""

from __future__ import annotations

import pytest

from fixtures.scripted_answers import scripted_answer
from tests.test_links import CLUSTER
from tests.ui_server import ARTIFACTS

NAMES = sorted(CLUSTER)


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client, handle_file

    client = Client(server.url, verbose=False, download_files=False)
    for name, (script, voice) in CLUSTER.items():
        summary = client.predict(video=handle_file(str(scripted_answer(script, voice).path)), id_photo=None,
                                 candidate=name, api_name="/analyze_recording")
        assert summary["links"]["status"] == "ok", summary["links"]
    return client


def test_links_endpoint_returns_the_cluster(client):
    html, view = client.predict(name="", api_name="/links")
    assert view["clusters"] == [{"names": NAMES, "kinds": ["answers", "voice"], "links": 2}]
    assert 'data-links="2"' in html
    _, only = client.predict(name="Bea Cruz", api_name="/links")
    assert only["clusters"] == view["clusters"]


def test_links_tab_shows_the_cluster_in_a_browser(client, browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server.url)
    page.get_by_role("tab", name="Links").click()
    page.get_by_role("button", name="Show links").click()
    cluster = page.locator(f'[data-cluster="{", ".join(NAMES)}"]')
    cluster.wait_for(timeout=30_000)
    assert "answers + voice" in cluster.inner_text() and "more than one kind" in cluster.inner_text()
    assert sorted(page.locator("[data-node]").all_text_contents()) == NAMES
    assert page.locator("svg line[data-kind]").count() == 2
    rows = page.locator("table.iv-links tr[data-kind]")
    assert sorted([rows.nth(i).get_attribute("data-kind") for i in range(rows.count())]) == ["answers", "voice"]
    passages = page.locator("tr[data-kind=answers] table.iv-passages td").all_inner_texts()
    assert len(passages) == 2 and all("microservices" in p for p in passages)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "links-tab.png"), full_page=True)
