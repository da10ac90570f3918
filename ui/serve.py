"""`interview-verify serve`: start the app, on 127.0.0.1 unless told otherwise.

Bound to any other address the app holds faces and reports that others could reach, so it then
requires a login: credentials come from --auth-file (lines of user:password) or the environment
variable INTERVIEW_VERIFY_AUTH (user:password); there is no default password.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AUTH_ENV = "INTERVIEW_VERIFY_AUTH"


class ServeError(Exception):
    """A one-line reason the server will not start."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _pair(line: str, where: str) -> tuple[str, str]:
    user, sep, password = line.strip().partition(":")
    if not sep or not user or not password:
        raise ServeError(f"{where}: expected user:password")
    return user, password


def credentials(auth_file: Path | None) -> list[tuple[str, str]]:
    """Logins from the file, else from $INTERVIEW_VERIFY_AUTH; empty when neither is given."""
    if auth_file is not None:
        try:
            lines = [ln for ln in auth_file.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        except OSError as exc:
            raise ServeError(f"cannot read the auth file {auth_file}: {exc.strerror}") from None
        if not lines:
            raise ServeError(f"the auth file {auth_file} has no user:password line")
        return [_pair(line, f"{auth_file} line {i}") for i, line in enumerate(lines, start=1)]
    if os.environ.get(AUTH_ENV):
        return [_pair(os.environ[AUTH_ENV], AUTH_ENV)]
    return []


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


def serve(host: str, port: int | None, auth_file: Path | None, data_dir: Path | None, db_path: Path | str | None,
          max_upload_mb: int, max_duration_h: float, queue: str | None = None, workers: int | None = None,
          block: bool = True) -> Served:
    """Build and launch the app, with `workers` analyses at once in a worker process of its own
    (default: 1 on the embedded queue, none on Redis, whose workers run elsewhere); returns
    without blocking when `block` is False (tests)."""
    logins = credentials(auth_file)
    if not is_loopback(host) and not logins:
        raise ServeError(f"refusing to listen on {host} without a login: give --auth-file FILE (user:password "
                         f"lines) or set {AUTH_ENV}=user:password, or use --host 127.0.0.1")
    from interview.job_queue import is_redis, spawn_worker
    from ui.app import AppConfig, build_app, default_data_dir, launch_options

    config = AppConfig(data_dir=(data_dir or default_data_dir()).resolve(), db_path=db_path, queue=queue,
                       max_upload_mb=max_upload_mb, max_duration_s=max_duration_h * 3600)
    app, ctx = build_app(config)
    app.queue(default_concurrency_limit=1)
    app.launch(server_name=host, server_port=port, auth=logins or None, prevent_thread_lock=True, quiet=True,
               auth_message="interview-verify: sign in to continue." if logins else None, **launch_options(config))
    workers = (0 if is_redis(queue) else 1) if workers is None else workers
    served = Served(app, spawn_worker(ctx.queue, workers) if workers > 0 else None)
    if block:
        login = f", sign-in required ({len(logins)} user{'s' * (len(logins) > 1)})" if logins else ""
        print(f"interview-verify: serving on {app.local_url} (reports in {config.data_dir}{login}); Ctrl+C stops")
        try:
            app.block_thread()
        finally:
            served.close()
    return served
