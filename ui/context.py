"""What the app's tabs share (`AppContext`) and how the app is configured (`AppConfig`), apart from
the app itself so that every tab can import them without importing the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from interview.config import AnalysisConfig
from interview.job_queue import JobQueue
from interview.records.store import Store, default_data_dir, new_session_dir

if TYPE_CHECKING:
    from ui.live import LiveCalls

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class AppConfig:
    """data_dir: one folder per analysed session (reports, evidence frames); db_path: the session
    store (None: $INTERVIEW_VERIFY_DB or the user data dir; or a postgresql:// URL); queue: where
    reviews are queued (None: the embedded queue in data_dir, or redis://...); max_upload_mb /
    max_duration_s: what the review tab accepts; public_url / link_hours: candidate links (ui.capability);
    analysis: sampling and Whisper defaults."""

    data_dir: Path = field(default_factory=default_data_dir)
    db_path: Path | str | None = None
    queue: str | None = None
    max_upload_mb: int = 2048
    max_duration_s: float = 3 * 3600
    public_url: str | None = None  # the address candidates reach (links are built from it); None: the request's
    link_hours: float = 2.0  # a candidate link expires after this long (or when the call ends)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)


@dataclass
class AppContext:
    """What every tab shares: the configuration, the session store, the job queue the review tab
    submits to, and the running live sessions."""

    config: AppConfig
    store: Store
    queue: JobQueue | None = None  # set by build_app
    live: LiveCalls | None = None  # set by build_app once the context exists
    login_required: bool = False  # accounts exist: the app asks for a login and checks roles (ui.access)

    def new_session_dir(self) -> Path:
        return new_session_dir(self.config.data_dir)


