"""The records of the repeat-face lookup (one face behind many names, or another face behind one name):
what this analysis asks (`QueryFace`), what was stored before (`FaceRecord`) and what the lookup
found (`RegistryReport`). The lookup itself runs after the checks, in `interview.records.face_registry`;
the identity check only turns its report into findings."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class FaceRecord:
    """What is stored beside an embedding (deepface's img_name column, as JSON)."""

    candidate: str | None
    analysis: str  # id of the analysis that stored it
    date: str  # ISO 8601, UTC
    source: str  # "call" (a person seen on camera) or "id_photo"
    person: int | None = None  # which person of that call (1, 2, ...)
    media_sha256: str | None = None

    def to_name(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_name(cls, name: str) -> FaceRecord | None:
        """None for rows someone else put in the same table (e.g. deepface's register())."""
        try:
            return cls(**json.loads(name))
        except (ValueError, TypeError):
            return None

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.date)


@dataclass(frozen=True)
class QueryFace:
    """A face of the current analysis: a person on camera, or the ID photo."""

    source: str  # "call" or "id_photo"
    person: int | None
    embedding: np.ndarray


@dataclass(frozen=True)
class RepeatFace:
    """An earlier record that says something about this candidate."""

    kind: str  # "other_name": same face, another candidate; "other_face": same candidate, no face matches
    face: QueryFace | None  # the current face that matched (None for "other_face")
    earlier: FaceRecord
    similarity: float  # best similarity between the current faces and that earlier analysis


@dataclass(frozen=True)
class RegistryReport:
    repeats: list[RepeatFace]
    earlier_rounds: int  # earlier analyses of the same candidate (within retention)
    searched: int  # records compared
    stored: int  # records added by this analysis
    analysis: str
    store: dict[str, str]  # where they went: {"backend", "location"} (no password), for a purge to find them

    def to_dict(self) -> dict:
        return {"analysis": self.analysis, "store": self.store, "searched": self.searched, "stored": self.stored,
                "earlier_rounds": self.earlier_rounds,
                "repeats": [{"kind": r.kind, "candidate": r.earlier.candidate, "date": r.earlier.date,
                             "analysis": r.earlier.analysis, "similarity": round(r.similarity, 3)} for r in self.repeats]}
