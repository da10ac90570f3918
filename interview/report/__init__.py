"""The evidence report: report.html (self-contained), report.pdf (same sections, printable) and
summary.json, all from one summary dict.

    paths = write_reports(summary, out_dir)   # {"html": Path, "pdf": Path, "json": Path}
"""

from __future__ import annotations

import json
from pathlib import Path

FORMATS = ("html", "pdf", "json")
FILE_NAMES = {"html": "report.html", "pdf": "report.pdf", "json": "summary.json"}


def write_reports(
    summary: dict, out_dir: Path | str, redacted: str | None = None, formats: tuple[str, ...] = FORMATS
) -> dict[str, Path]:
    """Write the requested formats into `out_dir` and return their paths. Adds summary["overall"]
    when it is missing. `redacted` (when and why face images were deleted) renders the report
    without evidence frames, as a purge leaves it."""
    from interview.overall import overall
    from interview.report.content import build_content

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary.setdefault("overall", overall(summary))
    paths = {kind: out_dir / FILE_NAMES[kind] for kind in formats}
    if "json" in paths:
        paths["json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    if "html" in paths or "pdf" in paths:
        content = build_content(summary, out_dir, redacted)
        if "html" in paths:
            from interview.report.html import render_html

            paths["html"].write_text(render_html(content), encoding="utf-8")
        if "pdf" in paths:
            from interview.report.pdf import render_pdf

            render_pdf(content, paths["pdf"])
    return paths
