"""report.pdf's layout on a real analysis with challenges (tv_real.mp4: a turn to the left that
passes, a smile that does not, an answer after a question): every page renders to PNG with
poppler, no word is broken across lines (every word pdftotext reads back is a word the report
wrote, so "Covera" + "ge" fails), a number keeps its unit on its line, and each figure shares a
page with its caption."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import interview.report.pdf as pdf_module
from interview.analyze import analyze_recording
from interview.checks.base import ChallengeMark
from interview.config import AnalysisConfig
from interview.report.content import build_content
from interview.report.pdf import render_pdf
from tests.conftest import dev_file

PUNCTUATION = ".,;:()[]'\"“”!?"


@pytest.fixture(scope="module")
def rendered(models_ready, tmp_path_factory):
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    out = tmp_path_factory.mktemp("pdf_layout")
    config = AnalysisConfig(face_db="off", challenges=(ChallengeMark("turn_left", 1.0), ChallengeMark("smile", 8.0)))
    summary = analyze_recording(dev_file("D_presentation_attack/tv_real.mp4"), config, out)
    content = build_content(summary, out)
    figures = render_pdf(content, out / "layout.pdf")
    return content, figures, out / "layout.pdf"


def _strings(value) -> list[str]:
    """Every text in the report content (dataclass, dicts, lists), images skipped."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return _strings(dataclasses.asdict(value))
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if isinstance(value, (int, float)) else []


def _words(text: str) -> set[str]:
    """Words without surrounding punctuation; numbers (0.16, 88%, 1/4) are left out: a number that
    breaks leaves two numbers, which this check cannot tell from real ones."""
    words = {w.strip(PUNCTUATION) for w in re.split(r"[\s\"'(){}\[\]=]+", text)}
    return {w for w in words if w and not re.fullmatch(r"[\d.,:/%+-]+", w)}


def test_every_page_renders_to_png(rendered, tmp_path):
    from pypdf import PdfReader

    _, _, path = rendered
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(path).pages) >= 3
    for png in pages:
        ink = np.asarray(Image.open(png).convert("L")) < 128
        assert ink.mean() > 0.0005, f"{png.name} is blank"


def test_no_word_is_split_and_no_number_loses_its_unit(rendered):
    content, _, path = rendered
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    source = Path(pdf_module.__file__).read_text()  # headers, notes and labels the PDF writer adds itself
    written = [*_strings(content), content.status_label.upper(), content.status_meaning, source]
    known = _words(" ".join(written))
    unknown = sorted(w for w in _words(text) if w not in known)
    assert not unknown, f"words broken across lines: {unknown}"
    lone_units = [line for line in text.splitlines() if re.match(r"^\s*(s|ms|%)(\s|$)", line)]
    assert not lone_units, lone_units


def test_a_failed_challenge_says_what_to_do_next(rendered):
    """The smile at 8 s was not answered: its finding carries the action, in the report too."""
    content, _, path = rendered
    failed = [f for f in content.findings if f.get("signal") == "challenges"]
    assert failed and failed[0]["next_step"].startswith("Ask for the same challenge again")
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    assert "Next: Ask for the same challenge again, slowly" in text


def test_each_figure_shares_a_page_with_its_caption(rendered):
    _, figures, _ = rendered
    assert {f.name for f in figures} == {"timeline", "answer latency"}
    for f in figures:
        assert f.image_page == f.caption_first_page == f.caption_last_page, f
