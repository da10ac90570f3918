"""Options of one analysis, as a documented dataclass (one place to read what can be set)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from interview.calibration.profile import Profile, load_profile
from interview.checks.base import ChallengeMark
from interview.recording import SamplingPolicy

FACE_DB_ENV = "INTERVIEW_VERIFY_FACE_DB"


def default_face_db() -> str:
    """$INTERVIEW_VERIFY_FACE_DB, else faces.sqlite in the user's data dir."""
    if os.environ.get(FACE_DB_ENV) is not None:
        return os.environ[FACE_DB_ENV]
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("interview-verify")) / "faces.sqlite")


@dataclass(frozen=True)
class AnalysisConfig:
    """policy: which frames perception sees; whisper_model: "tiny.en" (default, fast) or "base"
    (multilingual); id_photo / candidate: who the person should be; challenges: active challenges
    asked during the call; transcribe: off skips Whisper (VAD still runs)."""

    policy: SamplingPolicy = field(default_factory=SamplingPolicy)
    whisper_model: str = "tiny.en"
    transcribe: bool = True
    id_photo: Path | None = None
    candidate: str | None = None
    challenges: tuple[ChallengeMark, ...] = ()
    # Face registry (repeat faces across candidates; interview/records/face_registry.py). face_db: a SQLite
    # file, or a deepface backend's connection string (postgresql://... for pgvector, http://... or
    # qdrant:/folder for qdrant); "off" disables it. face_db_backend: "auto" infers it from face_db, or any deepface
    # database type. store_face: keep this candidate's face embeddings, and the voice, answer, room and
    # camera records of interview/links (kept beside the faces) (off without consent; the search still runs). face_retention_days: records older than this are ignored and deleted
    # (None: the product's retention rule, interview.records.rules.RETENTION_DAYS).
    face_db: str = field(default_factory=default_face_db)
    face_db_backend: str = "auto"
    store_face: bool = True
    face_retention_days: float | None = None
    # What genuine sessions look like (interview/calibration): the shipped profile of the public dev
    # corpus unless $INTERVIEW_VERIFY_PROFILE or --profile names an organisation's own.
    profile: Profile = field(default_factory=load_profile)

    def with_region(self, region: tuple[int, int, int, int] | None) -> AnalysisConfig:
        """The same settings on another part of the picture (SamplingPolicy.region)."""
        return replace(self, policy=replace(self.policy, region=region))
