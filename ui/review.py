"""Review tab: queue an uploaded recording (with an optional ID photo, candidate name and the
challenges asked during the call) on the job queue `interview-verify batch` uses, show its place in
the queue and then the analysis' progress, then the session. The API endpoints for gradio_client:
`analyze_recording` (submit and wait), `submit_recording` (a job id at once) and `job_status`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import gradio as gr

from interview import jobs
from interview.bounds import MAX_VIDEO_PIXELS
from interview.checks.base import ChallengeMark
from interview.checks.identity.id_photo import read_id_photo
from interview.checks.liveness import challenges
from interview.media import fitted_region, probe
from interview.recording import parse_region
from interview.report import FILE_NAMES
from ui.access import require
from ui.context import AppContext
from ui.errors import error_html, fail, friendly, message_for
from ui.results import ResultsView
from ui.uploads import keep_upload

POLL_S = 0.5
API_DESCRIPTION = """Analyse an interview recording and return its summary (the same dict as summary.json).

Inputs: `video` (required) a recording (any container FFmpeg reads, with video and/or audio);
`id_photo` (optional, default None) a photo of the candidate's ID or a portrait; `candidate`
(optional, default None) the candidate's name or reference; `region` (optional, default None) for a
meeting recording that shows several people, the candidate's tile as "X,Y,WIDTH,HEIGHT" in the
recording's pixels (only it is analysed). Output: the summary: `overall` (status,
headline, per-check lights), `checks` (status, risk, coverage, findings with times and reasons),
`measurements`, `transcript`, `session_id`, and `report_urls`: the URLs of its report.html,
report.pdf and summary.json on this server. The session is stored for sign-off.

Call it with `Client(url, download_files=False)`: the summary's `input` has a `path` key, which
gradio_client would otherwise take for a file to download and replace with a local path.
It waits for the analysis; `submit_recording` and `job_status` do the same in two steps."""

SUBMIT_DESCRIPTION = """Queue an interview recording for analysis and return at once: `{job_id, state, position,
progress, session_id, error}` (inputs as for `analyze_recording`). A recording already analysed with the same
settings returns its finished job. Poll `job_status(job_id)`."""

STATUS_DESCRIPTION = """The state of a job from `submit_recording`: `state` queued, running, done, unusable (the
file cannot be analysed; `error` says why) or failed; `position` in the review queue (1 = next, 0 once it runs);
`progress` 0..1 through the recording; once done, `session_id` and `summary` (as `analyze_recording` returns it)."""


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


def parse_tile(text: str | None) -> tuple[int, int, int, int] | None:
    """'640,0,640,360' -> the region analysed (None when empty)."""
    if not (text or "").strip():
        return None
    try:
        return parse_region(text)
    except ValueError as exc:
        raise fail(f"The candidate's tile '{text.strip()}' cannot be used: {exc}.") from None


def submit_upload(ctx: AppContext, video: str | None, photo: str | None, candidate: str | None,
                  marks: tuple[ChallengeMark, ...] = (), region: tuple[int, int, int, int] | None = None) -> jobs.Job:
    """Check the inputs against the limits, move the upload into the data dir (workers on other
    machines read it there; a purge deletes it) and queue it; returns the job."""
    if not video:
        raise fail("Choose a recording to analyse first.")
    media = probe(video)
    if media.width * media.height > MAX_VIDEO_PIXELS:
        raise fail(f"The recording is {media.width} x {media.height} pixels a frame; the limit is 8K (7680 x 4320).")
    if region is not None:
        fitted_region(region, media.width, media.height, Path(video).name)  # before a long analysis
    limit = ctx.config.max_duration_s
    if media.duration_s > limit:
        raise fail(f"The recording is {_duration(media.duration_s)} long and the limit is {_duration(limit)}: "
                   "trim it, or ask whoever runs this server to allow longer recordings.")
    id_photo = Path(photo) if photo else None
    if id_photo is not None:
        read_id_photo(id_photo)  # fails fast, before a long analysis, when the photo has no usable face
        id_photo = keep_upload(ctx.config.data_dir, id_photo)
    config = replace(ctx.config.analysis.with_region(region), id_photo=id_photo,
                     candidate=(candidate or "").strip() or None, challenges=marks)
    copy = keep_upload(ctx.config.data_dir, Path(video))
    submission = jobs.submit(ctx.store, copy, config, ctx.config.data_dir, media_copy=copy)
    if submission.enqueue:
        ctx.queue.enqueue(ctx.store.url, submission.job.id)
    return submission.job


def follow(ctx: AppContext, job: jobs.Job) -> Iterator[tuple[jobs.Job, int]]:
    """The job and its place in the queue (0 once it runs), about twice a second until it ends."""
    while True:
        yield job, jobs.queue_position(ctx.store, job)
        if job.state in jobs.FINISHED:
            return
        time.sleep(POLL_S)
        job = jobs.get(ctx.store, [job.id])[0]


def session_of(ctx: AppContext, job: jobs.Job) -> tuple[dict, Path]:
    """A finished job's stored summary and report folder, or the reason it has none."""
    if job.state != "done":
        raise fail(f"The recording could not be analysed: {job.error or job.state}.")
    record = ctx.store.get_session(job.session_id)
    return record.summary, record.out_dir


def run_analysis(ctx: AppContext, video: str | None, photo: str | None, candidate: str | None,
                 marks: tuple[ChallengeMark, ...] = (), region: tuple[int, int, int, int] | None = None) -> tuple[dict, Path]:
    """Submit and wait: (summary, report folder)."""
    *_, (job, _) = follow(ctx, submit_upload(ctx, video, photo, candidate, marks, region))
    return session_of(ctx, job)


