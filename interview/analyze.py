"""Analyse a recording end to end and write summary.json and the report (the CLI's and the UI's main job)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from interview import release_freed_heap
from interview.audio import analyse_audio
from interview.checks.base import Check, CheckResult, SessionContext
from interview.config import AnalysisConfig
from interview.links.capture import capture_chain
from interview.links.record import record_links, room_beside
from interview.media import FileSource, fitted_region, probe, read_channel_power, read_pcm
from interview.observations import AudioAnalysis, Frame
from interview.overall import overall
from interview.perception import Perceiver
from interview.pipeline import ahead, consume_behind, yield_to_perception
from interview.recording import AUDIO_RATE, MediaInfo
from interview.report import write_reports
from interview.session import Session, read_inputs, written
from interview.summary import build_summary
from interview.timing import Stopwatch

if TYPE_CHECKING:
    from interview.records.store import Store

Progress = Callable[[float, str], None]


def _quiet(fraction: float, stage: str) -> None:
    pass


def _timed(frames: Iterator[Frame], clock: Stopwatch) -> Iterator[Frame]:
    """`frames`, with the time spent decoding each added to the clock's video_decode."""
    while True:
        started = time.perf_counter()
        frame = next(frames, None)
        clock.add("video_decode", time.perf_counter() - started)
        if frame is None:
            return
        yield frame


def analyze_recording(recording: Path | str | MediaInfo, config: AnalysisConfig, out_dir: Path | str,
                      progress: Progress = _quiet, store: Store | None = None) -> dict:
    """Probe (unless given the MediaInfo a caller already probed), analyse audio, stream frames through perception and the checks, write summary.json,
    report.html and report.pdf; with a `store`, record the session there for sign-off.

    Raises MediaError (one line, names the file) when the input cannot be used at all; a file that
    breaks part-way is analysed as far as it decodes, and the summary lists the problem.
    """
    out_dir = Path(out_dir)
    progress(0.0, "reading the file")
    media = recording if isinstance(recording, MediaInfo) else probe(recording)
    if config.policy.region is not None and media.has_video:
        fitted_region(config.policy.region, media.width, media.height, media.path)  # a wrong region fails now
    out_dir.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    if not media.has_video:
        problems.append("no video stream: face checks could not run")
    if not media.has_audio:
        problems.append("no audio stream: speech checks could not run")

    clock = Stopwatch()

    def audio_job():
        yield_to_perception()
        with clock.time("audio_decode"):
            samples, audio_problems = read_pcm(media)
            channels, _ = read_channel_power(media)  # stereo: who speaks on which channel
        with clock.time("audio_analysis"):
            analysis = analyse_audio(samples, config.whisper_model, config.transcribe)
        release_freed_heap()  # VAD's and Whisper's large temporaries, while the frames go on
        return analysis, channels, audio_problems

    # Whisper and the landmarker both release the GIL: audio runs beside the video, from before the
    # session's models are built (the other core is idle while they load).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio") as pool:
        audio_future = pool.submit(audio_job)
        session = Session(config, Perceiver(config.policy, stopwatch=clock))
        source = FileSource(media, config.policy)
        progress(0.02, "analysing video and audio")
        # Two more threads: decoding runs ahead of the landmarker, identity embeddings and the checks behind it.
        give, close = consume_behind(lambda seen: session.identify_and_record(*seen), "checks")
        try:
            for frame in ahead(_timed(source.frames(), clock), "decode"):
                give((session.perceive(frame), frame))
                if media.duration_s:
                    progress(0.02 + 0.9 * min(1.0, frame.t / media.duration_s), "analysing video and audio")
        finally:
            close()
        progress(0.92, "finishing the audio analysis")
        audio, channels, audio_problems = audio_future.result()
    problems += source.problems + audio_problems
    if media.has_video and session.stats.analysed_frames == 0:
        problems.append("no video frame could be decoded")

    progress(0.95, "writing the summary and the report")
    summary = conclude_session(session, uuid.uuid4().hex[:12], media, audio, problems, out_dir, store, channels=channels)
    progress(1.0, "done")
    return summary


def conclude_session(session: Session, session_id: str, media: MediaInfo, audio: AudioAnalysis,
                     problems: list[str], out_dir: Path, store: Store | None = None, extra: dict | None = None,
                     media_copy: Path | None = None, channels: np.ndarray | None = None) -> dict:
    """The end of every session, recorded or live: finish the checks, build summary.json (with
    `extra` keys), the overall headline, report.html and report.pdf, and record it in `store`."""
    release_freed_heap()  # what the frames and the audio analysis freed, before the assessment's whole-session series
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="room") as beside:
        room = room_beside(session.config, media.to_dict(), beside) if session.two_lanes(media, audio) else None
        result = session.finish(media, audio, out_dir / "evidence", channels)
        typed = build_summary(session_id, media, session.config, result, problems + result.problems)
        typed.more |= {"timings": session.stopwatch.to_dict(session.stats.analysed_frames), **(extra or {})}
        summary = typed.to_dict()
        chain = capture_chain(media.path, session.sensor.noise_level) if media.has_video and media.path.is_file() else None
        summary["capture"] = chain.to_dict() if chain is not None else None
        summary["links"] = record_links(session.config, summary, audio, session.sensor, room=room)
    summary["overall"] = overall(summary)
    write_reports(summary, out_dir)
    if store is not None:
        store.record_session(summary, out_dir, media_copy=media_copy)
    return summary


def run_check_on_file(check_type: type[Check], path: Path | str, config: AnalysisConfig,
                      evidence_dir: Path | str | None = None, until_s: float | None = None) -> tuple[CheckResult, Check]:
    """Perception and one check alone over a recording (no audio, no other checks), up to `until_s`,
    with its evidence images in `evidence_dir`: what the per-check benchmarks and tests need, at a
    fraction of a full analysis's cost."""
    media = probe(path)
    check = check_type(config, read_inputs(config))
    perceiver = Perceiver(config.policy)
    frames = 0
    try:
        for frame in FileSource(media, config.policy).frames():
            if until_s is not None and frame.t > until_s:
                break
            check.update(perceiver.observe(frame, want_hands=check.wants_hands(frame.t),
                                           watching_turn=check.watches_turn(frame.t)), frame)
            frames += 1
    finally:
        perceiver.close()
    silence = AudioAnalysis(duration=media.duration_s, sample_rate=AUDIO_RATE, speech=(), transcript=())
    result = check.assess(SessionContext(media=media, audio=silence, analysed_frames=frames))
    return written(check, result, Path(evidence_dir) if evidence_dir else None), check
