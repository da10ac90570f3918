"""The candidate's page, /candidate/TOKEN: plain routes beside the Gradio app that need no login.

The token (ui.capability) opens one running session and reaches only its capture endpoints:
POST /candidate/TOKEN/join (the candidate's Start, their consent; binds the link to this browser
with an HttpOnly cookie), /frame and /audio (the same handlers as the interviewer's meeting share,
with the limits of interview.bounds). A second device, an expired link or an ended call get a
refusal in words. The page runs static/capture.js, the capture widget the Live tab uses.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from interview.bounds import MAX_LIVE_POST_BYTES
from ui.context import STATIC, AppContext
from ui.live import CANDIDATE_NOTICE, CAPTURE_TEMPLATE, LiveEntry, ended_reply, push_audio, push_frame

DEVICE_COOKIE = "iv_device"
INVALID = "This verification link is not valid or the call has ended: ask your interviewer for a new link."
TAKEN = ("This verification link is already open on another device. Use the device you started on, or ask your "
         "interviewer for a new link.")
START_LABEL = "I agree: start my camera and microphone"

# gr.HTML's js_on_load gets `element`, `props`, `server` and `watch`; this page gives the same names.
_SHIM = """(() => {
const element = document.getElementById("iv-capture-camera");
const props = {mode: "camera", value: location.pathname.split("/").filter(Boolean).pop()};
const watch = () => {};
const post = (action) => async (payload) => {
  const reply = await fetch(location.pathname.replace(/\\/$/, "") + "/" + action, {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(payload), credentials: "same-origin"});
  return reply.json();
};
const server = {join: post("join"), frame: post("frame"), audio: post("audio")};
%s
})();"""


def page(message: str | None = None) -> str:
    """The capture page, or (with `message`) a page that only says why the link does not open."""
    body = (f'<p class="iv-refused" role="alert">{escape(message)}</p>' if message else
            f'<p>{escape(CANDIDATE_NOTICE)}</p><div id="iv-capture-camera">'
            + CAPTURE_TEMPLATE.replace("${mode}", "camera").replace("${start_label}", START_LABEL)
            + f"</div><script>{_SHIM % (STATIC / 'capture.js').read_text()}</script>")
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            'content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">'
            f'<title>Identity check for your interview</title><style>{(STATIC / "app.css").read_text()}'
            "body{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em}</style></head>"
            f"<body><h2>Identity check for your interview</h2>{body}</body></html>")


def _refused(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "message": message}, status_code=status)


def router(ctx: AppContext) -> APIRouter:
    routes = APIRouter()

    def holder(token: str, request: Request) -> tuple[LiveEntry | None, str | None]:
        """The session this link opens and, if a device already holds the link and this is not it, why not."""
        entry = ctx.live.by_token(token)
        if entry is None:
            return None, INVALID
        link = entry.link
        if link.device_hash is not None and not link.holds(request.cookies.get(DEVICE_COOKIE)):
            return entry, TAKEN
        return entry, None

    @routes.get("/candidate/{token}", response_class=HTMLResponse)
    def candidate_page(token: str, request: Request) -> HTMLResponse:
        entry, problem = holder(token, request)
        status = 200 if problem is None else 409 if entry is not None else 404
        return HTMLResponse(page(problem), status_code=status, headers={"Cache-Control": "no-store"})

    @routes.post("/candidate/{token}/{action}")
    async def candidate_post(token: str, action: str, request: Request) -> JSONResponse:
        if action not in ("join", "frame", "audio"):
            return _refused("There is no such request.", 404)
        if int(request.headers.get("content-length") or 0) > MAX_LIVE_POST_BYTES:
            return _refused("The request is too large.", 413)
        body = await request.body()
        if len(body) > MAX_LIVE_POST_BYTES:
            return _refused("The request is too large.", 413)
        entry, problem = holder(token, request)
        if entry is None:
            return JSONResponse(ended_reply(True), status_code=404)
        if problem is not None:
            return _refused(problem, 409)
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return _refused("The browser sent a request the server could not read.", 400)
        if not isinstance(payload, dict):
            return _refused("The browser sent a request the server could not read.", 400)
        if action == "join":  # on the event loop, so two devices never bind at once
            return join(entry, request)
        if entry.link.device_hash is None:
            return _refused("Press Start first.", 409)
        return JSONResponse(await run_in_threadpool(push_frame if action == "frame" else push_audio, entry, payload))

    def join(entry: LiveEntry, request: Request) -> JSONResponse:
        """The candidate's Start: their consent, and the link bound to this browser."""
        response = JSONResponse({"ok": True, "message": ""})
        secret = entry.link.bind()
        if secret is not None:
            entry.consent_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
            response.set_cookie(DEVICE_COOKIE, secret, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https", path=f"/candidate/{entry.link.token}")
        return response

    return routes
