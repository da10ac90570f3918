"""The liveness tests' media: each file analysed once per test run (perception and the liveness
check only), shared by test_liveness.py and test_challenges.py; and the liveness fixtures' own truth."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import numpy as np

from fixtures.liveness_media import handheld_photo_video, looped_video
from interview.audio import analyse_audio
from interview.checks.base import ChallengeMark, CheckResult, SessionContext, SessionInputs
from interview.checks.liveness.check import LivenessCheck
from interview.config import AnalysisConfig
from interview.media import FileSource, probe, read_audio
from interview.observations import AudioAnalysis
from interview.perception import Perceiver
from interview.recording import SamplingPolicy
from interview.session import written
from tests.conftest import dev_file

TV_REAL = "D_presentation_attack/tv_real.mp4"
TV_FAKE = "D_presentation_attack/tv_fake.mp4"
FACE2, FACE3 = "A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4"


@functools.cache
def _observed(path: Path) -> LivenessCheck:
    """A liveness check that has seen every analysed frame of the file."""
    check = LivenessCheck(AnalysisConfig(), SessionInputs())
    perceiver = Perceiver(SamplingPolicy())
    try:
        for frame in FileSource(probe(path), SamplingPolicy()).frames():
            check.update(perceiver.observe(frame), frame)
    finally:
        perceiver.close()
    return check


@functools.cache
def _audio(path: Path, transcribe: bool) -> AudioAnalysis:
    return analyse_audio(read_audio(probe(path))[0], transcribe=transcribe)


def liveness(path: Path, challenges: tuple[ChallengeMark, ...] = (), transcribe: bool = False,
             evidence_dir: Path | None = None) -> CheckResult:
    """The liveness result for a file; perception runs once per file, whatever the challenges."""
    check = copy.copy(_observed(Path(path)))
    check.challenges = list(challenges)
    info = probe(path)
    ctx = SessionContext(media=info, audio=_audio(Path(path), transcribe), analysed_frames=len(check.track.arrays()))
    return written(check, check.assess(ctx), evidence_dir)


def test_handheld_photo_moves_and_never_repeats_a_frame(models_ready):
    """The hand-held photo is never still (so only geometry or expression can give it away)."""
    fixture = handheld_photo_video(dev_file("D_presentation_attack/sf_image_F2.jpg"))
    assert fixture.truth["attack"] == "photo" and fixture.truth["max_tilt_deg"] > 5
    track = _observed(fixture.path).track.arrays()
    assert np.nanmin(track.motion) > 0.3  # above the frozen threshold on every frame pair


def test_looped_video_repeats_exactly_the_stated_frames():
    fixture = looped_video(dev_file(FACE3), start_s=1.0, seconds=1.5, repeats=2)
    source, spans = fixture.truth["source_span"], fixture.truth["repeat_spans"]
    assert len(spans) == 2 and spans[0][0] == source[1]
    assert np.isclose(spans[0][1] - spans[0][0], source[1] - source[0])
