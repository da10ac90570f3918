"""Audio analysis, once per session: VAD (the timing clock) and the transcript.

Long recordings are analysed in blocks: both backends take the whole array they are given at once
(Silero pads and re-batches it; Whisper computes one spectrogram of all the speech, about 1 MB per
second of audio), which for three hours is several GB. A recording up to a block long is one
block, exactly as before (every dev-media file is under 60 s); beyond, VAD reads each block with a
margin of context on both sides, and Whisper's blocks are cut in the middle of the longest pause
near each edge, so no word is cut in two.
"""

from __future__ import annotations

from interview.observations import AudioAnalysis
from interview.recording import AUDIO_RATE
from models.outputs import Segment, TranscriptSegment, Waveform, Word

VAD_BLOCK_S, VAD_MARGIN_S = 300.0, 30.0  # ~50 MB at a time
TRANSCRIPT_BLOCK_S = 60.0  # ~60 MB of spectrogram at a time
CUT_SEARCH_S = 20.0  # a transcript block ends in the longest pause in its last CUT_SEARCH_S


def analyse_audio(samples: Waveform, whisper_model: str = "tiny.en", transcribe: bool = True) -> AudioAnalysis:
    """Speech segments and transcript of 16 kHz mono audio (empty audio gives empty results)."""
    speech = detect_speech(samples)
    transcript, language = transcribe_blocks(samples, speech, whisper_model) if transcribe and speech else ([], None)
    return AudioAnalysis(duration=samples.size / AUDIO_RATE, sample_rate=AUDIO_RATE, speech=tuple(speech),
                         transcript=tuple(transcript), language=language, samples=samples)


def detect_speech(samples: Waveform, block_s: float = VAD_BLOCK_S, margin_s: float = VAD_MARGIN_S) -> list[Segment]:
    """VAD speech segments, block by block. Each block is read with `margin_s` of audio on both
    sides (the detector's state settles within a few seconds) and keeps the segments that start
    inside it, so a segment across an edge comes whole from the block it starts in; one longer
    than the margin is continued by the next block's segment that overlaps it."""
    from models.speech import speech_segments

    step, margin = int(block_s * AUDIO_RATE), int(margin_s * AUDIO_RATE)
    if samples.size <= step:
        return speech_segments(samples[:])
    found: list[Segment] = []
    for first in range(0, samples.size, step):
        lead = min(first, margin)
        offset = (first - lead) / AUDIO_RATE
        for seg in speech_segments(samples[first - lead:first + step + margin]):
            seg = Segment(seg.start + offset, seg.end + offset)
            if found and seg.start <= found[-1].end and seg.end > found[-1].end:
                found[-1] = Segment(found[-1].start, seg.end)
            elif first <= seg.start * AUDIO_RATE < first + step:
                found.append(seg)
    return found


def transcript_blocks(duration_s: float, speech: list[Segment], block_s: float = TRANSCRIPT_BLOCK_S) -> list[tuple[float, float]]:
    """(start, end) seconds of the blocks Whisper reads: about `block_s` long, each ending in the
    middle of the longest pause in its last CUT_SEARCH_S (at block_s when there is none)."""
    blocks, start = [], 0.0
    while duration_s - start > block_s:
        limit = start + block_s
        pauses = [(b.start - a.end, (a.end + b.start) / 2) for a, b in zip(speech, speech[1:])
                  if a.end >= max(start, limit - CUT_SEARCH_S) and b.start <= limit]
        cut = max(pauses)[1] if pauses else limit
        blocks.append((start, cut))
        start = cut
    blocks.append((start, duration_s))
    return blocks


def transcribe_blocks(samples: Waveform, speech: list[Segment], whisper_model: str,
                      block_s: float = TRANSCRIPT_BLOCK_S) -> tuple[list[TranscriptSegment], str | None]:
    """The transcript block by block (transcript_blocks), on the session's clock; the language
    found in the first block is kept for the rest."""
    from models.speech import shared_recognizer

    recognizer = shared_recognizer(whisper_model)
    transcript: list[TranscriptSegment] = []
    language = None
    for start, end in transcript_blocks(samples.size / AUDIO_RATE, speech, block_s):
        if not any(s.overlap(Segment(start, end)) > 0 for s in speech):
            continue
        part, found = recognizer.transcribe(samples[round(start * AUDIO_RATE):round(end * AUDIO_RATE)], language)
        language = language or found
        transcript += [_shifted(seg, start) for seg in part]
    return transcript, language


def _shifted(seg: TranscriptSegment, by: float) -> TranscriptSegment:
    if by == 0:
        return seg
    return TranscriptSegment(seg.start + by, seg.end + by, seg.text,
                             tuple(Word(w.start + by, w.end + by, w.text, w.probability) for w in seg.words))
