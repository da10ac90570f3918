"""Uploads leave Gradio's cache for the data dir at once: the analysis, the report and a purge all
find them there, and no copy of a recording or ID photo stays in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from interview.records.retention import UPLOADS
from models.hashing import file_sha256


def keep_upload(data_dir: Path, upload: Path) -> Path:
    """Move the upload to <data dir>/uploads, named by its sha256 (the same file is kept once)."""
    folder = data_dir / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{file_sha256(upload)[:24]}{upload.suffix.lower()}"
    if kept.exists():
        upload.unlink(missing_ok=True)
    else:
        shutil.move(upload, kept.with_suffix(".part"))
        kept.with_suffix(".part").rename(kept)
    return kept
