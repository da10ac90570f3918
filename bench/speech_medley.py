"""Distinct real speech for the speed benchmarks, which loop one talking clip to minutes or hours.

Looped, the clip feeds Whisper the same 10 s of speech three times in each 30 s window; the text
then compresses too well (ratio over 2.4), faster-whisper decodes the window again at higher
temperatures, and the transcript costs five times what an interview's speech does: 15 s of CPU per
120 s of the looped DFDC clip against 3 s without the fallback. On unlooped dev speech (lp_d6,
pyannote_sample, dfdc, jm_real_1) the fallback never fired; only tv_real's unclear audio set it
off. So the benchmarks keep the looped picture and replace its sound by this medley: every genuine
dev head that speaks in ordinary sentences (not GRID's six-word command grammar, whose run of
look-alike sentences compresses like a loop and set the fallback off too), then the two speech
recordings, one after another (about 4 minutes), looped by ffmpeg to any length, so nothing
repeats within minutes. Voice and lips no longer match, which
changes what the relay check finds, not what it costs.
"""

from __future__ import annotations

import numpy as np

from bench.genuine_sync import speaking_heads
from fixtures.cache import DEV_MEDIA, cache_dir
from fixtures.media import write_wav
from interview.media import probe, read_audio
from interview.recording import AUDIO_RATE

RECORDINGS = ("E_speech/pyannote_sample.wav", "E_speech/whisper_jfk.flac")
COMMAND_GRAMMAR = "LipNet"  # the GRID corpus's source in MANIFEST.tsv


def speech_medley() -> str:
    """Path of the medley (16 kHz mono wav, cached), as an ffmpeg input."""
    out = cache_dir() / "speech_medley_v2.wav"
    if not out.exists():
        files = [DEV_MEDIA / h.rel for h in speaking_heads() if h.source != COMMAND_GRAMMAR]
        files += [DEV_MEDIA / r for r in RECORDINGS]
        pieces = [read_audio(probe(path))[0] for path in files]
        out.parent.mkdir(parents=True, exist_ok=True)
        write_wav(out, np.concatenate(pieces)[:, None], AUDIO_RATE)
    return str(out)


def looped_medley_input() -> list[str]:
    """ffmpeg input arguments for the medley repeated without end (cut with -t)."""
    return ["-stream_loop", "-1", "-i", speech_medley()]