def job_status(ctx: AppContext, job_id: str) -> dict:
    """What the API's `job_status` returns: state, place in the queue, progress, and the summary once done."""
    found = jobs.get(ctx.store, [(job_id or "").strip()])
    if not found:
        raise fail(f"There is no job {job_id}: use the job_id that submit_recording returned.")
    job = found[0]
    status = {"job_id": job.id, "state": job.state, "position": jobs.queue_position(ctx.store, job),
              "progress": round(job.progress or 0.0, 3), "session_id": job.session_id, "error": job.error}
    return status | ({"summary": session_of(ctx, job)[0]} if job.state == "done" else {})


def _waiting_note(job: jobs.Job) -> str:
    if job.state == "queued":
        return f"Queued as job `{job.id}`."
    return f"Analysing (job `{job.id}`): {(job.progress or 0) * 100:.0f}% of the recording."


def _queue_notice(ctx: AppContext, job: jobs.Job, position: int) -> str:
    """Where a queued recording stands, in words (empty once it runs)."""
    if not position:
        return ""
    waiting = jobs.waiting_count(ctx.store)
    before = ("the analysis that is running now" if position == 1
              else f"the analysis running now and {position - 1} waiting before yours")
    return (f'<div data-queued="yes">Waiting in line: yours is number {position} of {waiting} and starts after '
            f"{before}.</div>")


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
            tile = gr.Textbox(label="Candidate's tile (optional)", placeholder="640,0,640,360",
                              info="For a meeting recording that shows several people side by side: X,Y,WIDTH,HEIGHT "
                                   "of the candidate's tile in the recording's pixels. Empty: the whole picture.",
                              elem_id="iv-review-tile")
    run = gr.Button("Analyse", variant="primary", elem_id="iv-review-run")
    queue_notice = gr.HTML("", elem_id="iv-review-queue")
    status = gr.Markdown("Results appear here; the recording joins the review queue, which shows its place and "
                         "then the progress of its analysis.", elem_id="iv-review-status", min_height=60)
    results = ResultsView()
    unchanged = [gr.skip()] * len(results.outputs)

    def analyse(video_path, photo_path, name, challenge_text, tile_text, request: gr.Request, progress=gr.Progress()):
        """Queue the recording, say where it stands until it is analysed, then show it. A problem
        stays in the status area (a pop-up would vanish) and hides the previous result."""
        try:
            require(ctx, request, "analyse")
            marks, region = parse_challenges(challenge_text), parse_tile(tile_text)
            started = time.monotonic()
            for job, position in follow(ctx, submit_upload(ctx, video_path, photo_path, name, marks, region)):
                if job.state not in jobs.FINISHED:
                    progress(job.progress or 0.0, desc="waiting in line" if position else "analysing video and audio")
                    yield [_queue_notice(ctx, job, position), _waiting_note(job), *unchanged]
            summary, out_dir = session_of(ctx, job)
        except Exception as exc:
            yield ["", error_html(message_for(exc)), *results.hidden()]
            return
        note = (f"Analysed in {time.monotonic() - started:.0f} s. Session `{summary['session_id']}` "
                "is listed under Sign-off.")
        yield ["", note, *results.values(summary, out_dir)]

    # Not limited to one at a time: each click only submits and polls; the job queue does the work.
    run.click(analyse, [video, photo, candidate, asked, tile], [queue_notice, status, *results.outputs],
              concurrency_limit=None, api_visibility="private", show_progress="full", scroll_to_output=True)

    # The documented API endpoints (hidden components carry the files): submit and poll, or both in one.
    api_video = gr.File(label="video", visible=False)
    api_photo = gr.File(label="id_photo", visible=False)
    api_candidate = gr.Textbox(label="candidate", visible=False)
    api_region = gr.Textbox(label="region", visible=False)
    api_job_id = gr.Textbox(label="job_id", visible=False)
    api_summary = gr.JSON(label="summary", visible=False)
    api_status = gr.JSON(label="status", visible=False)

    @friendly
    def analyze_recording_endpoint(video, id_photo=None, candidate=None, region=None, request: gr.Request = None):
        require(ctx, request, "analyse")
        summary, out_dir = run_analysis(ctx, video, id_photo, candidate, region=parse_tile(region))  # names are the API's
        root = str(request.request.base_url).rstrip("/") if request is not None else ""
        summary["report_urls"] = {kind: f"{root}/gradio_api/file={out_dir / name}" for kind, name in FILE_NAMES.items()}
        return summary

    @friendly
    def submit_recording_endpoint(video, id_photo=None, candidate=None, region=None, request: gr.Request = None):
        require(ctx, request, "analyse")
        return job_status(ctx, submit_upload(ctx, video, id_photo, candidate, region=parse_tile(region)).id)

    @friendly
    def job_status_endpoint(job_id):
        return job_status(ctx, job_id)

    gr.Button(visible=False).click(analyze_recording_endpoint, [api_video, api_photo, api_candidate, api_region], api_summary,
                                   api_name="analyze_recording", api_description=API_DESCRIPTION,
                                   concurrency_limit=None)
    gr.Button(visible=False).click(submit_recording_endpoint, [api_video, api_photo, api_candidate, api_region], api_status,
                                   api_name="submit_recording", api_description=SUBMIT_DESCRIPTION)
    gr.Button(visible=False).click(job_status_endpoint, api_job_id, api_status, api_name="job_status",
                                   api_description=STATUS_DESCRIPTION, concurrency_limit=None)
