"""The shape of the code: no import cycles, models/ apart from interview/, checks free of I/O
modules, and a new check reaching every surface from one folder plus one registry line."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from interview.checks.registry import EXTRA_CHECKS_ENV
from tests.conftest import dev_file

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("interview", "models", "ui")
TOY = "tests.toy_check.check:ToyCheck"
CLIP = "A_talking_head/vr_face2.mp4"
# What a check may never import: storage, the face registry, reports, the media decoder, the app.
NOT_FOR_CHECKS = ("interview.records", "interview.report", "interview.media", "interview.session",
                  "interview.analyze", "interview.live", "ui")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module `name` imports, at the top or inside functions (only `if TYPE_CHECKING:`
    blocks are left out: they never run)."""
    tree = ast.parse(path.read_text())
    skipped = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
               for node in ast.walk(block)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_the_walker_sees_imports_inside_functions(graph):
    assert "models.deepface_store" in graph["interview.records.face_registry"]  # imported inside a function


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


def test_models_import_nothing_from_interview(graph):
    assert {m: sorted(t for t in ts if t.startswith("interview")) for m, ts in graph.items()
            if m.startswith("models") and any(t.startswith("interview") for t in ts)} == {}


def test_checks_do_no_io(graph):
    offending = {m: sorted(t for t in ts if t.startswith(NOT_FOR_CHECKS)) for m, ts in graph.items()
                 if m.startswith("interview.checks")}
    assert {m: ts for m, ts in offending.items() if ts} == {}


@pytest.fixture(scope="module")
def toy_registered():
    """The toy's registry line, for this process and the app's analysis workers it starts."""
    saved = os.environ.get(EXTRA_CHECKS_ENV)
    os.environ[EXTRA_CHECKS_ENV] = TOY
    yield
    if saved is None:
        os.environ.pop(EXTRA_CHECKS_ENV, None)
    else:
        os.environ[EXTRA_CHECKS_ENV] = saved


@pytest.fixture(scope="module")
def server(toy_registered, models_ready, tmp_path_factory):
    """The app started after the toy is registered (its analysis workers are separate processes)."""
    from tests.ui_server import running_app

    with running_app(tmp_path_factory.mktemp("toy_app")) as app:
        yield app


@pytest.fixture(scope="module")
def analysed(models_ready, toy_registered, tmp_path_factory):
    """A real clip analysed with the toy registered: (summary, output folder)."""
    from interview.analyze import analyze_recording
    from interview.config import AnalysisConfig

    out = tmp_path_factory.mktemp("toy_analysis")
    return analyze_recording(dev_file(CLIP), AnalysisConfig(transcribe=False, face_db="off"), out), out


def test_a_new_check_reaches_summary_headline_and_report(analysed):
    summary, out = analysed
    toy = summary["checks"]["toy"]
    assert toy["status"] == "review" and summary["measurements"]["toy_small_frames"] > 0
    [finding] = toy["findings"]
    assert (out / finding["frame"]).is_file()  # the runner wrote the toy's evidence reference
    assert summary["overall"]["checks"]["toy"]["label"] == "Toy size check"
    assert summary["overall"]["headline"].startswith("A small face")  # the only concern comes first
    assert json.loads((out / "summary.json").read_text())["checks"]["toy"]["status"] == "review"
    html = (out / "report.html").read_text()
    assert "Toy size check" in html and "Is the face ever small in the picture?" in html
    assert "Ask the candidate to sit closer to the camera." in html


def test_every_family_lists_its_signals_in_one_shape(analysed):
    from interview.calibration.build import readings_of

    summary, _ = analysed
    for name in ("liveness", "identity", "deepfake", "relay"):
        signals = summary["checks"][name]["signals"]
        assert signals and all(set(s) == {"name", "value", "unit", "reason", "score", "t0", "t1", "region"}
                               for s in signals), name
    blinks = next(s for s in summary["checks"]["liveness"]["signals"] if s["name"] == "blinks")
    assert blinks["value"] == summary["measurements"]["liveness"]["blinks_per_minute"]
    # calibration reads the deepfake signals' values from the signals; the same numbers as the
    # measurements that summaries before schema 2 kept them in
    legacy = readings_of({"measurements": summary["measurements"]})
    assert legacy and readings_of(summary) == pytest.approx(legacy, abs=1e-4)


def test_a_new_check_gets_its_card_in_the_app(toy_registered, server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(server.url)
    page.locator("#iv-review-video input[type=file]").set_input_files(str(dev_file(CLIP)))
    page.wait_for_selector("#iv-review-video >> text=.mp4")
    page.click("#iv-review-run")
    page.wait_for_selector(".iv-result-lights .iv-card[data-check=toy]", timeout=180_000)
    card = page.locator(".iv-result-lights .iv-card[data-check=toy]")
    assert card.get_attribute("data-status") == "review" and "Toy size check" in card.inner_text()
    page.close()
