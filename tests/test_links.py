"""Links across candidates, on real speech with the real models: the same speaker under two names is
linked by voice and different dev speakers are not; the same scripted answer (espeak-ng, read in
two voices, transcribed by Whisper) is linked and a different answer is not, stock phrases
included; three analyses under three names form one cluster tied by answers and voice, shown by
`interview-verify links --json`; two dev people composited into one generated room are linked by
room and the dev clips' own rooms are not; a purge takes a session's traits out of every link."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from fixtures.scripted_answers import scripted_answer
from interview.links.answers import ANSWER_THRESHOLD, passage_similarity
from interview.links.graph import all_links
from interview.links.store import TraitRecord
from interview.links.voice import voice_embedding
from interview.media import probe, read_audio
from interview.recording import AUDIO_RATE
from tests.conftest import dev_file

pytestmark = pytest.mark.usefixtures("models_ready")

# (dev clip, speaker): two speakers recorded twice, five others once.
VOICES = (
    ("A_talking_head/sp_MEAD_M003_level_1_disgusted_015.mp4", "M003"),
    ("A_talking_head/sp_MEAD_M003_level_1_happy_024.mp4", "M003"),
    ("A_talking_head/vr_face3.mp4", "AOC"),
    ("A_talking_head/st_WDA_AlexandriaOcasioCortez_000.mp4", "AOC"),
    ("A_talking_head/st_WDA_KatieHill_000.mp4", "Hill"),
    ("A_talking_head/st_WDA_BobMenendez_000.mp4", "Menendez"),
    ("A_talking_head/sp_MEAD_M024_level_2_surprised_010.mp4", "M024"),
    ("A_talking_head/sp_MEAD_W015_level_1_neutral_030.mp4", "W015"),
    ("E_speech/whisper_jfk.flac", "JFK"),
)
# Genuine dev videos whose rooms show corners (one room each), and one plain studio backdrop.
ROOMS = ("C_deepfake/ffpp_004_real.mp4", "C_deepfake/roop_target.mp4", "C_deepfake/dfdc_lynaeydofd_real.mp4",
         "A_talking_head/lp_d20.mp4", "A_talking_head/st_RD_Radio2_000.mp4", "A_talking_head/jm_real_1.mp4",
         "A_talking_head/3d_obama.mp4", "D_presentation_attack/ls_real.mp4", "A_talking_head/vr_face3.mp4")
PLAIN = "A_talking_head/sp_MEAD_M003_level_1_disgusted_015.mp4"  # MEAD's green studio
CLUSTER = {"Ann Lee": ("migration", "male"), "Bea Cruz": ("migration", "female"), "Cal Diaz": ("debugging", "male")}
STOCK = "Thank you for the question, that is a really good question and I am glad you asked it. "


def _speech(path: Path) -> tuple[np.ndarray, list]:
    from models.speech import speech_segments

    samples, _ = read_audio(probe(path))
    return samples, speech_segments(samples)


def _transcript(path: Path) -> str:
    from models.speech import shared_recognizer

    samples, _ = read_audio(probe(path))
    return " ".join(s.text for s in shared_recognizer("tiny.en").transcribe(samples)[0])


def test_voice_links_the_same_speaker_under_two_names_and_no_one_else():
    records = []
    for i, (clip, speaker) in enumerate(VOICES):
        samples, spans = _speech(dev_file(clip))
        vector = voice_embedding(samples, AUDIO_RATE, spans)
        records.append(TraitRecord("voice", f"name {i} ({speaker})", f"a{i}", "2026-11-30T10:00:00+00:00", None, vector))
    linked = {frozenset((l.a.candidate.split("(")[1][:-1], l.b.candidate.split("(")[1][:-1])) for l in all_links(records)}
    assert linked == {frozenset({"M003"}), frozenset({"AOC"})}


def _room(path: Path, name: str, analysis: str) -> TraitRecord:
    from interview.links.room import room_of

    return TraitRecord("room", name, analysis, "2026-11-30T10:00:00+00:00", None,
                       payload=room_of(str(path), probe(path).duration_s or 0.0))


def test_room_links_two_people_in_one_room_and_no_dev_rooms():
    from fixtures.room_composite import same_room

    first = same_room(dev_file("A_talking_head/vr_face2.mp4"), "as_is").path
    second = same_room(dev_file("A_talking_head/st_WDA_KatieHill_000.mp4"), "nudged").path  # camera moved, dimmer
    composites = [_room(first, "Dan Roe", "c1"), _room(second, "Eve Poe", "c2")]
    [link] = all_links(composites)
    assert link.kind == "room" and link.similarity >= link.threshold

    rooms = [_room(dev_file(clip), Path(clip).stem, f"d{i}") for i, clip in enumerate(ROOMS)]
    assert all(r.payload for r in rooms)
    assert all_links(rooms) == []
    assert _room(dev_file(PLAIN), "plain", "p").payload is None  # no corner: a backdrop is never linked


@pytest.fixture(scope="module")
def scripted() -> dict[str, str]:
    """Whisper's transcript of each candidate's scripted recording."""
    return {name: _transcript(scripted_answer(script, voice).path) for name, (script, voice) in CLUSTER.items()}


def test_the_same_scripted_answer_is_linked_and_a_different_one_is_not(scripted):
    assert passage_similarity(scripted["Ann Lee"], scripted["Bea Cruz"]) >= ANSWER_THRESHOLD  # one script, two voices
    assert passage_similarity(scripted["Ann Lee"], scripted["Cal Diaz"]) == 0.0
    # Stock phrases in front of both different answers stay far from a link (one shared pair: "glad asked").
    assert passage_similarity(STOCK + scripted["Ann Lee"], STOCK + scripted["Cal Diaz"]) < ANSWER_THRESHOLD / 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> dict:
    """The three scripted recordings analysed under three names into one private registry."""
    from interview.analyze import analyze_recording
    from interview.config import AnalysisConfig
    from interview.records.store import Store

    root = tmp_path_factory.mktemp("cluster")
    store, face_db = Store(root / "sessions.db"), str(root / "faces.sqlite")
    summaries = {name: analyze_recording(scripted_answer(script, voice).path,
                                         AnalysisConfig(candidate=name, face_db=face_db), root / name, store=store)
                 for name, (script, voice) in CLUSTER.items()}
    return {"store": store, "face_db": face_db, "summaries": summaries, "root": root}


def _links_json(capsys, face_db: str, *extra: str) -> dict:
    from interview.cli import main

    assert main(["links", "--json", "--face-db", face_db, *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_three_names_form_one_cluster_by_answers_and_voice(cluster, capsys):
    summaries = cluster["summaries"]
    assert [s["links"]["traits"] for s in summaries.values()] == [["answers", "voice"]] * 3
    # Each analysis reports its links to the earlier ones: Bea to Ann by answers, Cal to Ann by voice.
    assert [l["kind"] for l in summaries["Ann Lee"]["links"]["links"]] == []
    assert [(l["kind"], l["b"]["candidate"]) for l in summaries["Bea Cruz"]["links"]["links"]] == [("answers", "Ann Lee")]
    assert [(l["kind"], l["b"]["candidate"]) for l in summaries["Cal Diaz"]["links"]["links"]] == [("voice", "Ann Lee")]
    assert "voice of &#x27;Ann Lee&#x27;" in (cluster["root"] / "Cal Diaz" / "report.html").read_text()  # the report lists it

    view = _links_json(capsys, cluster["face_db"])
    pairs = {(l["kind"], frozenset((l["a"]["candidate"], l["b"]["candidate"]))) for l in view["links"]}
    assert pairs == {("answers", frozenset({"Ann Lee", "Bea Cruz"})), ("voice", frozenset({"Ann Lee", "Cal Diaz"}))}
    assert view["clusters"] == [{"names": ["Ann Lee", "Bea Cruz", "Cal Diaz"], "kinds": ["answers", "voice"], "links": 2}]
    answers = next(l for l in view["links"] if l["kind"] == "answers")
    assert all("microservices" in answers["evidence"][side]["text"] for side in ("passage_a", "passage_b"))
    voice = next(l for l in view["links"] if l["kind"] == "voice")
    assert voice["similarity"] >= voice["threshold"] == 0.8
    assert _links_json(capsys, cluster["face_db"], "--candidate", "cal  diaz")["clusters"] == view["clusters"]


def test_purge_takes_a_session_out_of_the_links(cluster, capsys, monkeypatch):
    """Deletion on request removes the candidate's voice and answers (a wav has no room) from the registry."""
    from interview.config import FACE_DB_ENV
    from interview.records.retention import purge

    monkeypatch.setenv(FACE_DB_ENV, cluster["face_db"])  # purge reads the configured registry
    [result] = purge(cluster["store"], session_id=cluster["summaries"]["Ann Lee"]["session_id"])
    assert "2 voice, answer, room and camera records" in result.deleted
    assert _links_json(capsys, cluster["face_db"])["links"] == []
    assert list(itertools.chain(*(s["links"]["links"] for s in cluster["summaries"].values())))  # reports keep theirs


