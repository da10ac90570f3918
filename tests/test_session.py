"""The session path shared by recordings and live calls: one failing check costs only its own result."""

from __future__ import annotations

from itertools import islice

from interview.audio import analyse_audio
from interview.checks.base import Check
from interview.config import AnalysisConfig
from interview.media import FileSource, probe, read_audio
from interview.session import Session
from tests.conftest import dev_file


class BrokenCheck(Check):
    name = "broken"
    label = question = reassurance = "broken"

    def update(self, obs, frame) -> None:
        pass

    def assess(self, ctx):
        raise ValueError("cannot finish")


def test_a_failing_check_is_reported_and_the_others_still_finish(models_ready, tmp_path):
    media = probe(dev_file("A_talking_head/vr_face2.mp4"))
    session = Session(AnalysisConfig(face_db="off"))
    session.checks.insert(0, BrokenCheck(session.config, session.inputs))
    for frame in islice(FileSource(media).frames(), 45):
        session.push_frame(frame)
    audio = analyse_audio(read_audio(media)[0], transcribe=False)
    result = session.finish(media, audio, tmp_path / "evidence")
    assert result.checks["broken"].status == "insufficient"
    assert result.problems == ["the broken check failed (ValueError: cannot finish); "
                               "its result is missing, the other checks are complete"]
    assert {"liveness", "identity", "deepfake", "relay"} <= result.checks.keys()
    assert result.checks["identity"].status == "ok"
