"""The candidate's capability: a link that opens one live session's capture page without a login.

The token is 32 random bytes (URL-safe); the link works until the call ends or it expires (2 h by
default, `AppConfig.link_hours`), and for one device: the first browser to press Start gets a
device secret in an HttpOnly cookie, and every later post must carry it. Only the hash of that
secret is kept. The link reaches the session's join, frame and audio endpoints, nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

import gradio as gr


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class CandidateLink:
    token: str
    expires_at: float  # time.monotonic()
    device_hash: str | None = None
    issued_at: float = field(default_factory=time.monotonic)

    @classmethod
    def issue(cls, ttl_s: float) -> CandidateLink:
        return cls(secrets.token_urlsafe(32), time.monotonic() + ttl_s)

    def opens(self, token: str) -> bool:
        return hmac.compare_digest(self.token, token) and time.monotonic() < self.expires_at

    def bind(self) -> str | None:
        """The device secret for the first device to join; None when a device already holds the link."""
        if self.device_hash is not None:
            return None
        secret = secrets.token_urlsafe(32)
        self.device_hash = _digest(secret)
        return secret

    def holds(self, secret: str | None) -> bool:
        return self.device_hash is not None and secret is not None and hmac.compare_digest(
            self.device_hash, _digest(secret))


def candidate_url(public_url: str | None, request: gr.Request | None, token: str) -> str:
    """The link from the address candidates reach (`serve --public-url`), else the request's own."""
    base = public_url or (str(request.request.base_url) if request is not None and request.request else "")
    return f"{base.rstrip('/')}/candidate/{token}"