@pytest.fixture(params=["sqlite", "postgresql"])
def trait_db(request, tmp_path):
    """A SQLite file, or a real PostgreSQL server (pgserver) when it is installed."""
    if request.param == "sqlite":
        yield str(tmp_path / "faces.sqlite")
        return
    pgserver = pytest.importorskip("pgserver", reason="pgserver (PostgreSQL in a wheel) not installed")
    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def test_trait_store_keeps_links_expires_and_forgets(trait_db):
    """The same records, links, retention and deletion on both SQL backends, with real voice vectors."""
    from datetime import datetime, timedelta, timezone

    from interview.links.store import TraitStore

    now = datetime.now(timezone.utc)
    store = TraitStore(trait_db)
    for i, (name, (script, voice)) in enumerate(CLUSTER.items()):
        samples, spans = _speech(scripted_answer(script, voice).path)
        date = (now - timedelta(days=40 if name == "Bea Cruz" else 1)).isoformat(timespec="seconds")
        store.add([TraitRecord("voice", name, f"s{i}", date, None, voice_embedding(samples, AUDIO_RATE, spans))])
    assert {frozenset((l.a.candidate, l.b.candidate)) for l in all_links(store.all())} == {frozenset({"Ann Lee", "Cal Diaz"})}
    assert store.expire(now, 30) == 1 and [r.candidate for r in store.all()] == ["Ann Lee", "Cal Diaz"]
    assert store.forget("s0") == 1 and all_links(store.all()) == []
