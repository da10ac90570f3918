"""The deepfake check on the labelled dev media at the product's default sampling: fakes ranked
above their originals, no real clip at alert, and evidence images that mark the region that fired.

The DFDC fake's own original is not in the set: it is ranked against the real DFDC clip. The
FaceForensics++ NeuralTextures fake is NOT ranked above its original (bench/deepfake_auc.py): it
re-renders only the mouth, and its original is a 114 kb/s copy (the fake: 803 kb/s) whose
compression noise makes the identity embeddings and landmarks wobble more than the fake's do.
That test is a strict xfail: it turns red the day the pair ranks correctly.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from interview.checks.deepfake import run_on_file
from interview.forensics.fusion import SIGNALS
from interview.media import SamplingPolicy
from tests.conftest import dev_file

FAKES = ["C_deepfake/ffpp_004_982_NeuralTextures.mp4", "C_deepfake/roop_snapshot_swapped.mp4",
         "C_deepfake/dfdc_widuwuoiur_fake.mp4"]
REALS = ["C_deepfake/ffpp_004_real.mp4", "C_deepfake/roop_target.mp4", "C_deepfake/dfdc_lynaeydofd_real.mp4",
         "A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4", "D_presentation_attack/tv_real.mp4"]
NEURALTEXTURES_GAP = pytest.mark.xfail(strict=True, reason="mouth-only reenactment vs a lower-bitrate original: "
                                       "ranked below it at the default sampling (see module docstring)")
PAIRS = [pytest.param(FAKES[0], REALS[0], id="neuraltextures", marks=NEURALTEXTURES_GAP),
         pytest.param(FAKES[1], REALS[1], id="roop"),
         pytest.param(FAKES[2], REALS[2], id="dfdc")]


@pytest.fixture(scope="module")
def runs(models_ready, tmp_path_factory):
    """Every clip analysed once, at the default sampling, by perception and the deepfake check,
    with evidence written."""
    out = {}
    for rel in FAKES + REALS:
        evidence = tmp_path_factory.mktemp("deepfake") / "evidence"
        result, check = run_on_file(dev_file(rel), SamplingPolicy(), evidence)
        out[rel] = (result, check, evidence.parent)
    return out


def _score(result) -> float:
    return result.measurements["deepfake_score"]


@pytest.mark.parametrize("fake,real", PAIRS)
def test_each_fake_scores_above_its_original(runs, fake, real):
    assert _score(runs[fake][0]) > _score(runs[real][0])


@pytest.mark.parametrize("real", REALS)
def test_no_real_clip_is_alert(runs, real):
    result = runs[real][0]
    assert result.status in ("ok", "review")
    assert result.coverage > 0.9  # the face was seen: "ok" is a measurement, not a shrug


@pytest.mark.parametrize("fake", FAKES[1:], ids=["roop", "dfdc"])
def test_face_swaps_reach_review_on_their_upscaled_faces(runs, fake):
    """Both swaps paint a low-resolution face into a sharper head: at source resolution the face is
    smoother than the hair and neck around it, and the recording reaches review or alert."""
    result = runs[fake][0]
    assert result.status in ("review", "alert")
    assert result.measurements["deepfake_sharpness"] < min(runs[real][0].measurements["deepfake_sharpness"] for real in REALS)


def test_the_result_carries_every_signal_and_a_risk_in_range(runs):
    result = runs["C_deepfake/dfdc_widuwuoiur_fake.mp4"][0]
    assert 0.0 <= result.risk <= 1.0
    assert {f"deepfake_{spec.name}" for spec in SIGNALS} <= set(result.measurements)
    measured = [spec.name for spec in SIGNALS if result.measurements[f"deepfake_{spec.name}"] is not None]
    assert {"boundary", "sharpness", "spectrum", "flicker", "landmark_jitter", "embedding_jitter"} <= set(measured)


def _red_fraction(image: np.ndarray, box) -> float:
    """Share of a drawn rectangle's border pixels that are red (the evidence marks' colour)."""
    x, y, w, h = (int(v) for v in box)
    height, width = image.shape[:2]
    xs = np.clip(np.arange(x, x + w), 0, width - 1)
    ys = np.clip(np.arange(y, y + h), 0, height - 1)
    border = np.concatenate([image[np.clip(y, 0, height - 1), xs], image[ys, np.clip(x, 0, width - 1)]])
    b, g, r = border[:, 0].astype(int), border[:, 1].astype(int), border[:, 2].astype(int)
    return float(np.mean((r > 150) & (g < 110) & (b < 110)))


def test_findings_name_signal_and_region_and_their_images_mark_it(runs):
    findings = [(f, check, folder) for result, check, folder in runs.values() for f in result.findings]
    assert findings, "some dev clip should have at least one finding"
    for finding, check, folder in findings:
        assert finding.signal in {spec.name for spec in SIGNALS}
        assert finding.t1 > finding.t0 and 0.0 <= finding.risk <= 1.0
        assert "in the " in finding.reason and "real faces" in finding.reason
        assert finding.frame is not None
        image = cv2.imread(str(folder / finding.frame))
        assert image is not None
        marks = check.evidence_marks[finding.frame]
        labelled = [m for m in marks if m[4] == finding.signal]
        assert len(labelled) == 1
        x, y, w, h, _ = labelled[0]
        assert 0 < w * h < 0.25 * image.shape[0] * image.shape[1]  # a region, not the whole frame
        assert _red_fraction(image, (x, y, w, h)) > 0.6
