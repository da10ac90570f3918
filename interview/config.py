"""Options of one analysis, as a documented dataclass (one place to read what can be set)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from interview.checks.base import ChallengeMark
from interview.media import SamplingPolicy


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
