"""The Gradio Blocks app: Review, Live and Sign-off tabs, and the candidate's verification page.

    app, ctx = build_app(AppConfig(data_dir=Path("sessions")))
    app.launch(server_name="127.0.0.1", **launch_options(config))   # or: interview-verify serve
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline-first: no telemetry, before gradio loads

import gradio as gr  # noqa: E402

from interview.config import AnalysisConfig  # noqa: E402
from interview.job_queue import JobQueue  # noqa: E402
from interview.store import Store, default_data_dir, new_session_dir  # noqa: E402

if TYPE_CHECKING:
    from ui.live import LiveRegistry

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class AppConfig:
    """data_dir: one folder per analysed session (reports, evidence frames); db_path: the session
    store (None: $INTERVIEW_VERIFY_DB or the user data dir; or a postgresql:// URL); queue: where
    reviews are queued (None: the embedded queue in data_dir, or redis://...); max_upload_mb /
    max_duration_s: what the review tab accepts; analysis: sampling and Whisper defaults."""

    data_dir: Path = field(default_factory=default_data_dir)
    db_path: Path | str | None = None
    queue: str | None = None
    max_upload_mb: int = 2048
    max_duration_s: float = 3 * 3600
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)


@dataclass
class AppContext:
    """What every tab shares: the configuration, the session store, the job queue the review tab
    submits to, and the running live sessions."""

    config: AppConfig
    store: Store
    queue: JobQueue | None = None  # set by build_app
    live: LiveRegistry | None = None  # set by build_app once the context exists

    def new_session_dir(self) -> Path:
        return new_session_dir(self.config.data_dir)


def build_app(config: AppConfig) -> tuple[gr.Blocks, AppContext]:
    from ui.links import build_links_tab
    from ui.live import LiveRegistry, build_live_tab, build_verify_page
    from ui.review import build_review_tab
    from ui.signoff import build_signoff_tab

    config.data_dir.mkdir(parents=True, exist_ok=True)
    ctx = AppContext(config, Store(config.db_path), JobQueue(config.queue, config.data_dir))
    ctx.live = LiveRegistry(ctx)
    with gr.Blocks(title="interview-verify", analytics_enabled=False) as app:
        gr.Markdown("# interview-verify\nEvidence about who is on the call — **not a verdict**: a person decides.",
                    elem_classes="iv-title")
        with gr.Tabs():
            with gr.Tab("Review a recording", id="review"):
                build_review_tab(ctx)
            with gr.Tab("Live call", id="live"):
                build_live_tab(ctx)
            with gr.Tab("Sign-off", id="signoff") as signoff_tab:
                build_signoff_tab(ctx, signoff_tab)
            with gr.Tab("Links", id="links"):
                build_links_tab(ctx)
    with app.route("Candidate verification", "/verify", show_in_navbar=False):
        build_verify_page(ctx)
    return app, ctx


def theme() -> gr.themes.Theme:
    """Gradio's default look with system fonts: the app never fetches fonts from the internet."""
    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "DejaVu Sans", "sans-serif"]
    return gr.themes.Default(font=system, font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"])


def launch_options(config: AppConfig) -> dict:
    """Keyword arguments for `Blocks.launch` that every launch needs (tests and `serve` alike)."""
    return {"theme": theme(), "css": (STATIC / "app.css").read_text(), "max_file_size": f"{config.max_upload_mb}mb",
            "allowed_paths": [str(config.data_dir)], "show_error": True, "ssr_mode": False, "share": False,
            "footer_links": ["api"], "run_history": False}
