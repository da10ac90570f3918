"""Each tab at 1280x800 in headless Chromium, as an interviewer, a reviewer and a hiring manager
use it: nothing wider than the window; after a face that does not match its ID, the ID photo
beside the frames it was compared with; an error that is still on screen 15 s later; a second
analysis that says in words where it is in the queue; the live identity card that says what it
checked without an ID photo; a candidate page that ends cleanly and shows nothing of the app; a
sign-off form beside the headline, with coloured status and filters. Screenshots land in
test-artifacts/walk-*.png.
"""

from __future__ import annotations

import re

import pytest

from interview.report.plots import COLOURS
from tests.conftest import dev_file
from tests.test_ui_browser import start_live_call
from tests.ui_server import ARTIFACTS

VIEWPORT = {"width": 1280, "height": 800}
SPEAKER = "A_talking_head/vr_face2.mp4"  # a man in a shirt and tie
OTHER_FACE = "B_identity/df_img1.jpg"  # a different person's portrait: the ID does not match
LONG_CLIP = "D_presentation_attack/tv_real.mp4"  # 21 s: long enough to keep a second analysis waiting
# Visible elements whose right edge passes the window (a table wider than its tab, a clipped row).
TOO_WIDE = """() => [...document.querySelectorAll('body *')].filter((e) => {
    const box = e.getBoundingClientRect(), style = getComputedStyle(e);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && box.right > innerWidth + 1;
}).slice(0, 5).map((e) => `${e.tagName}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)"""


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"walk-{name}.png"), full_page=True)


def assert_fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    assert page.evaluate(TOO_WIDE) == []


def upload(page, video: str, photo: str | None = None) -> None:
    page.locator("#iv-review-video input[type=file]").set_input_files(str(dev_file(video)))
    page.wait_for_selector("#iv-review-video >> text=.mp4")
    if photo:
        page.locator("#iv-review-photo input[type=file]").set_input_files(str(dev_file(photo)))
        page.wait_for_selector("#iv-review-photo >> text=.jpg")


