"""Active challenges verified on real footage against a hand annotation, and the catalogue the UI uses.

Annotations, made once by looking at the frames (15 fps) and the audio envelope:
- tv_real.mp4: the head starts turning to the image's right (the man's left) at 1.9 s and reaches a
  3/4 profile; starts turning the other way at 7.3 s but only to about 20 degrees; after looking
  down, looks up starting 14.35 s; eyes stay open from 6 to 11 s.
- vr_face3.mp4: a blink (lids closed) at 2.36 s and again at 3.28 s; the lip corners pull wide
  from 1.05 s to 1.6 s.
- vr_face2.mp4: speech starts at 0.22 s ("in the heart of my California..."), "California" at 0.96 s.
- dfdc_lynaeydofd_real.mp4: a quick nod while talking: the head dips from 6.1 s, lowest at 6.4 s,
  back up by 6.7 s.
A challenge is "asked" a little before each annotated response; the verification must give the
right pass/fail and an onset within 300 ms of the annotation.
"""

from __future__ import annotations

import numpy as np
import pytest

from fixtures import shift_audio
from interview.audio import analyse_audio
from interview.checks.base import ChallengeMark, SessionInputs
from interview.checks.liveness.challenges import (
    CATALOGUE,
    ChallengeResult,
    hand_window,
    is_slow,
    latency_note,
    new_kind,
    prompt,
    random_phrase,
    split_kind,
    validate_kind,
    verify,
)
from interview.checks.liveness.check import LivenessCheck
from interview.cli import main
from interview.config import AnalysisConfig
from interview.media import probe, read_audio
from tests.conftest import dev_file
from tests.test_liveness_media import FACE2, FACE3, TV_REAL, _observed, liveness

ONSET_TOLERANCE_S = 0.3
DFDC_REAL = "C_deepfake/dfdc_lynaeydofd_real.mp4"

ANNOTATED = [  # (clip, kind, asked_s, passed, annotated onset or None)
    (TV_REAL, "turn_left", 1.2, True, 1.9),
    (TV_REAL, "turn_right", 6.6, False, 7.3),  # a real turn, but only ~20 degrees: not a profile
    (TV_REAL, "look_up", 14.1, True, 14.35),
    (TV_REAL, "turn_left", 10.5, False, None),  # no leftward turn follows
    (TV_REAL, "blink_twice", 6.0, False, None),
    (FACE3, "blink_twice", 1.9, True, 2.36),
    (FACE3, "smile", 0.6, True, 1.05),
    (DFDC_REAL, "nod", 5.2, True, 6.1),
    (FACE2, "nod", 1.0, False, None),  # the head stays level within a few degrees
]


@pytest.mark.parametrize("clip,kind,asked,passed,onset", ANNOTATED, ids=[f"{c.split('/')[-1]}-{k}@{a}" for c, k, a, *_ in ANNOTATED])
def test_challenge_on_real_footage_matches_annotation(models_ready, clip, kind, asked, passed, onset):
    result = liveness(dev_file(clip), (ChallengeMark(kind, asked),))
    measured = result.measurements["challenges"][0]
    assert measured["passed"] is passed, measured["detail"]
    if onset is None:
        assert measured["onset_s"] is None
    else:
        assert abs(measured["onset_s"] - onset) <= ONSET_TOLERANCE_S, measured
        assert abs(measured["response_ms"] - (measured["onset_s"] - asked) * 1000) <= 10
    assert set(measured) == {"kind", "asked_s", "onset_s", "response_ms", "passed", "detail"}


def test_failed_challenges_raise_the_liveness_risk(models_ready):
    marks = (ChallengeMark("turn_left", 10.5), ChallengeMark("blink_twice", 6.0))
    result = liveness(dev_file(TV_REAL), marks)
    failed = [f for f in result.findings if f.signal == "challenges"]
    assert len(failed) == 2 and result.status == "alert"
    assert any("'Turn to your left' asked at 10.5 s failed" in f.reason for f in failed)


def test_read_phrase_is_matched_in_the_transcript(models_ready):
    result = liveness(dev_file(FACE2), (ChallengeMark("read_phrase:California congressional district", 0.9),
                                        ChallengeMark("read_phrase:amber falcon river", 0.5)), transcribe=True)
    heard, not_said = result.measurements["challenges"]
    assert heard["passed"] is True and abs(heard["onset_s"] - 0.96) <= ONSET_TOLERANCE_S
    assert not_said["passed"] is False and "0 of 3 words" in not_said["detail"]


def test_unknown_or_incomplete_marks_are_reported_not_checked(models_ready):
    """Marks from a live UI are not validated by the CLI: they must not break the analysis."""
    result = liveness(dev_file(FACE2), (ChallengeMark("wave", 1.0), ChallengeMark("read_phrase", 1.0)))
    assert [c["passed"] for c in result.measurements["challenges"]] == [None, None]
    assert "Unknown challenge" in result.measurements["challenges"][0]["detail"]


def test_read_phrase_onset_comes_from_the_speech_detector(models_ready):
    """The clip's audio delayed by 1.5 s: speech (and the phrase) now starts at 0.22 + 1.5 s."""
    delayed = shift_audio(dev_file(FACE2), shift_ms=1500)
    audio = analyse_audio(read_audio(probe(delayed.path))[0])
    mark = ChallengeMark("read_phrase:in the heart of my California", 1.0)
    result = verify(mark, _observed(dev_file(FACE2)).track.arrays(), {}, audio)
    truth = 0.22 + delayed.truth["shift_ms"] / 1000
    assert result.passed is True and abs(result.onset_s - truth) <= ONSET_TOLERANCE_S, result


