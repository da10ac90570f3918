"""The report of a real analysis: report.html renders in headless Chromium with the headline and
the four check rows (checked on the screenshot's pixels), opens offline, and report.pdf carries
the same sections (checked on its extracted text)."""

from __future__ import annotations

import base64
import copy
import json
import re
import shutil
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from interview.analyze import analyze_recording
from interview.checks.registry import CHECKS
from interview.config import AnalysisConfig
from interview.evidence import save_evidence
from interview.overall import STATUS_LABELS

CHECK_LABELS = {kind.name: kind.label for kind in CHECKS}
from interview.report import write_reports
from interview.report.content import SECTIONS
from interview.report.plots import COLOURS
from tests.conftest import dev_file

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # gitignored


@pytest.fixture(scope="module")
def analysed(models_ready, tmp_path_factory):
    out = tmp_path_factory.mktemp("report_vr_face2")
    with pytest.MonkeyPatch.context() as env:  # face embeddings into this test's own registry
        env.setenv("INTERVIEW_VERIFY_FACE_DB", str(out.parent / "faces.sqlite"))
        return analyze_recording(dev_file("A_talking_head/vr_face2.mp4"), AnalysisConfig(), out), out


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages)


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=int)


def test_analysis_writes_three_reports_with_the_overall_summary(analysed):
    summary, out = analysed
    assert {p.name for p in out.iterdir()} >= {"report.html", "report.pdf", "summary.json"}
    stored = json.loads((out / "summary.json").read_text())
    assert stored["overall"] == summary["overall"]
    assert stored["overall"]["status"] in STATUS_LABELS
    assert set(stored["overall"]["checks"]) >= set(CHECK_LABELS)


def test_html_is_self_contained(analysed):
    html = (analysed[1] / "report.html").read_text()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert all(ref.startswith(("data:", "#")) for ref in references), references
    assert "<link" not in html and "<script" not in html and "url(http" not in html
    assert [escape_free(t) for t in re.findall(r"<h2[^>]*>([^<]+)</h2>", html) if t != "Thresholds"] == list(SECTIONS)


def escape_free(text: str) -> str:
    from html import unescape

    return unescape(text)


def test_chromium_screenshot_shows_headline_and_the_four_check_rows(analysed):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extra)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    summary, out = analysed
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report_vr_face2.png"
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.on("request", lambda request: requests.append(request.url))
        page.goto((out / "report.html").as_uri())
        page.screenshot(path=str(shot))
        page.screenshot(path=str(ARTIFACTS / "report_vr_face2_full.png"), full_page=True)
        headline = page.locator("#headline")
        headline_text, headline_box = headline.inner_text(), headline.bounding_box()
        rows = page.locator("#checks tbody tr")
        row_texts = [rows.nth(i).inner_text() for i in range(rows.count())]
        pill_boxes = [rows.nth(i).locator(".pill").bounding_box() for i in range(rows.count())]
        browser.close()
    assert all(url.startswith(("file:", "data:")) for url in requests), requests

    assert headline_text == summary["overall"]["headline"]
    assert headline_box["y"] + headline_box["height"] < 1000, "the headline is on the first screen"
    assert len(row_texts) == 4
    image = cv2.cvtColor(cv2.imread(str(shot)), cv2.COLOR_BGR2RGB).astype(int)
    for name, text, box in zip(("liveness", "identity", "deepfake", "relay"), row_texts, pill_boxes):
        status = summary["overall"]["checks"][name]["status"]
        assert CHECK_LABELS[name] in text and STATUS_LABELS[status] in text, text
        assert box["y"] + box["height"] < 1000, f"{name} row is on the first screen"
        # The traffic light is on the screenshot in the status colour (left inside edge of the pill).
        pixel = image[int(box["y"] + box["height"] / 2), int(box["x"] + 4)]
        assert np.abs(pixel - hex_rgb(COLOURS[status])).max() <= 12, (name, status, pixel)


def test_pdf_has_the_same_sections_headline_and_checks(analysed):
    summary, out = analysed
    text = pdf_text(out / "report.pdf")
    position = 0
    for title in SECTIONS:  # every section title, in the HTML's order
        position = text.find(title, position)
        assert position >= 0, f"section {title!r} missing or out of order in the PDF"
    assert " ".join(summary["overall"]["headline"].split()) in text
    for name, check in summary["overall"]["checks"].items():
        assert CHECK_LABELS[name] in text and STATUS_LABELS[check["status"]] in text
    assert summary["input"]["sha256"] in text
    words = " ".join(s["text"] for s in summary["transcript"]).split()
    assert " ".join(words[:4]) in text, "the transcript is in the PDF"


def _first_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_evidence_frames_are_embedded_and_removed_when_redacted(analysed, tmp_path):
    """A finding's frame (a real frame of the clip) is embedded in both formats; the redacted
    report a purge leaves has no image of the face, only the note."""
    summary = copy.deepcopy(analysed[0])
    summary.pop("overall")
    frame = save_evidence(
        _first_frame(dev_file("A_talking_head/vr_face2.mp4")),
        tmp_path / "evidence",
        "face_0",
        [(300, 150, 250, 300, "face")],
    )
    summary["checks"]["deepfake"] = {
        "status": "review",
        "risk": 0.5,
        "coverage": 0.8,
        "findings": [
            {
                "t0": 1.0,
                "t1": 2.0,
                "risk": 0.5,
                "reason": "Blending seam along the jaw",
                "frame": frame,
                "signal": "seam",
            }
        ],
    }
    paths = write_reports(summary, tmp_path)
    html = paths["html"].read_text()
    jpeg = base64.b64encode((tmp_path / frame).read_bytes()).decode()
    assert jpeg in html
    assert "Blending seam along the jaw" in pdf_text(paths["pdf"])
    assert "/DCTDecode" in paths["pdf"].read_bytes().decode("latin-1"), "the JPEG frame is in the PDF"

    redacted = write_reports(summary, tmp_path, redacted="2026-01-01 (deletion on request)", formats=("html", "pdf"))
    html = redacted["html"].read_text()
    assert "data:image/jpeg" not in html and "deleted on 2026-01-01" in html
    assert "/DCTDecode" not in redacted["pdf"].read_bytes().decode("latin-1")
    assert "deleted on 2026-01-01" in pdf_text(redacted["pdf"])
