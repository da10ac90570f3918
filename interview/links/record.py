"""The one call at the end of an analysis: this session's traits, its links to earlier candidates,
and (with consent) the traits kept for later ones. Also what `links` and `purge` read.

The candidate's speech is the speech the relay check gave to the candidate (turns by mouth,
channel or voice), cut to what the voice detector heard; a recording with no turns given to
anyone (one voice, no face) counts all of its speech as the candidate's.
"""

from __future__ import annotations

from datetime import datetime, timezone

from interview.config import AnalysisConfig
from interview.links.answers import Passage
from interview.links.graph import Link, all_links, links_to
from interview.links.store import TraitRecord, TraitStore, TraitStoreError, trait_location
from interview.links.voice import voice_embedding
from interview.observations import AudioAnalysis
from interview.timeline import Segment
from models.registry import ModelMissingError


def _retention_days(config: AnalysisConfig) -> float:
    from interview.retention import RETENTION_DAYS

    return RETENTION_DAYS if config.face_retention_days is None else config.face_retention_days


def candidate_passages(summary: dict) -> list[Passage]:
    turns = (summary.get("measurements") or {}).get("candidate_turns") or []
    if turns:
        return [Passage(t["start"], t["end"], t["text"]) for t in turns if t["text"].strip()]
    text = " ".join(s["text"] for s in summary.get("transcript") or []).strip()
    return [Passage(0.0, summary["input"].get("duration_s") or 0.0, text)] if text else []


def candidate_speech(summary: dict, audio: AudioAnalysis) -> list[Segment]:
    turns = [Segment(t["start"], t["end"]) for t in (summary.get("measurements") or {}).get("candidate_turns") or []]
    if not turns:
        return list(audio.speech)
    return [Segment(max(s.start, t.start), min(s.end, t.end)) for s in audio.speech for t in turns if s.overlap(t) > 0]


def session_traits(summary: dict, audio: AudioAnalysis, date: str) -> list[TraitRecord]:
    """The voice and answers of this session's candidate, as records (none it could not measure)."""
    base = dict(candidate=summary.get("candidate"), analysis=summary["session_id"], date=date,
                media_sha256=summary["input"].get("sha256"))
    traits = []
    if audio.samples is not None:
        voice = voice_embedding(audio.samples, audio.sample_rate, candidate_speech(summary, audio))
        if voice is not None:
            traits.append(TraitRecord("voice", vector=voice, **base))
    passages = candidate_passages(summary)
    if passages:
        traits.append(TraitRecord("answers", payload={"passages": [p.to_dict() for p in passages]}, **base))
    return traits


def record_links(config: AnalysisConfig, summary: dict, audio: AudioAnalysis, now: datetime | None = None) -> dict:
    """summary["links"]: what was compared, what was kept, and every link to an earlier candidate."""
    now = now or datetime.now(timezone.utc)
    try:
        location = trait_location(config.face_db)
        if location is None:
            return {"status": "off"}
        store = TraitStore(location)
        store.expire(now, _retention_days(config))
        earlier = store.all()
        traits = session_traits(summary, audio, now.isoformat(timespec="seconds"))
        links = links_to(traits, earlier)
        stored = store.add(traits) if config.store_face else 0
    except (TraitStoreError, ModelMissingError) as exc:
        return {"status": "error", "error": str(exc)}
    return {"status": "ok", "analysis": summary["session_id"], "traits": sorted(t.kind for t in traits),
            "searched": len({r.analysis for r in earlier}), "stored": stored, "links": [l.to_dict() for l in links]}


def stored_records(config: AnalysisConfig) -> list[TraitRecord]:
    """Every record kept: traits, and the face registry's faces as records of kind "face"."""
    from interview.face_registry import FaceRecord, FaceRegistry

    records = []
    location = trait_location(config.face_db)
    if location is not None:
        records += TraitStore(location).all()
    registry = FaceRegistry.for_config(config)
    if registry is not None:
        try:
            for stored in registry.store.all():
                face = FaceRecord.from_name(stored.name)
                if face is not None:
                    records.append(TraitRecord("face", face.candidate, face.analysis, face.date, face.media_sha256,
                                               stored.embedding))
        finally:
            registry.close()
    return records


def stored_links(config: AnalysisConfig) -> list[Link]:
    return all_links(stored_records(config))


def forget(config: AnalysisConfig, session_id: str) -> int:
    """Deletion on request (purge): the traits one session kept."""
    location = trait_location(config.face_db)
    return TraitStore(location).forget(session_id) if location else 0
