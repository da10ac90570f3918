"""`interview-verify serve`: start the app, on 127.0.0.1 unless told otherwise.

As soon as the store holds an account (`interview-verify accounts add`), the app asks for a login
and every event is checked against the account's role (ui.access). Bound to any other address the
app holds faces and reports that others could reach, so it then refuses to start without one.
Candidates need no login: their link (ui.candidate) opens only their own session's capture page.
A browser gives a page on another machine the camera only over HTTPS: `--tls-cert/--tls-key`.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ServeError(Exception):
    """A one-line reason the server will not start."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Tls:
    """A certificate and its key (PEM files) for HTTPS."""

    cert: Path
    key: Path

    def launch_options(self) -> dict:
        for path in (self.cert, self.key):
            if not path.is_file():
                raise ServeError(f"cannot read the TLS file {path}")
        # ssl_verify=False: Gradio's own start-up request to itself must accept a self-signed certificate
        return {"ssl_certfile": str(self.cert), "ssl_keyfile": str(self.key), "ssl_verify": False}


@dataclass
class Served:
    """The launched app and the worker process it started for its queue, if any."""

    app: Any
    worker: subprocess.Popen | None

    @property
    def local_url(self) -> str:
        return self.app.local_url

    def close(self) -> None:
        self.app.close()
        if self.worker is not None:
            self.worker.terminate()
            self.worker.wait(timeout=30)


def serve(host: str, port: int | None, data_dir: Path | None, db_path: Path | str | None, max_upload_mb: int,
          max_duration_h: float, queue: str | None = None, workers: int | None = None, block: bool = True,
          public_url: str | None = None, tls: Tls | None = None, link_hours: float = 2.0) -> Served:
    """Build and launch the app, with `workers` analyses at once in a worker process of its own
    (default: 1 on the embedded queue, none on Redis, whose workers run elsewhere); returns
    without blocking when `block` is False (tests)."""
    from interview.accounts import dummy_hash, has_accounts, login
    from interview.job_queue import is_redis, spawn_worker
    from interview.records.retention import APP_CACHE, CACHE_ENV
    from interview.records.store import Store, default_data_dir

    if not is_loopback(host) and not has_accounts(Store(db_path)):
        raise ServeError(f"refusing to listen on {host} without accounts: add one with `interview-verify accounts "
                         f"add NAME --role admin`, or use --host 127.0.0.1")
    data_dir = (data_dir or default_data_dir()).resolve()
    # Before the app is built: its components and routes read the cache folder when they are made.
    https = tls.launch_options() if tls else {}
    os.environ[CACHE_ENV] = str(data_dir / APP_CACHE)  # one app per process; a purge empties it
    from ui.app import build_app, launch_options
    from ui.candidate import router
    from ui.context import AppConfig
    from ui.limits import cap_bodies

    config = AppConfig(data_dir=data_dir, db_path=db_path, queue=queue, max_upload_mb=max_upload_mb,
                       max_duration_s=max_duration_h * 3600, public_url=public_url, link_hours=link_hours)
    app, ctx = build_app(config)
    auth = (lambda username, password: login(ctx.store, username, password) is not None) if ctx.login_required \
        else None
    if auth:
        dummy_hash()
    app.queue(default_concurrency_limit=1)
    app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=True, quiet=True,
               auth_message="interview-verify: sign in with your account." if auth else None,
               **https, **launch_options(config))
    app.server_app.router.routes[:0] = router(ctx).routes  # before Gradio's own, which would claim the path
    cap_bodies(app.server_app)
    workers = (0 if is_redis(queue) else 1) if workers is None else workers
    served = Served(app, spawn_worker(ctx.queue, workers) if workers > 0 else None)
    if block:
        login_note = ", sign-in required" if auth else ""
        print(f"interview-verify: serving on {app.local_url} (reports in {config.data_dir}{login_note}); "
              f"candidate links start with {public_url or app.local_url.rstrip('/')}/candidate/; Ctrl+C stops")
        try:
            app.block_thread()
        finally:
            served.close()
    return served
