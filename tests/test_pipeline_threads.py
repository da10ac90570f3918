"""A recording analysed on threads (decode ahead, embeddings and checks behind the landmarker) gives exactly the
summary of the same stages run one after another, and the stage plumbing keeps order and errors."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from interview.analyze import analyze_recording, conclude_session
from interview.audio import analyse_audio
from interview.checks.base import ChallengeMark
from interview.checks.registry import check_types
from interview.config import AnalysisConfig
from interview.media import FileSource, probe, read_audio
from interview.pipeline import BACKGROUND_NICE, ahead, consume_behind
from interview.session import Session
from tests.conftest import dev_file

UNTIMED = ("session_id", "created_at", "timings")


def _one_after_another(path, config: AnalysisConfig, out) -> dict:
    media = probe(path)
    session = Session(config)
    for frame in FileSource(media, config.policy).frames():
        session.push_frame(frame)
    samples, problems = read_audio(media)
    audio = analyse_audio(samples, config.whisper_model, config.transcribe)
    return conclude_session(session, "sequential", media, audio, problems, out)


def test_threaded_analysis_gives_the_sequential_summary(models_ready, tmp_path, monkeypatch):
    import interview.analyze
    import interview.session

    released = []
    monkeypatch.setattr(interview.analyze, "release_freed_heap", lambda: released.append("analysis"))
    monkeypatch.setattr(interview.session, "release_freed_heap", lambda: released.append("frames"))
    monkeypatch.setattr(interview.session, "HEAP_RELEASE_EVERY_S", 1.0)
    path = dev_file("A_talking_head/vr_face2.mp4")
    config = AnalysisConfig(face_db="off", transcribe=False, challenges=(ChallengeMark("turn_left", 1.0),))
    threaded = analyze_recording(path, config, tmp_path / "threaded")
    assert released.count("analysis") == 2, "freed heap handed back after the audio analysis and before the assessment"
    assert released.count("frames") == 4 + len(check_types()), \
        "and every second of frames (at 1, 2, 3 and 4 s of 5 s), and after each check's assessment"
    sequential = _one_after_another(path, config, tmp_path / "sequential")
    assert threaded["measurements"]["analysed_frames"] > 50
    assert {k: v for k, v in threaded.items() if k not in UNTIMED} == \
        {k: v for k, v in sequential.items() if k not in UNTIMED}


def test_stages_keep_order_and_hand_errors_to_the_caller():
    assert list(ahead(iter(range(100)), "numbers", limit=3)) == list(range(100))
    seen: list[int] = []
    give, close = consume_behind(seen.append, "collect", limit=2)
    for n in range(50):
        give(n)
    close()
    assert seen == list(range(50))

    def broken():
        yield 1
        raise ValueError("truncated")

    with pytest.raises(ValueError, match="truncated"):
        list(ahead(broken(), "broken"))
    give, close = consume_behind(lambda n: 1 / n, "divide")
    give(0)
    with pytest.raises(ZeroDivisionError):
        close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_stages_other_than_perception_yield_it_the_cores():
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def produced():
        yield niceness()

    seen: list[int] = []
    give, close = consume_behind(lambda _: seen.append(niceness()), "checks")
    give(None)
    close()
    mine = niceness()
    lowered = min(19, mine + BACKGROUND_NICE)  # Linux's lowest priority is 19
    assert list(ahead(produced(), "decode")) == [lowered]
    assert seen == [lowered] and niceness() == mine, "the caller's own priority is left alone"
