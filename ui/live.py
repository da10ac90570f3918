"""Live tab, and the capture handlers the candidate's page shares with it.

Two sources feed a `interview.live.LiveSession`: the candidate's camera and microphone on their
link's page (/candidate/TOKEN, ui.candidate), or the interviewer sharing the meeting tab or window
and picking the candidate's tile. Both run one capture script (static/capture.js) that posts JPEG
frames and PCM audio to `push_frame`/`push_audio` below; the interviewer's panel is refreshed by a
one-second timer from `LiveSession.snapshot()`. Challenges are marked on the server clock, shown
to the candidate (verification page) or to the interviewer to say aloud (meeting share).
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

import gradio as gr
import numpy as np

from interview import bounds
from interview.checks.base import risk_level
from interview.checks.deepfake.stress import with_stress_note
from interview.checks.identity.id_photo import read_id_photo
from interview.checks.liveness import challenges
from interview.checks.registry import check_types
from interview.live import LiveSession, LiveSessionClosed, rgb_from_jpeg
from interview.overall import STATUS_LABELS, label_of_check
from interview.report.content import seconds
from interview.wording import response_time
from ui.access import acting, require
from ui.capability import CandidateLink, candidate_url
from ui.context import STATIC, AppContext
from ui.errors import fail, friendly
from ui.results import ResultsView
from ui.uploads import keep_upload

PROMPT_SHOWN_S = 10.0  # how long a challenge prompt stays on the candidate's screen
IDLE_CLOSE_S = 30 * 60  # a session with no input for this long is closed (its page was left open or closed)
SOURCES = {"camera": "Candidate's camera and microphone (send a verification link)",
           "screen": "Share the meeting tab or window (pick the candidate's tile)"}
CREATE_DESCRIPTION = """Start a live check of a candidate's camera and microphone (for a meeting bot or an ATS).
Input: `candidate` (optional) the candidate's name or reference. Returns `{session_id, candidate_url}`: send the
candidate the URL (no login; one device; valid until the call ends or the link expires). End it with
`end_live_session(session_id)`, which writes its report."""
CHALLENGE_TABLE = ["challenge", "asked at", "result", "response time", "detail"]
# What the candidate reads before pressing Start; recorded word for word with their consent.
CANDIDATE_NOTICE = ("Your interviewer asked you to open this page. When you press the button, this page sends your "
                    "camera picture and microphone sound to your interviewer's server, which checks that a live "
                    "person is on the call and matches the ID you provided. The check keeps measurements, the "
                    "call's audio and a few still frames as evidence for the hiring team; nothing is shared with "
                    "anyone else. Instructions (such as “turn your head to the left”) will appear above your "
                    "picture: please follow them.")


@dataclass
class LiveEntry:
    """A running session and what the app knows around it."""

    live: LiveSession
    source: str
    candidate: str | None
    has_id_photo: bool = False
    prompts: dict[float, str] = field(default_factory=dict)  # asked_s -> prompt shown or said
    consent_at: str | None = None  # when the candidate pressed Start on the verification page
    last_input: float = field(default_factory=time.monotonic)
    link: CandidateLink | None = None  # the candidate's capability (camera sessions)


class LiveCalls:
    """Running live sessions by id (the interviewer's widgets carry it, behind the login) and by
    their candidate link's token (the candidate's page, no login: ui.candidate)."""

    def __init__(self, ctx: AppContext):
        self._ctx = ctx
        self._entries: dict[str, LiveEntry] = {}
        self._lock = threading.Lock()

    def start(self, source: str, candidate: str | None, id_photo: Path | None) -> LiveEntry:
        self._close_idle()
        config = replace(self._ctx.config.analysis, candidate=candidate, id_photo=id_photo, challenges=())
        entry = LiveEntry(LiveSession(config, source=source), source, candidate, id_photo is not None)
        if source == "camera":
            entry.link = CandidateLink.issue(self._ctx.config.link_hours * 3600)
        with self._lock:
            self._entries[entry.live.id] = entry
        return entry

    def get(self, session_id: object) -> LiveEntry | None:
        with self._lock:
            return self._entries.get(str(session_id or ""))

    def by_token(self, token: str) -> LiveEntry | None:
        """The running session a candidate link opens, while the link is valid (None once it expired
        or the call ended: an ended call leaves the registry)."""
        with self._lock:
            entry = next((e for e in self._entries.values() if e.link is not None and e.link.opens(token)), None)
        return entry

    def pop(self, session_id: str) -> LiveEntry | None:
        with self._lock:
            return self._entries.pop(session_id, None)

    def _close_idle(self) -> None:
        now = time.monotonic()
        with self._lock:
            idle = [sid for sid, e in self._entries.items() if now - e.last_input > IDLE_CLOSE_S]
        for sid in idle:
            entry = self.pop(sid)
            if entry is not None:
                entry.live.close()


def challenge_kinds() -> list[tuple[str, str]]:
    """(kind, button label) of every challenge the liveness check knows."""
    return [(kind, challenges.label_of(kind)) for kind in challenges.CATALOGUE]


# -- the capture widget and its server functions ---------------------------------------------------

CAPTURE_TEMPLATE = (
    '<div class="iv-capture" data-mode="${mode}">'
    '<div class="iv-bar"><button class="iv-start lg primary">${start_label}</button>'
    '<button class="iv-stop lg secondary" disabled>Stop</button>'
    '<button class="iv-whole sm secondary" hidden>Use the whole picture</button>'
    '<span class="iv-state"></span></div>'
    '<div class="iv-prompt" hidden></div>'
    '<div class="iv-stage"><video class="iv-video" muted playsinline></video>'
    '<canvas class="iv-overlay"></canvas></div>'
    '<div class="iv-stats"></div></div>')


def ended_reply(camera: bool) -> dict:
    """What a capture page reads once its session is over (the candidate's, or the meeting share)."""
    return {"ok": False, "ended": True, "message": "The call has ended. Thank you: you can close this page." if camera
            else "The session has ended."}


def _taken(entry: LiveEntry, what: str, push: Callable[[], None]) -> dict | None:
    """Run `push`: None when it went in, else the refusal the page reads."""
    try:
        push()
    except LiveSessionClosed:
        return ended_reply(entry.source == "camera")
    except bounds.LiveInputError as exc:
        return {"ok": False, "message": f"The server refused {what}: {exc}."}
    except (KeyError, ValueError, TypeError, binascii.Error):
        return {"ok": False, "message": f"The browser sent {what} the server could not read; press Start again."}
    return None


def push_frame(entry: LiveEntry, payload: dict) -> dict:
    """One posted frame into the session, within the limits of interview.bounds; the reply the page reads."""
    live = entry.live

    def push() -> None:
        data = base64.b64decode(str(payload["jpeg"]).split(",", 1)[-1], validate=True)
        bounds.live_frame_size(data)
        t = float(payload["t"])
        bounds.check_live_time(t)
        live.push_frame(live.session_time(t, bounds.MAX_CLOCK_DRIFT_S), rgb_from_jpeg(data))

    refused = _taken(entry, "a frame", push)
    if refused:
        return refused
    entry.last_input = time.monotonic()
    return {"ok": True, "analysed_fps": live.frame_stats().analysed_fps, "prompt": _current_prompt(entry)}


def push_audio(entry: LiveEntry, payload: dict) -> dict:
    """One posted audio chunk (16-bit PCM at a microphone's rate, at most a few seconds)."""
    live = entry.live

    def push() -> None:
        pcm = np.frombuffer(base64.b64decode(str(payload["pcm"]), validate=True), dtype="<i2")
        rate, t = int(payload["rate"]), float(payload["t"])
        bounds.check_live_audio(rate, len(pcm))
        bounds.check_live_time(t)
        live.push_audio(live.session_time(t, bounds.MAX_CLOCK_DRIFT_S), pcm, rate)

    return _taken(entry, "audio", push) or {"ok": True}


def capture_widget(ctx: AppContext) -> gr.HTML:
    """The interviewer's meeting share (the candidate's camera has its own page: ui.candidate).
    Its functions check the role of the login behind each call, as every event does."""
    registry: LiveCalls = ctx.live

    def entry_for(payload: object, request: gr.Request) -> tuple[LiveEntry | None, dict | None]:
        """The running session the call names, or the refusal the widget reads."""
        if not acting(ctx, request).can("live"):
            return None, {"ok": False, "message": "Your account may not run live calls."}
        entry = registry.get(payload.get("session") if isinstance(payload, dict) else None)
        return entry, None if entry is not None else ended_reply(False)

    def join(payload: dict, request: gr.Request) -> dict:
        entry, refused = entry_for(payload, request)
        if refused and refused.get("ended"):
            return {"ok": False, "message": "Start the session first (button above), then share the meeting."}
        return refused or {"ok": True, "message": ""}

    def frame(payload: dict, request: gr.Request) -> dict:
        entry, refused = entry_for(payload, request)
        return refused or push_frame(entry, payload)

    def audio(payload: dict, request: gr.Request) -> dict:
        entry, refused = entry_for(payload, request)
        return refused or push_audio(entry, payload)

    return gr.HTML(value="", html_template=CAPTURE_TEMPLATE, js_on_load=(STATIC / "capture.js").read_text(),
                   server_functions=[join, frame, audio], mode="screen",
                   start_label="Share the meeting tab or window", elem_id="iv-capture-screen")


def _current_prompt(entry: LiveEntry) -> str:
    """The newest challenge prompt while it is fresh (the candidate's page shows it)."""
    if entry.source != "camera" or not entry.prompts:
        return ""
    asked = max(entry.prompts)
    return entry.prompts[asked] if entry.live.now() - asked <= PROMPT_SHOWN_S else ""


# -- the interviewer's panel ---------------------------------------------------------------------

def _clock(t: float | None) -> str:
    if t is None:
        return "-"
    minutes, seconds = divmod(int(round(t)), 60)
    return f"{minutes:02d}:{seconds:02d}"


def panel_html(snapshot: dict, id_photo_given: bool = True) -> str:
    """Throughput line, the four running traffic lights, and alerts with time and reason. Without an
    ID photo, an OK identity card says it only checked that the face stayed the same."""
    frames = snapshot["frames"]
    head = (f'<div class="iv-live-head" data-t="{snapshot["t"]}" data-analysed="{frames["analysed"]}">'
            f'<b>Live {_clock(snapshot["t"])}</b> · analysing <b class="iv-fps">{frames["analysed_fps"]:.1f}</b> fps'
            f' ({frames["analysed"]} frames, {frames["dropped"]} dropped while busy,'
            f' p95 {frames["frame_ms_p95"]:.0f} ms)'
            f' · face visible {snapshot["face_visible_ratio"]:.0%} · audio {snapshot["audio_s"]:.0f} s'
            f' ({snapshot["speech_s"]:.0f} s speech) · status{_window(snapshot)} as of {_clock(snapshot["status_at"])}</div>')
    cards = []
    order = {kind.name: i for i, kind in enumerate(check_types())}
    for name in sorted(snapshot["checks"], key=lambda n: order.get(n, len(order))):
        check = snapshot["checks"][name]
        status = check["status"]
        label = "Not enough evidence yet" if status == "insufficient" else STATUS_LABELS[status]
        if name == "identity" and status == "ok" and not id_photo_given:
            label = "No ID photo: consistency only"
        top = max(check["findings"], key=lambda f: f["risk"], default=None)
        line = top["reason"] if top else f"{check['coverage']:.0%} of the call judged so far"
        cards.append(f'<div class="iv-card iv-{status}" data-check="{escape(name)}" data-status="{status}">'
                     f'<div class="iv-card-top"><b>{escape(label_of_check(name))}</b>'
                     f'<span class="iv-pill">{escape(label)}</span></div><p>{escape(line)}</p></div>')
    alerts = "".join(_alert_item(a) for a in reversed(snapshot["alerts"][-12:]))
    alert_block = (f'<div class="iv-alerts"><b>Alerts</b><ul>{alerts}</ul></div>' if alerts
                   else '<div class="iv-alerts iv-none">No alerts so far.</div>')
    prompt = f'<div class="iv-ask"><b>Next:</b> {escape(snapshot["prompt"])}</div>' if snapshot.get("prompt") else ""
    return f'<div class="iv-live">{head}{prompt}<div class="iv-cards">{"".join(cards)}</div>{alert_block}</div>'


def _alert_item(alert: dict) -> str:
    """One alert line; a withdrawn one is struck through and says so (the checks no longer report it)."""
    level = risk_level(alert["risk"])  # alerts are at review or more
    text = f'<b>{_clock(alert["t"])}</b> {escape(label_of_check(alert["check"]))}: {escape(alert["reason"])}'
    if alert.get("withdrawn"):
        return f'<li class="iv-{level} iv-withdrawn"><s>{text}</s> <i>withdrawn: not seen on more data</i></li>'
    return f'<li class="iv-{level}">{text}</li>'


def _window(snapshot: dict) -> str:
    """Past the panel's window the cards judge only its last minutes (the report judges all)."""
    window = snapshot.get("window_s")
    return f" of the last {window / 60:.0f} min" if window and snapshot["t"] > window else ""


def challenge_table(snapshot: dict) -> list[list[str]]:
    rows = []
    for row in snapshot["challenges"]:
        waiting = row["result"] is None
        result = with_stress_note("waiting for the response" if waiting else "passed" if row["result"] else "not passed",
                                  row.get("face", ""))
        response = response_time(row["response_ms"])
        rows.append([challenges.label_of(row["kind"]), seconds(row["asked_s"]), result, response, row["detail"]])
    return rows or [["-", "-", "no challenge asked yet", "-", ""]]


def finish(ctx: AppContext, session_id: str) -> tuple[dict, Path]:
    """End a running session (its candidate link goes with it), store its report and the
    candidate's consent: (summary, report folder)."""
    entry = ctx.live.pop(session_id)
    if entry is None:
        raise fail("There is no running session to end.")
    out_dir = ctx.new_session_dir()
    summary = entry.live.end(out_dir, store=ctx.store)
    if entry.consent_at:
        ctx.store.record_consent(summary["session_id"], given_by=entry.candidate or "candidate (verification link)",
                                 disclosed=CANDIDATE_NOTICE, given_at=entry.consent_at,
                                 recorded_by="verification page")
    return summary, out_dir


def build_live_tab(ctx: AppContext) -> None:
    registry: LiveCalls = ctx.live
    gr.Markdown("Analyse a call while it happens. Either send the candidate a **verification link** (their camera and "
                "microphone come straight to this server), or **share the meeting** tab or window from this browser "
                "and drag a rectangle over the candidate's tile.")
    with gr.Row():
        with gr.Column(scale=3):
            source = gr.Radio([(label, key) for key, label in SOURCES.items()], value="camera", label="Source",
                              elem_id="iv-live-source")
            with gr.Row():
                candidate = gr.Textbox(label="Candidate name (optional)", elem_id="iv-live-candidate")
                photo = gr.File(label="ID photo (optional)", file_types=["image", ".heic", ".heif"], type="filepath",
                                height=120)
        with gr.Column(scale=2):
            start = gr.Button("Start session", variant="primary", elem_id="iv-live-start")
            end = gr.Button("End session and write the report", variant="stop", interactive=False,
                            elem_id="iv-live-end")
            info = gr.Markdown(elem_id="iv-live-info")
    with gr.Column(visible=False) as share_box:  # the widget itself stays visible: it keeps its props
        share = capture_widget(ctx)
    panel = gr.HTML(elem_id="iv-live-panel")
    gr.Markdown("**Challenges.** Ask one at a time; the prompt and the time are recorded, and the result and the "
                "response time appear once the candidate has responded.")
    with gr.Row():
        buttons = [(kind, gr.Button(label, size="sm", interactive=False, min_width=110, elem_id=f"iv-ch-{kind}"))
                   for kind, label in challenge_kinds()]
    asked = gr.Markdown(elem_id="iv-live-asked")
    table = gr.Dataframe(headers=CHALLENGE_TABLE, label="Challenges asked", interactive=False, wrap=True,
                         elem_id="iv-live-challenges", column_widths=["20%", "9%", "16%", "10%", "45%"])
    results = ResultsView()
    session_id = gr.State("")
    timer = gr.Timer(1.0, active=False)

    @friendly
    def start_session(kind, name, photo_path, request: gr.Request):
        require(ctx, request, "live")
        id_photo = None
        if photo_path:
            read_id_photo(photo_path)
            id_photo = keep_upload(ctx.config.data_dir, Path(photo_path))
        entry = registry.start(kind, (name or "").strip() or None, id_photo)
        sid = entry.live.id
        if kind == "camera":
            note = (f"Session `{sid}` started. Send the candidate this link; they open it, agree, and their camera "
                    f"starts (it works on one device, until the call ends or "
                    f"{ctx.config.link_hours:g} h pass):\n\n`{candidate_url(ctx.config.public_url, request, entry.link.token)}`")
        else:
            note = f"Session `{sid}` started. Press **Share the meeting tab or window** below and pick the meeting."
        return ([sid, note, gr.Button(interactive=False), gr.Button(interactive=True), gr.Timer(active=True),
                 sid, gr.Column(visible=kind == "screen"), "", []]
                + [gr.Button(interactive=True)] * len(buttons) + results.hidden())

    start.click(start_session, [source, candidate, photo],
                [session_id, info, start, end, timer, share, share_box, asked, table] + [b for _, b in buttons]
                + results.outputs,
                api_visibility="private")
    source.change(lambda kind: gr.Column(visible=kind == "screen"), source, share_box, api_visibility="private")

    def refresh(sid):
        entry = registry.get(sid)
        if entry is None:
            return gr.skip(), gr.skip()
        snapshot = entry.live.snapshot()
        return panel_html(snapshot, entry.has_id_photo), challenge_table(snapshot)

    timer.tick(refresh, session_id, [panel, table], api_visibility="private", show_progress="hidden",
               concurrency_limit=None)

    for kind, button in buttons:
        @friendly
        def ask(sid, request: gr.Request, kind=kind):
            require(ctx, request, "live")
            entry = registry.get(sid)
            if entry is None:
                raise fail("Start a session before asking a challenge.")
            mark = entry.live.mark_challenge(challenges.new_kind(kind))  # read_phrase gets a fresh phrase
            prompt = challenges.prompt(mark.kind)
            entry.prompts[mark.asked_s] = prompt
            who = ("Shown to the candidate" if entry.source == "camera" else "Say to the candidate")
            return f"**{who}** at {_clock(mark.asked_s)}: “{escape(prompt)}”"

        button.click(ask, session_id, asked, api_visibility="private", show_progress="hidden",
                     concurrency_limit=None)

    @friendly
    def end_session(sid, request: gr.Request, progress=gr.Progress()):
        require(ctx, request, "live")
        progress(0.1, desc="analysing the call's audio and writing the report")
        summary, out_dir = finish(ctx, sid)
        note = f"Session `{summary['session_id']}` ended; its report is below and under Sign-off."
        return ([note, gr.Button(interactive=True), gr.Button(interactive=False), gr.Timer(active=False),
                 "", gr.Column(visible=False)] + [gr.Button(interactive=False)] * len(buttons)
                + results.values(summary, out_dir))

    @friendly
    def create_live_session_endpoint(candidate=None, request: gr.Request = None):
        require(ctx, request, "live")
        entry = registry.start("camera", (candidate or "").strip() or None, None)
        return {"session_id": entry.live.id,
                "candidate_url": candidate_url(ctx.config.public_url, request, entry.link.token)}

    @friendly
    def end_live_session_endpoint(session_id, request: gr.Request = None):
        require(ctx, request, "live")
        return finish(ctx, session_id)[0]

    gr.Button(visible=False).click(create_live_session_endpoint, gr.Textbox(label="candidate", visible=False),
                                   gr.JSON(visible=False), api_name="create_live_session",
                                   api_description=CREATE_DESCRIPTION)
    gr.Button(visible=False).click(end_live_session_endpoint, gr.Textbox(label="session_id", visible=False),
                                   gr.JSON(visible=False), api_name="end_live_session",
                                   api_description="End a live session from `create_live_session`: its link stops "
                                                   "working, and the report is written and stored; returns its summary.")
    end.click(end_session, session_id, [info, start, end, timer, share, share_box] + [b for _, b in buttons]
              + results.outputs,
              api_visibility="private", show_progress="full")


