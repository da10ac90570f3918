"""Limits on every input, checked before any work that grows with the input.

A 389 KB PNG can declare 20000 x 20000 pixels: decoding it takes 1.2 GB and most of a minute, so
an image's size is read from its header and refused above the limit before a decoder runs
(`interview.images.image_size`). Live
posts come from a browser the server does not control: the audio sample rate must be one audio
hardware uses (a rate of 1 Hz turned 1,000 samples into 1,000 s of audio), chunks and frames have
a size cap, and a timestamp may not drift far from the server's clock.

    check_live_audio(48000, 24000)               # None, or a LiveInputError saying why
"""

from __future__ import annotations

import io
import math
import warnings

MAX_VIDEO_PIXELS = 7680 * 4320  # 8K UHD per frame
MAX_LIVE_FRAME_SIDE = 4096  # the browser sends at most 640 px; a larger frame is not from our page
MAX_LIVE_FRAME_BYTES = 4 * 1024 * 1024
LIVE_AUDIO_RATES = frozenset({8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000})
MAX_AUDIO_CHUNK_S = 5.0  # the page sends ~0.5 s chunks (merged while one is in flight)
MAX_CLOCK_DRIFT_S = 10.0  # a sender timestamp this far from the server's clock is refused
MAX_CALL_S = 24 * 3600  # a sender's clock starts at 0 when capture starts
MAX_LIVE_POST_BYTES = 8 * 1024 * 1024  # one JSON post from the capture page (a frame, base64)


class LiveInputError(ValueError):
    """A live post outside the limits; str() is the reason, for the page."""


def live_frame_size(data: bytes) -> tuple[int, int]:
    """A posted frame's size from its JPEG/PNG header; LiveInputError when it is not one or too large."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_LIVE_FRAME_BYTES:
        raise LiveInputError(f"a frame of {len(data)} bytes is over the {MAX_LIVE_FRAME_BYTES} byte limit")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        raise LiveInputError(f"the frame is over the {MAX_LIVE_FRAME_SIDE} px limit") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise LiveInputError("the frame is not a JPEG or PNG image") from None
    if max(width, height) > MAX_LIVE_FRAME_SIDE:
        raise LiveInputError(f"a frame of {width} x {height} is over the {MAX_LIVE_FRAME_SIDE} px limit")
    return width, height


def check_live_audio(rate: int, samples: int) -> None:
    if rate not in LIVE_AUDIO_RATES:
        raise LiveInputError(f"an audio sample rate of {rate} Hz is not one microphones use")
    if samples > MAX_AUDIO_CHUNK_S * rate:
        raise LiveInputError(f"an audio chunk of {samples / rate:.1f} s is over the {MAX_AUDIO_CHUNK_S:g} s limit")


def check_live_time(client_t: float) -> None:
    """A sender timestamp is seconds since its capture started (the session clock then keeps it
    within MAX_CLOCK_DRIFT_S of the server's: interview.live.ClientClock)."""
    if not (math.isfinite(client_t) and 0 <= client_t <= MAX_CALL_S):
        raise LiveInputError(f"the timestamp {client_t!r} is too far from the server's clock")
