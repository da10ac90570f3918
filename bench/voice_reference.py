"""Reference speaker embeddings from resemblyzer itself (torch), kept as a small test fixture.

The product runs Resemblyzer's encoder in numpy (models/voice_encoder.py). To prove it computes
the same thing, this script decodes a few dev-media clips with the product's own decoder, hands
the 16 kHz samples to resemblyzer 0.1.4 + torch in a throwaway environment, and writes their
embeddings to tests/data/voice_reference.json; tests/test_voice_encoder.py compares against it.
Two numbers per clip: `plain` (embed_utterance of the volume-normalised audio: the encoder and
its mel front end alone) and `preprocessed` (resemblyzer's full preprocess_wav, webrtcvad trimming).

The throwaway environment (never the product's, never CI's; torch's CPU wheel from a local wheel
folder or PyTorch's CPU index):
    python3 -m venv /tmp/venv-ref
    /tmp/venv-ref/bin/pip install torch resemblyzer==0.1.4 "setuptools<81"   # CPU torch
    python -m bench.voice_reference --reference-python /tmp/venv-ref/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interview.media import probe, read_audio
from interview.recording import AUDIO_RATE

DEV_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "dev-media"
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "data" / "voice_reference.json"


@dataclass(frozen=True)
class Clip:
    file: str  # relative to dev-media
    start_s: float
    end_s: float


CLIPS = (
    Clip("E_speech/whisper_jfk.flac", 0.0, 11.0),
    Clip("E_speech/pyannote_sample.wav", 6.5, 16.5),
    Clip("A_talking_head/sp_MEAD_M003_level_1_disgusted_015.mp4", 0.0, 4.72),
)

_REFERENCE = """
import json, sys
import numpy as np
from resemblyzer import VoiceEncoder, preprocess_wav
from resemblyzer.audio import normalize_volume
encoder = VoiceEncoder("cpu", verbose=False)
out = []
for path in sys.argv[1:]:
    wav = np.load(path)
    plain = encoder.embed_utterance(normalize_volume(wav, -30, increase_only=True))
    full = encoder.embed_utterance(preprocess_wav(wav))
    out.append({"plain": [round(float(v), 6) for v in plain], "preprocessed": [round(float(v), 6) for v in full]})
print(json.dumps(out))
"""


def clip_samples(clip: Clip, root: Path = DEV_MEDIA) -> np.ndarray:
    """The clip's 16 kHz mono samples, decoded as the product decodes them."""
    samples, _ = read_audio(probe(root / clip.file))
    return samples[int(clip.start_s * AUDIO_RATE):int(clip.end_s * AUDIO_RATE)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference-python", required=True, help="python of an environment with resemblyzer and torch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for i, clip in enumerate(CLIPS):
            paths.append(str(Path(scratch) / f"{i}.npy"))
            np.save(paths[-1], clip_samples(clip))
        run = subprocess.run([args.reference_python, "-c", _REFERENCE, *paths], capture_output=True, text=True, check=True)
    embeddings = json.loads(run.stdout.strip().splitlines()[-1])
    version = subprocess.run([args.reference_python, "-c", "import torch, librosa; print(torch.__version__, librosa.__version__)"],
                             capture_output=True, text=True, check=True).stdout.split()
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    clips = [json.dumps({"file": c.file, "start_s": c.start_s, "end_s": c.end_s, **e}) for c, e in zip(CLIPS, embeddings)]
    made_by = "python -m bench.voice_reference (resemblyzer 0.1.4, torch %s, librosa %s)" % tuple(version)
    FIXTURE.write_text('{"made_by": %s,\n "clips": [\n  %s\n ]}\n' % (json.dumps(made_by), ",\n  ".join(clips)))
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
