"""A cap on the size of every request body, in front of the whole app.

Gradio caps uploads (`max_file_size`), but not the JSON posted to its queue: a screen-share frame
or any event's arguments could be a gigabyte. Bodies that declare a larger size are refused with
413 before they are read; bodies that do not declare one are cut off at the cap."""

from __future__ import annotations

import json

UPLOAD_PREFIX = "/gradio_api/upload"  # Gradio's own max_file_size applies there
MAX_BODY_BYTES = 16 * 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: `app` behind a body cap of `limit` bytes (uploads excepted)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(UPLOAD_PREFIX):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(f"request body over {self.limit} bytes")
            return message

        return await self.app(scope, counted, send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"ok": False, "message": f"The request is larger than {self.limit // 2**20} MB."}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def cap_bodies(server_app, limit: int = MAX_BODY_BYTES) -> None:
    """Put the cap in front of a running Starlette app (its middleware stack is built on first use)."""
    stack = server_app.middleware_stack or server_app.build_middleware_stack()
    server_app.middleware_stack = BodyLimit(stack, limit)
