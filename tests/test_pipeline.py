"""End to end on real media: the CLI analyses a talking head and an audio-only speech file,
and still works with networking made impossible."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from fixtures.generate import wrap_audio_only
from interview.analyze import analyze_recording
from interview.config import AnalysisConfig
from tests.conftest import dev_file


@pytest.fixture(scope="module")
def talking_head(models_ready, tmp_path_factory):
    out = tmp_path_factory.mktemp("vr_face2")
    return analyze_recording(dev_file("A_talking_head/vr_face2.mp4"), AnalysisConfig(), out), out


def test_talking_head_summary_has_input_face_and_transcript(talking_head):
    summary, out = talking_head
    assert json.loads((out / "summary.json").read_text())["session_id"] == summary["session_id"]
    assert summary["input"]["width"] == 844 and summary["input"]["height"] == 844
    assert summary["input"]["has_audio"] is True
    assert summary["input"]["duration_s"] == pytest.approx(5.04, abs=0.05)
    assert summary["input"]["fps"] == pytest.approx(25.0)
    assert summary["measurements"]["face_visible_ratio"] > 0.9
    assert 0.5 < summary["measurements"]["speech_ratio"] <= 1.0
    text = " ".join(s["text"] for s in summary["transcript"]).lower()
    assert "california" in text and "congressional district" in text


def test_audio_only_input_reports_no_face_and_the_words(models_ready, tmp_path):
    wrapped = wrap_audio_only(dev_file("E_speech/whisper_jfk.flac"), "m4a").path
    summary = analyze_recording(wrapped, AnalysisConfig(), tmp_path)
    assert summary["input"]["duration_s"] == pytest.approx(11.0, abs=0.1)
    assert summary["input"]["has_video"] is False
    assert summary["measurements"]["face_visible_ratio"] == 0.0
    assert summary["measurements"]["analysed_frames"] == 0
    assert any("no video stream" in p for p in summary["problems"])
    text = " ".join(s["text"] for s in summary["transcript"]).lower()
    assert "ask not what your country can do for you" in text


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare for a network-less namespace")
def test_analysis_runs_with_networking_impossible(models_ready, tmp_path):
    """A fresh network namespace has only a downed loopback: any download attempt would fail."""
    clip = dev_file("A_talking_head/vr_face3.mp4")
    command = ["unshare", "-n", sys.executable, "-m", "interview.cli", "analyze", str(clip), "--out", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
    if "Operation not permitted" in result.stderr:
        pytest.skip("unshare -n needs root or user namespaces")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["measurements"]["face_visible_ratio"] > 0.9
    assert summary["transcript"], "Whisper ran offline and produced a transcript"


def test_unclear_speech_is_not_transcribed_as_a_repetition_loop(models_ready):
    """tiny.en at temperature 0 turns tv_real's mumbled speech into "We'll see." twelve times."""
    from interview.media import probe, read_audio
    from models.speech import shared_recognizer

    segments, _ = shared_recognizer().transcribe(read_audio(probe(dev_file("D_presentation_attack/tv_real.mp4")))[0])
    texts = [s.text.lower().strip(" .,") for s in segments]
    assert texts and max(texts.count(t) for t in texts) <= 2, texts


def test_a_repetition_loop_keeps_its_first_segment_and_real_repeats_stay():
    """Back-to-back identical segments are a loop (one kept); the same words again after a pause,
    or different words in between, are speech."""
    from models.outputs import TranscriptSegment
    from models.speech import drop_repetition_loops

    looped = [TranscriptSegment(1.0 + i, 1.8 + i, "We'll see.") for i in range(12)]
    assert [s.start for s in drop_repetition_loops(looped)] == [1.0]
    spoken = [TranscriptSegment(0.0, 0.5, "Yes."), TranscriptSegment(4.0, 4.4, "yes"),
              TranscriptSegment(5.0, 6.0, "I think so."), TranscriptSegment(6.5, 7.0, "Yes.")]
    assert drop_repetition_loops(spoken) == spoken
