"""The one call at the end of an analysis: this session's traits, its links to earlier candidates,
and (with consent) the traits kept for later ones. Also what `links` and `purge` read.

The candidate's speech is the speech the relay check gave to the candidate (turns by mouth,
channel or voice), cut to what the voice detector heard; a recording with no turns given to
anyone (one voice, no face) counts all of its speech as the candidate's.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timezone
from pathlib import Path

from interview.checks.identity.repeats import FaceRecord
from interview.config import AnalysisConfig
from interview.links.answers import Passage
from interview.links.camera import SensorNoise
from interview.links.graph import Link, all_links, links_to
from interview.links.room import room_of
from interview.links.store import TraitRecord, TraitStore, TraitStoreError, trait_location
from interview.links.voice import VOICE_THRESHOLD, voice_embedding
from interview.media import MediaError
from interview.observations import AudioAnalysis
from interview.records.face_registry import FaceRegistry
from interview.records.rules import RETENTION_DAYS
from models.outputs import Segment
from models.registry import ModelMissingError


def _retention_days(config: AnalysisConfig) -> float:
    return RETENTION_DAYS if config.face_retention_days is None else config.face_retention_days


def _whole_transcript(summary: dict) -> list[Passage]:
    text = " ".join(s["text"] for s in summary.get("transcript") or []).strip()
    return [Passage(0.0, summary["input"].get("duration_s") or 0.0, text)] if text else []


def _turns(summary: dict) -> list[dict]:
    return (summary.get("measurements") or {}).get("candidate_turns") or []


def _inside(speech: tuple[Segment, ...], turns: list[Segment]) -> list[Segment]:
    """The speech within the turns."""
    return [Segment(max(s.start, t.start), min(s.end, t.end)) for s in speech for t in turns if s.overlap(t) > 0]


def _outside(speech: tuple[Segment, ...], turns: list[Segment]) -> list[Segment]:
    """The speech outside the turns."""
    left = []
    for span in speech:
        start = span.start
        for turn in sorted(t for t in turns if span.overlap(t) > 0):
            if turn.start > start:
                left.append(Segment(start, turn.start))
            start = max(start, turn.end)
        if span.end > start:
            left.append(Segment(start, span.end))
    return left


def session_traits(summary: dict, audio: AudioAnalysis, date: str, sensor: SensorNoise | None = None,
                   room: Callable[[], dict | None] | None = None) -> list[TraitRecord]:
    """The voice, answers, room and camera of this session's candidate, as records (none it could not measure).
    `room` gives the room trait (`room_beside`); by default it is read here.

    When only the voice told the parties apart (no face, one channel), the two "voices" it found are
    checked with the speaker encoder: if they are one voice, all the speech is the candidate's
    (the MFCC clustering splits a lone speaker in two)."""
    base = dict(candidate=summary.get("candidate"), analysis=summary["session_id"], date=date,
                media_sha256=summary["input"].get("sha256"))
    turns = [Segment(t["start"], t["end"]) for t in _turns(summary)]
    passages = [Passage(t["start"], t["end"], t["text"]) for t in _turns(summary) if t["text"].strip()]
    voice = None

    def embed(spans: list[Segment]):
        return voice_embedding(audio.samples, audio.sample_rate, spans)

    if audio.samples is not None:
        voice = embed(_inside(audio.speech, turns) if turns else list(audio.speech))
        if turns and voice is not None and summary["measurements"].get("speaker_attribution") == "voice":
            other = embed(_outside(audio.speech, turns))
            if other is not None and float(other @ voice) >= VOICE_THRESHOLD:
                voice, turns = embed(list(audio.speech)), []
    if not turns:
        passages = _whole_transcript(summary)
    traits = [TraitRecord("voice", vector=voice, **base)] if voice is not None else []
    if passages:
        traits.append(TraitRecord("answers", payload={"passages": [p.to_dict() for p in passages]}, **base))
    room = room() if room is not None else recording_room(summary["input"], (summary.get("sampling") or {}).get("region"))
    if room is not None:
        traits.append(TraitRecord("room", payload=room, **base))
    camera = sensor.fingerprint() if sensor is not None else None
    if camera is not None:
        traits.append(TraitRecord("camera", payload=camera, **base))
    return traits


def recording_room(media: dict, region: tuple[int, int, int, int] | None = None) -> dict | None:
    """The room of the recording (of the `region` analysed), when it has video on disk (a live
    call's stream has none to seek)."""
    if not media.get("has_video") or not media.get("path") or not Path(media["path"]).is_file():
        return None
    try:
        return room_of(media["path"], media.get("duration_s") or 0.0, region)
    except MediaError:
        return None


def room_beside(config: AnalysisConfig, media: dict, beside: Executor) -> Callable[[], dict | None] | None:
    """Start reading the recording's room on `beside` (it decodes frames of its own and needs nothing
    of the analysis, so it runs while the checks are assessed: ~0.2 s of a 120 s recording's end);
    what `record_links` then takes as `room`. None when links are off or cannot be kept."""
    try:
        if trait_location(config.face_db) is None:
            return None
    except TraitStoreError:
        return None
    return beside.submit(recording_room, media, config.policy.region).result


def record_links(config: AnalysisConfig, summary: dict, audio: AudioAnalysis, sensor: SensorNoise | None = None,
                 now: datetime | None = None, room: Callable[[], dict | None] | None = None) -> dict:
    """summary["links"]: what was compared, what was kept, and every link to an earlier candidate.
    `room`: the room trait being read (`room_beside`); by default it is read here."""
    now = now or datetime.now(timezone.utc)
    try:
        location = trait_location(config.face_db)
        if location is None:
            return {"status": "off"}
        store = TraitStore(location)
        store.expire(now, _retention_days(config))
        earlier = store.all()
        traits = session_traits(summary, audio, now.isoformat(timespec="seconds"), sensor, room)
        links = links_to(traits, earlier)
        stored = store.add(traits) if config.store_face else 0
    except (TraitStoreError, ModelMissingError) as exc:
        return {"status": "error", "error": str(exc)}
    return {"status": "ok", "analysis": summary["session_id"], "traits": sorted(t.kind for t in traits),
            "searched": len({r.analysis for r in earlier}), "stored": stored, "links": [l.to_dict() for l in links]}


def stored_records(config: AnalysisConfig) -> list[TraitRecord]:
    """Every record kept: traits, and the face registry's faces as records of kind "face"."""
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
