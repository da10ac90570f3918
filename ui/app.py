"""The Gradio Blocks app: Review, Live and Sign-off tabs (the candidate's page is ui.candidate).

    app, ctx = build_app(AppConfig(data_dir=Path("sessions")))
    app.launch(server_name="127.0.0.1", **launch_options(config))   # or: interview-verify serve
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline-first: no telemetry, before gradio loads

import gradio as gr  # noqa: E402

from interview.accounts import has_accounts  # noqa: E402
from interview.job_queue import JobQueue  # noqa: E402
from interview.records.store import Store  # noqa: E402
from ui.context import STATIC, AppConfig, AppContext  # noqa: E402
from ui.links import build_links_tab  # noqa: E402
from ui.live import LiveCalls, build_live_tab  # noqa: E402
from ui.review import build_review_tab  # noqa: E402
from ui.signoff import build_signoff_tab  # noqa: E402


def build_app(config: AppConfig) -> tuple[gr.Blocks, AppContext]:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(config.db_path)
    ctx = AppContext(config, store, JobQueue(config.queue, config.data_dir), login_required=has_accounts(store))
    ctx.live = LiveCalls(ctx)
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
