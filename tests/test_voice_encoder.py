"""The numpy speaker encoder against resemblyzer 0.1.4 + torch itself (reference embeddings of three
dev clips, made by bench/voice_reference.py), and the torch-free checkpoint reader's refusal to run
code from a file."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from bench.voice_reference import Clip, clip_samples
from models.outputs import Segment
from models.torch_pickle import MAGIC, CheckpointError, load_checkpoint
from models.voice_encoder import VoiceEncoder, normalize_volume
from tests.conftest import dev_file

REFERENCE = json.loads((Path(__file__).parent / "data" / "voice_reference.json").read_text())
CLIPS = [pytest.param(c, id=Path(c["file"]).stem) for c in REFERENCE["clips"]]

pytestmark = pytest.mark.usefixtures("models_ready")


@pytest.fixture(scope="module")
def encoder() -> VoiceEncoder:
    return VoiceEncoder.load()


@pytest.mark.parametrize("reference", CLIPS)
def test_same_embedding_as_resemblyzer(encoder, reference):
    """Encoder and mel front end alone: the same volume-normalised samples give resemblyzer's vector."""
    dev_file(reference["file"])
    samples = clip_samples(Clip(reference["file"], reference["start_s"], reference["end_s"]))
    ours = encoder.embed(normalize_volume(samples))
    assert float(ours @ np.array(reference["plain"])) > 0.9999


@pytest.mark.parametrize("reference", CLIPS)
def test_product_trimming_close_to_resemblyzer_preprocessing(reference):
    """The product cuts silences with Silero VAD where resemblyzer uses webrtcvad: still the same voice
    (measured 0.978-0.995 on these clips; two different speakers score at most 0.88 on dev-media)."""
    from interview.links.voice import voice_embedding
    from models.speech import speech_segments

    dev_file(reference["file"])
    samples = clip_samples(Clip(reference["file"], reference["start_s"], reference["end_s"]))
    ours = voice_embedding(samples, 16_000, speech_segments(samples))
    assert float(ours @ np.array(reference["preprocessed"])) > 0.97


def test_joined_speech_reads_as_its_pieces_concatenated(encoder):
    """The encoder reads long speech through a view (never copied whole): every slice of the view is
    that slice of the concatenation, and the embedding is the one of the concatenated, normalised samples."""
    from interview.links.voice import JoinedSpeech
    from models.voice_encoder import volume_gain

    rng = np.random.default_rng(3)
    samples = (0.01 * rng.standard_normal(16_000 * 40)).astype(np.float32)
    spans = [Segment(0.5, 3.0), Segment(2.9, 2.9), Segment(5.0, 11.25), Segment(20.0, 45.0)]  # empty, past the end
    joined = JoinedSpeech(samples, 16_000, spans)
    whole = np.concatenate([samples[int(s.start * 16_000):int(s.end * 16_000)] for s in spans])
    assert joined.size == whole.size
    for lo, hi in ((0, 10), (39_000, 41_000), (40_000, 140_000), (whole.size - 5, whole.size + 400), (-200, 30)):
        assert np.array_equal(joined[lo:hi], whole[lo:hi])
    assert joined.rms() == pytest.approx(float(np.sqrt(np.mean(np.square(whole, dtype=np.float64)))), rel=1e-9)
    gain = volume_gain(joined.rms())
    assert gain > 1  # quiet: the encoder sees it raised, as resemblyzer does
    assert np.allclose(encoder.embed(joined, gain), encoder.embed(normalize_volume(whole)), atol=1e-5)


def test_checkpoint_reader_refuses_code(tmp_path):
    """A checkpoint whose object tree names any other global (here os.system) is refused, not run."""
    path = tmp_path / "evil.pt"
    with open(path, "wb") as handle:
        for part in (MAGIC, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(part, handle, protocol=2)
        handle.write(b"cos\nsystem\n(S'echo pwned > " + str(tmp_path / "pwned").encode() + b"'\ntR.")
    with pytest.raises(CheckpointError, match="refusing to load os.system"):
        load_checkpoint(path)
    assert not (tmp_path / "pwned").exists()


def test_reads_the_real_checkpoint():
    """Resemblyzer's pretrained.pt: a 3-layer LSTM 40 -> 256 and a 256 x 256 projection, 1.42 M weights."""
    from models.registry import model_path

    state = load_checkpoint(model_path("voice_encoder"))["model_state"]
    assert state["lstm.weight_ih_l0"].shape == (1024, 40) and state["linear.weight"].shape == (256, 256)
    weights = sum(v.size for k, v in state.items() if k.startswith(("lstm.", "linear.")))
    assert 1_400_000 < weights < 1_450_000