@pytest.fixture(scope="module")
def mismatch(server, browser):
    """Review: an error first (nothing uploaded), then a recording whose face is not the ID's."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(server.url)
    page.click("#iv-review-run")
    error = page.locator("#iv-review-status .iv-error")
    error.wait_for(timeout=10_000)
    page.wait_for_timeout(15_000)
    still = {"visible": error.is_visible(), "text": error.inner_text(),
             "toasts": page.locator("[data-testid=toast-body]").count()}
    shot(page, "review-error")
    assert_fits(page)
    upload(page, SPEAKER, OTHER_FACE)
    page.click("#iv-review-run")
    page.wait_for_selector(".iv-result-headline .iv-headline", timeout=180_000)
    yield page, still
    page.close()


def test_an_error_is_still_in_the_status_area_15_s_later(mismatch):
    _, still = mismatch
    assert still["visible"] and still["text"] == "Could not analyse: Choose a recording to analyse first."
    assert still["toasts"] == 0, "no pop-up that vanishes"


def test_a_mismatch_shows_the_id_photo_beside_the_compared_frames(mismatch):
    page, _ = mismatch
    identity = page.locator(".iv-result-lights .iv-card[data-check=identity]")
    assert identity.get_attribute("data-status") == "alert"
    assert identity.locator(".iv-next").inner_text().startswith("Next: Compare the ID photo with the frames shown")
    photo, best, worst = (page.locator(f".iv-compare figure[data-role={role}] img").bounding_box()
                          for role in ("id-photo", "best", "worst"))
    assert abs(photo["y"] - worst["y"]) < 2 and photo["x"] + photo["width"] <= best["x"] < worst["x"], "one row"
    for box in (photo, best, worst):
        assert box["width"] > 150 and box["height"] > 150
    assert "below the same-person threshold" in page.inner_text(".iv-compare figure[data-role=worst]")
    caption = page.locator(".iv-evidence .caption-label").first  # the full reason, wrapped, not cut off
    assert caption.inner_text().endswith("of the assessed time above.")
    assert caption.evaluate("(e) => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1")
    page.locator(".iv-compare").scroll_into_view_if_needed()
    shot(page, "review-mismatch")
    assert_fits(page)


def test_a_second_analysis_says_where_it_is_in_the_queue(server, browser):
    first, second = (browser.new_page(viewport=VIEWPORT) for _ in range(2))
    for page, clip in ((first, LONG_CLIP), (second, SPEAKER)):
        page.goto(server.url)
        upload(page, clip)
    first.click("#iv-review-run")
    first.wait_for_selector("text=/analysing video and audio/", timeout=60_000)
    second.click("#iv-review-run")
    notice = second.locator("#iv-review-queue [data-queued=yes]")
    notice.wait_for(timeout=30_000)
    assert re.fullmatch(r"Waiting in line: yours is number 1 of 1 and starts after the analysis that is running "
                        r"now\.( Expected in about \d+ s\.)?", notice.inner_text()), notice.inner_text()
    shot(second, "review-queued")
    assert_fits(second)
    second.wait_for_selector(".iv-result-headline .iv-headline", timeout=240_000)
    assert second.locator("#iv-review-queue").inner_text() == "", "the notice goes once the analysis runs"
    first.close()
    second.close()


def test_live_tab_without_an_id_photo_and_a_clean_candidate_page(server, browser):
    context = browser.new_context(viewport=VIEWPORT)
    interviewer, candidate = start_live_call(context, server)
    assert not candidate.get_by_text("Use via API").is_visible(), "nothing of the interviewer's app"
    assert_fits(candidate)
    shot(candidate, "live-candidate")

    card = interviewer.locator("#iv-live-panel .iv-card[data-check=identity]")
    interviewer.wait_for_function("() => document.querySelector('#iv-live-panel .iv-card[data-check=identity]')"
                                  "?.dataset.status === 'ok'", timeout=30_000)
    assert card.locator(".iv-pill").inner_text() == "No ID photo: consistency only"
    pill, box = card.locator(".iv-pill").bounding_box(), card.bounding_box()
    assert pill["x"] + pill["width"] <= box["x"] + box["width"], "the label fits its card"
    assert_fits(interviewer)
    shot(interviewer, "live-panel")

    interviewer.click("#iv-live-end")
    interviewer.wait_for_selector(".iv-result-headline .iv-headline", timeout=120_000)
    candidate.wait_for_selector("text=The call has ended", timeout=10_000)
    state = candidate.locator("#iv-capture-camera .iv-state")
    assert state.get_attribute("data-kind") == "", "ending is not an error"
    assert candidate.locator("#iv-capture-camera .iv-start").is_disabled(), "no second 'I agree' after the call"
    assert not candidate.locator("#iv-capture-camera .iv-stage").is_visible(), "no black video box left behind"
    shot(candidate, "live-candidate-ended")
    context.close()


def test_signoff_fits_with_coloured_status_filters_and_the_form_beside_the_headline(server, browser, mismatch):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(server.url)
    page.get_by_role("tab", name="Sign-off").click()
    alert = page.locator("#iv-sessions [role=gridcell]", has_text="✖ Alert").first
    alert.wait_for(timeout=30_000)
    assert_fits(page)
    for header in ("consent", "decision"):  # visible without scrolling sideways
        box = page.locator("#iv-sessions [role=columnheader]", has_text=header).first.bounding_box()
        assert box["x"] + box["width"] <= VIEWPORT["width"]
    red = tuple(int(COLOURS["alert"][i:i + 2], 16) for i in (1, 3, 5))
    colours = alert.evaluate("(cell) => [cell, ...cell.querySelectorAll('*')].filter((e) => e.innerText?.trim() === "
                             "'✖ Alert').map((e) => getComputedStyle(e).color)")
    assert f"rgb({red[0]}, {red[1]}, {red[2]})" in colours, colours

    page.locator("#iv-filter-status input").click()
    page.get_by_role("option", name="OK", exact=True).click()
    page.wait_for_function("() => !document.querySelector('#iv-sessions').innerText.includes('Alert')",
                           timeout=10_000)
    page.locator("#iv-filter-status input").click()
    page.get_by_role("option", name="Any status").click()
    alert.wait_for(timeout=10_000)

    alert.click()  # a row opens its session
    page.wait_for_selector(".iv-result-headline .iv-headline", timeout=30_000)
    headline = page.locator(".iv-headline").filter(visible=True).bounding_box()
    form = page.locator("#iv-decision").bounding_box()
    report = page.get_by_role("button", name="Report (HTML)").filter(visible=True).bounding_box()
    assert form["x"] > headline["x"] + headline["width"] - 1, "the form is beside the headline"
    assert form["y"] < headline["y"] + headline["height"] and form["y"] < report["y"], "above the full report"
    page.click("#iv-sign")  # no decision chosen: said under the button, and it stays
    assert page.locator("#iv-receipt .iv-error").inner_text(timeout=10_000) == (
        "Not recorded: Choose a decision: approve, reject or escalate.")
    assert_fits(page)
    shot(page, "signoff")
    page.close()
