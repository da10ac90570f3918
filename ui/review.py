"""Review tab: analyse an uploaded recording (with an optional ID photo, candidate name and the
challenges asked during the call), with a progress bar, then show the session. The same analysis
is the documented API endpoint `analyze_recording` for gradio_client."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import gradio as gr

from interview import challenges
from interview.analyze import analyze_recording
from interview.checks.base import ChallengeMark
from interview.id_photo import read_id_photo
from interview.media import probe
from interview.report import FILE_NAMES
from ui.app import STATIC, AppContext
from ui.errors import error_html, fail, friendly, message_for
from ui.results import ResultsView

API_DESCRIPTION = """Analyse an interview recording and return its summary (the same dict as summary.json).

Inputs: `video` (required) a recording (any container FFmpeg reads, with video and/or audio);
`id_photo` (optional, default None) a photo of the candidate's ID or a portrait; `candidate`
(optional, default None) the candidate's name or reference. Output: the summary: `overall` (status,
headline, per-check lights), `checks` (status, risk, coverage, findings with times and reasons),
`measurements`, `transcript`, `session_id`, and `report_urls`: the URLs of its report.html,
report.pdf and summary.json on this server. The session is stored for sign-off.

Call it with `Client(url, download_files=False)`: the summary's `input` has a `path` key, which
gradio_client would otherwise take for a file to download and replace with a local path."""


def parse_challenges(text: str | None) -> tuple[ChallengeMark, ...]:
    """'turn_left@62.5, read_phrase:amber river falcon@90' (commas or new lines) -> challenge marks."""
    marks = []
    for item in (text or "").replace("\n", ",").split(","):
        if not item.strip():
            continue
        kind, _, seconds = item.strip().rpartition("@")
        try:
            if float(seconds) < 0:
                raise ValueError("the time must be 0 s or later")
            marks.append(ChallengeMark(challenges.validate_kind(kind.strip()), float(seconds)))
        except ValueError as exc:
            problem = str(exc) if kind.strip() else "write it as KIND@SECONDS, such as turn_left@62.5"
            raise fail(f"The challenge '{item.strip()}' cannot be used: {problem}.") from None
    return tuple(marks)


def _duration(seconds: float) -> str:
    """'2 h 05 min', '12 min 30 s' or '45 s'."""
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def run_analysis(ctx: AppContext, video: str | None, photo: str | None, candidate: str | None,
                 marks: tuple[ChallengeMark, ...] = (), progress=None) -> tuple[dict, Path]:
    """Check the inputs against the limits, analyse, store the session; (summary, report folder)."""
    if not video:
        raise fail("Choose a recording to analyse first.")
    media = probe(video)
    limit = ctx.config.max_duration_s
    if media.duration_s > limit:
        raise fail(f"The recording is {_duration(media.duration_s)} long and the limit is {_duration(limit)}: "
                   "trim it, or ask whoever runs this server to allow longer recordings.")
    id_photo = Path(photo) if photo else None
    if id_photo is not None:
        read_id_photo(id_photo)  # fails fast, before a long analysis, when the photo has no usable face
    config = replace(ctx.config.analysis, id_photo=id_photo, candidate=(candidate or "").strip() or None,
                     challenges=marks)
    out_dir = ctx.new_session_dir()
    summary = analyze_recording(media, config, out_dir, progress or (lambda fraction, stage: None), store=ctx.store)
    return summary, out_dir


def build_review_tab(ctx: AppContext) -> None:
    gr.Markdown("Upload the recording of an interview. Add the candidate's ID photo to check that the face matches, "
                "and the challenges the interviewer asked (with the time in the recording) to measure the responses.")
    with gr.Row():
        with gr.Column(scale=3):
            video = gr.File(label="Interview recording", file_types=["video", "audio", ".mkv", ".webm"],
                            type="filepath", elem_id="iv-review-video")
        with gr.Column(scale=2):
            photo = gr.File(label="ID photo (optional)", file_types=["image", ".heic", ".heif"], type="filepath",
                            elem_id="iv-review-photo")
            candidate = gr.Textbox(label="Candidate name (optional)", elem_id="iv-review-candidate")
            asked = gr.Textbox(label="Challenges asked (optional)", placeholder="turn_left@62.5, hand_over_face@140",
                                    info="KIND@SECONDS into the recording, separated by commas; kinds: "
                                         + ", ".join(challenges.CATALOGUE))
    run = gr.Button("Analyse", variant="primary", elem_id="iv-review-run")
    gr.HTML("", elem_id="iv-review-queue", js_on_load=(STATIC / "queue.js").read_text())
    status = gr.Markdown("Results appear here; a progress bar shows each stage while the recording is analysed.",
                         elem_id="iv-review-status", min_height=60)
    results = ResultsView()

    def analyse(video_path, photo_path, name, challenge_text, progress=gr.Progress()):
        """A problem stays in the status area (a pop-up would vanish) and hides the previous result."""
        try:
            marks = parse_challenges(challenge_text)
            started = time.monotonic()
            summary, out_dir = run_analysis(ctx, video_path, photo_path, name, marks,
                                            lambda fraction, stage: progress(fraction, desc=stage))
        except Exception as exc:
            return [error_html(message_for(exc)), *results.hidden()]
        note = (f"Analysed in {time.monotonic() - started:.0f} s. Session `{summary['session_id']}` "
                "is listed under Sign-off.")
        return [note, *results.values(summary, out_dir)]

    run.click(analyse, [video, photo, candidate, asked], [status, *results.outputs],
              api_visibility="private", show_progress="full", scroll_to_output=True)

    # The documented API endpoint: same analysis, summary dict out (hidden components carry the files).
    api_video = gr.File(label="video", visible=False)
    api_photo = gr.File(label="id_photo", visible=False)
    api_candidate = gr.Textbox(label="candidate", visible=False)
    api_summary = gr.JSON(label="summary", visible=False)

    @friendly
    def analyze_recording_endpoint(video, id_photo=None, candidate=None, request: gr.Request = None):
        summary, out_dir = run_analysis(ctx, video, id_photo, candidate)  # parameter names are the API's
        root = str(request.request.base_url).rstrip("/") if request is not None else ""
        summary["report_urls"] = {kind: f"{root}/gradio_api/file={out_dir / name}" for kind, name in FILE_NAMES.items()}
        return summary

    gr.Button(visible=False).click(analyze_recording_endpoint, [api_video, api_photo, api_candidate], api_summary,
                                   api_name="analyze_recording", api_description=API_DESCRIPTION)