def test_hand_over_face_verification_on_a_real_face_track(models_ready):
    """No dev clip shows a hand, so the hand points are placed by the test on the real face track
    of vr_face2.mp4: covering the face from 2.0 to 2.6 s passes with onset 2.0; beside it fails."""
    track = _observed(dev_file(FACE2)).track.arrays()
    times = [t for t in track.t if 1.5 <= t < 5.0]
    x, y, w, h = np.nanmedian(track.box, axis=0)
    hand = np.array([[x + w * u, y + h * v] for u in np.linspace(0.1, 0.9, 5) for v in np.linspace(0.1, 0.9, 5)][:21])
    covering = {t: ((hand,) if 2.0 <= t < 2.6 else ()) for t in times}
    beside = {t: ((hand + [2 * w, 0],) if 2.0 <= t < 2.6 else ()) for t in times}
    mark = ChallengeMark("hand_over_face", 1.5)
    passed = verify(mark, track, covering, None)
    assert passed.passed is True and abs(passed.onset_s - 2.0) < 0.1
    assert verify(mark, track, beside, None).passed is False
    assert verify(mark, track, {}, None).passed is None  # hands never looked for: not checkable


def test_wave_verification_on_a_real_face_track(models_ready):
    """A hand placed by the test beside the real face track of vr_face2.mp4: swinging sideways by
    0.8 face widths at 2 Hz from 2.0 s passes; held still beside the face, or far off at the frame's
    edge, it does not."""
    track = _observed(dev_file(FACE2)).track.arrays()
    times = [t for t in track.t if 1.5 <= t < 5.0]
    x, y, w, h = np.nanmedian(track.box, axis=0)
    palm = np.array([[u * 0.5 * w, v * 0.6 * h] for u in np.linspace(0, 1, 5) for v in np.linspace(0, 1, 5)][:21])
    beside = palm + [x + 1.3 * w, y]

    def swing(t: float) -> float:
        return 0.4 * w * np.sin(2 * np.pi * 2.0 * (t - 2.0))

    waving = {t: ((beside + [swing(t), 0],) if 2.0 <= t < 3.6 else ()) for t in times}
    still = {t: ((beside,) if 2.0 <= t < 3.6 else ()) for t in times}
    far = {t: ((beside + [4 * w + swing(t), 0],) if 2.0 <= t < 3.6 else ()) for t in times}
    mark = ChallengeMark("wave_hand", 1.5)
    waved = verify(mark, track, waving, None)
    assert waved.passed is True and abs(waved.onset_s - 2.0) < 0.1, waved.detail
    assert verify(mark, track, still, None).passed is False
    assert "No hand was seen beside the face" in verify(mark, track, far, None).detail
    assert verify(mark, track, {}, None).passed is None  # hands never looked for: not checkable
    assert hand_window(mark) == (1.5, 1.5 + CATALOGUE["wave_hand"].window_s)


def test_hands_are_wanted_only_after_a_hand_challenge():
    check = LivenessCheck(AnalysisConfig(challenges=(ChallengeMark("hand_over_face", 3.0), ChallengeMark("smile", 20.0))),
                          SessionInputs())
    assert check.wants_hands(3.5) and check.wants_hands(8.9)
    assert not check.wants_hands(2.9) and not check.wants_hands(21.0)
    check.on_challenge(ChallengeMark("hand_over_face", 30.0))  # marked live, during the call
    assert check.wants_hands(31.0)
    assert hand_window(ChallengeMark("smile", 1.0)) is None


def test_catalogue_gives_prompts_and_fresh_phrases():
    assert {"turn_left", "turn_right", "look_up", "hand_over_face", "nod", "wave_hand", "blink_twice", "smile",
            "read_phrase"} <= set(CATALOGUE)
    phrases = {random_phrase() for _ in range(20)}
    assert len(phrases) >= 18 and all(len(p.split()) == 3 for p in phrases)
    kind = new_kind("read_phrase")
    assert split_kind(kind)[0] == "read_phrase" and split_kind(kind)[1] in prompt(kind)
    assert new_kind("smile") == "smile" and prompt("smile") == CATALOGUE["smile"].prompt
    assert validate_kind("read_phrase:amber river") == "read_phrase:amber river"
    for bad in ("wave", "read_phrase", "read_phrase: "):
        with pytest.raises(ValueError):
            validate_kind(bad)


def test_latency_is_judged_against_the_human_baseline():
    fast = ChallengeResult("turn_left", 10.0, 10.6, True, "")
    slow = ChallengeResult("turn_left", 10.0, 13.0, True, "")
    assert fast.response_ms == 600 and slow.response_ms == 3000
    assert not is_slow(fast) and is_slow(slow)
    assert "usual range" in latency_note("turn_left", 600) and "slow" in latency_note("turn_left", 3000)


def test_cli_rejects_an_unknown_challenge_listing_the_kinds(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", "missing.mp4", "--challenge", "wave@3"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "unknown challenge 'wave'" in error and "turn_left" in error and "read_phrase" in error
