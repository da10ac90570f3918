"""A live call under analysis: frames and audio pushed as they arrive, never falling behind.

The same `Session` and checks as a recording, with three differences that live calls force:

- Frames go into a one-frame slot that a worker thread empties. A frame that arrives while the
  worker is busy replaces the waiting one (counted as dropped), so the caller never waits and the
  analysis always works on the newest picture instead of a growing queue.
- Frames and audio arrive separately (and, in the app, from a browser); both are placed on one
  monotonic clock that starts with the session. `session_time(client_t)` maps a sender's own
  clock onto it, so jitter in delivery does not move audio against video.
- `snapshot()` assesses every check on the data so far for the running panel (no evidence
  images, no face registry, no disk); `end()` concludes like a recording and writes the same
  summary.json and report (the call's audio is kept as its recording, live-audio.wav).
- The identity embedding runs on a second thread (`LivePerceiver`), so no frame waits for it.

    live = LiveSession(AnalysisConfig(candidate="Jane Doe"))
    live.push_frame(live.now(), rgb)          # from the camera, as often as it comes
    live.push_audio(t0, samples, 48000)       # chunks, any rate, mono or (n, channels)
    live.mark_challenge("turn_left")
    live.snapshot()["checks"]["liveness"]["status"]
    summary = live.end(out_dir, store)
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import uuid
import wave
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from math import gcd, inf
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from scipy.signal import resample_poly

from interview.analyze import conclude_session
from interview.audio import analyse_audio
from interview.bounds import LiveInputError
from interview.checks.base import REVIEW_RISK, ChallengeMark, SessionContext
from interview.checks.deepfake.check import stress_prompt
from interview.checks.deepfake.stress import stress_note
from interview.checks.liveness.challenges import CATALOGUE, split_kind
from interview.config import AnalysisConfig
from interview.media import Pcm16, Pcm16Buffer, file_sha256
from interview.observations import AudioAnalysis, Frame, FrameObservation
from interview.perception import EmbeddingCadence, Perceiver
from interview.recording import AUDIO_RATE, MediaInfo, SamplingPolicy
from interview.session import Session, written
from models.outputs import FaceIdentity, Segment, Waveform
from models.protocols import FaceEmbedder

if TYPE_CHECKING:
    from interview.records.store import Store

log = logging.getLogger(__name__)

FPS_WINDOW_S = 2.0  # the analysed frame rate is measured over this many recent seconds
VAD_HOLD_S = 1.0  # speech segments ending this close to the newest audio may still grow
MAX_SNAPSHOT_SHARE = 0.25  # at most this share of the time goes to assessing the checks for the panel
# The panel judges the last LIVE_WINDOW_S of the call (the report judges all of it), so a snapshot costs the
# same at minute 1 and minute 60; what was raised or settled before that window stays listed.
LIVE_WINDOW_S = 60.0
VAD_PREROLL_S = 2.0  # audio before the unsettled part that each voice-activity pass re-reads


class LiveSessionClosed(RuntimeError):
    """Frames, audio or challenges sent to a session that has already ended."""


@dataclass(frozen=True)
class FrameStats:
    """How the live analysis keeps up: everything the running panel shows about throughput."""

    received: int
    analysed: int
    dropped: int  # replaced by a newer frame while the analysis was busy
    skipped: int  # arrived faster than the sampling policy's max_fps
    analysed_fps: float
    frame_ms_p95: float

    def to_dict(self) -> dict:
        return {"received": self.received, "analysed": self.analysed, "dropped": self.dropped, "skipped": self.skipped,
                "analysed_fps": round(self.analysed_fps, 1), "frame_ms_p95": round(self.frame_ms_p95, 1)}


class ClientClock:
    """Maps a sender's timestamps onto the session clock.

    The offset is the smallest (arrival - sent) seen so far: the least-delayed message is the best
    estimate of the clocks' difference (as in NTP), so a late delivery does not move its media.
    """

    def __init__(self) -> None:
        self._offset = float("inf")

    def to_session(self, client_t: float, arrival_t: float, max_drift_s: float = inf) -> float:
        """LiveInputError (and the clock unchanged) when the time would land more than
        `max_drift_s` from the arrival: a sender cannot drag the session clock around."""
        offset = min(self._offset, arrival_t - client_t)
        if abs(client_t + offset - arrival_t) > max_drift_s:
            raise LiveInputError(f"the timestamp {client_t:g} is {client_t + offset - arrival_t:+.0f} s from the "
                                 "server's clock")
        self._offset = offset
        return client_t + offset


class AudioTrack:
    """16 kHz mono audio laid on the session clock: gaps become silence, overlaps are trimmed.

    The same samples go to a WAV file as they come: the session's recording, which the report
    names and hashes like a reviewed file, and which checks that read the media file can open.
    """

    def __init__(self, path: Path):
        self.path = path
        self._wav = wave.open(str(path), "wb")
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(AUDIO_RATE)
        self._buffer = Pcm16Buffer(60 * AUDIO_RATE)
        self._lock = threading.Lock()

    @property
    def duration(self) -> float:
        return self._buffer.size / AUDIO_RATE

    def add(self, start_t: float, samples: np.ndarray, sample_rate: int) -> None:
        mono = _mono_float(samples)
        if sample_rate != AUDIO_RATE:
            common = gcd(int(sample_rate), AUDIO_RATE)
            mono = resample_poly(mono, AUDIO_RATE // common, int(sample_rate) // common).astype(np.float32)
        start = max(0, int(round(start_t * AUDIO_RATE)))
        with self._lock:
            if start > self._buffer.size:
                mono = np.concatenate([np.zeros(start - self._buffer.size, np.float32), mono])
            elif start < self._buffer.size:  # delivered a little early: keep the timeline, not the overlap
                mono = mono[self._buffer.size - start:]
            if mono.size and self._wav is not None:
                self._wav.writeframes(self._buffer.append(mono).astype("<i2").tobytes())

    def samples(self) -> Pcm16:
        """The audio so far (a view: later chunks do not change it), as int16 read back by slices:
        half the memory of float32, and no copy of the whole call at each snapshot."""
        with self._lock:
            return self._buffer.view()

    def close(self) -> None:
        with self._lock:
            if self._wav is not None:
                self._wav.close()
                self._wav = None


def _mono_float(samples: np.ndarray) -> np.ndarray:
    """float32 in -1..1 from int16/int32/float input, channels averaged."""
    samples = np.asarray(samples)
    if samples.dtype.kind == "i":
        samples = samples.astype(np.float32) / np.iinfo(samples.dtype).max
    samples = samples.astype(np.float32, copy=False)
    return samples.mean(axis=1) if samples.ndim == 2 else samples.reshape(-1)


class IncrementalSpeech:
    """Voice activity over a growing track without re-reading it all: segments that ended more
    than VAD_HOLD_S before the newest audio are final, and only the rest is analysed again, with
    VAD_PREROLL_S of audio before it so the detector's state is warm (a cold start splits and
    shifts segments: 96% agreement with one pass on the 30 s two-speaker call of dev-media
    without pre-roll, 99.9% with 2 s)."""

    def __init__(self, detect: Callable[[np.ndarray], list[Segment]] | None = None):
        if detect is None:
            from models.speech import speech_segments as detect
        self._detect = detect
        self._final: list[Segment] = []
        self._cursor = 0.0  # seconds: segments from here on are not final yet

    def update(self, samples: Waveform) -> list[Segment]:
        end = samples.size / AUDIO_RATE
        begin = max(0.0, self._cursor - VAD_PREROLL_S)
        found = [Segment(max(s.start + begin, self._cursor), s.end + begin)
                 for s in self._detect(samples[int(begin * AUDIO_RATE):]) if s.end + begin > self._cursor]
        settled = end - VAD_HOLD_S
        self._final += [s for s in found if s.end < settled]
        open_ = [s for s in found if s.end >= settled]
        self._cursor = max(self._cursor, min(open_[0].start if open_ else settled, settled))
        return self._final + open_


class _NoEmbedder:
    """Stands in for the identity model inside the live perceiver, which embeds on its own thread."""

    def identify(self, bgr: np.ndarray) -> list[FaceIdentity]:
        return []


class LivePerceiver:
    """Perception for a live call: landmarks (and hands) on every frame as for a recording, but
    the identity embedding (YuNet + SFace, ~65 ms at 640x480, three times a landmark pass) runs
    on a second thread so no frame waits for it. Its faces ride on the first frame analysed
    after it is done, one or two frames (~70 ms) after the frame they were computed on; the
    cadence is the recording's (`EmbeddingCadence`).
    """

    def __init__(self, policy: SamplingPolicy, embedder: FaceEmbedder | None = None):
        if embedder is None:
            from models.face_identity import shared_identifier

            embedder = shared_identifier()
        self._inner = Perceiver(replace(policy, embed_every_s=float("inf"), embed_turned_every_s=float("inf")),
                                embedder=_NoEmbedder())
        self.stopwatch = self._inner.stopwatch
        self._embedder = embedder
        self._cadence = EmbeddingCadence(policy)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-identity")
        self._pending: Future | None = None

    def observe(self, frame: Frame, want_hands: bool = False, watching_turn: bool = False) -> FrameObservation:
        obs = self._inner.observe(frame, want_hands)
        identities = None
        if self._pending is not None and self._pending.done():
            identities, self._pending = tuple(self._pending.result()), None
        if self._pending is None and self._cadence.take(frame.t, obs.faces, watching_turn):
            self._pending = self._pool.submit(self._identify, cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
        self._cadence.saw(len(obs.faces))
        return replace(obs, identities=identities)

    def _identify(self, bgr: np.ndarray) -> list[FaceIdentity]:
        with self.stopwatch.time("face_embedding_async"):
            return self._embedder.identify(bgr)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._inner.close()


class LiveSession:
    """One live call. Thread-safe: frames, audio, challenges and snapshots may come from any thread."""

    def __init__(self, config: AnalysisConfig, source: str = "camera", clock: Callable[[], float] = time.monotonic,
                 snapshot_every_s: float = 1.0):
        self.id = uuid.uuid4().hex[:12]
        self.source = source
        self._config = config
        self._session = Session(config, perceiver=LivePerceiver(config.policy))
        self._clock = clock
        self._t0 = clock()
        self._snapshot_every_s = snapshot_every_s
        self._challenges: list[ChallengeMark] = list(config.challenges)
        self._workdir = Path(tempfile.mkdtemp(prefix="interview-verify-live-"))
        self._audio = AudioTrack(self._workdir / "live-audio.wav")
        self._speech = IncrementalSpeech()
        self._client_clock = ClientClock()
        self._slot: Frame | None = None
        self._wake = threading.Condition()
        self._checks_lock = threading.Lock()  # update() and the snapshot's assess() never overlap
        self._closed = False
        self._received = self._dropped = self._analysed = 0  # dropped: replaced while the worker was busy
        self._skipped = 0
        self._last_bucket = -1
        self._size = (0, 0)
        self._recent: deque[float] = deque()  # wall-clock times of recently analysed frames
        self.frame_ms: deque[float] = deque(maxlen=10_000)  # processing time of each analysed frame
        self._snapshot: dict | None = None
        self._snapshot_due = float("-inf")
        self._snapshot_lock = threading.Lock()
        self._earlier_alerts: list[dict] = []  # alerts of snapshots past, kept once they leave the window
        self._settled: dict[tuple[str, float], dict] = {}  # challenge rows with a result
        self._stress_notes: dict[tuple[str, float], str] = {}  # a face that failed a challenge's move
        self._worker = threading.Thread(target=self._run, name=f"live-{self.id}", daemon=True)
        self._worker.start()

    # -- input ---------------------------------------------------------------------------------
    def now(self) -> float:
        """Seconds since the session started, on its monotonic clock."""
        return self._clock() - self._t0

    def session_time(self, client_t: float | None = None, max_drift_s: float = inf) -> float:
        """Session time of a sender's timestamp (its own clock, seconds), or now when it has none."""
        arrival = self.now()
        return arrival if client_t is None else self._client_clock.to_session(client_t, arrival, max_drift_s)

    def push_frame(self, t: float, rgb: np.ndarray) -> None:
        """Hand a frame (RGB uint8, session time `t`) to the analysis; returns at once. A frame
        still waiting when the next one comes is dropped: the newest frame always wins."""
        with self._wake:
            if self._closed:
                raise LiveSessionClosed("this live session has ended")
            self._received += 1
            if self._slot is not None:
                self._dropped += 1
            self._slot = Frame(t=t, index=self._received - 1, image=rgb)
            self._wake.notify()

    def push_audio(self, t: float, samples: np.ndarray, sample_rate: int) -> None:
        """Add an audio chunk that starts at session time `t` (any rate; int or float; mono or (n, ch))."""
        if self._closed:
            raise LiveSessionClosed("this live session has ended")
        self._audio.add(t, samples, sample_rate)

    def mark_challenge(self, kind: str) -> ChallengeMark:
        """Record that a challenge was asked now: every check hears of it at once (`on_challenge`),
        so hands are looked for in its window and its response is judged from here."""
        if self._closed:
            raise LiveSessionClosed("this live session has ended")
        mark = ChallengeMark(kind=kind, asked_s=round(self.now(), 3))
        with self._checks_lock:
            self._challenges.append(mark)
            self._session.on_challenge(mark)
        return mark

    # -- the frame worker ------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._wake:
                while self._slot is None and not self._closed:
                    self._wake.wait()
                frame, self._slot = self._slot, None
            if frame is None:
                return
            try:
                self._analyse(frame)
            except Exception:  # noqa: BLE001 - one bad frame must not end the live analysis
                with self._wake:
                    self._dropped += 1
                log.exception("live analysis of the frame at %.2f s failed; going on with the next", frame.t)

    def _analyse(self, frame: Frame) -> None:
        bucket = self._config.policy.bucket(frame.t)
        if bucket <= self._last_bucket:  # faster than the sampling policy (or out of order): skip
            with self._wake:
                self._skipped += 1
            return
        self._last_bucket = bucket
        with self._checks_lock:  # processing time excludes waiting here for a snapshot to finish
            started = time.perf_counter()
            image = _fit(frame.image, self._config.policy.max_side)
            self._session.push_frame(Frame(t=frame.t, index=self._analysed, image=image))
            elapsed = time.perf_counter() - started
        self._size = (image.shape[1], image.shape[0])
        self.frame_ms.append(1000 * elapsed)
        wall = time.monotonic()
        with self._wake:
            self._analysed += 1
            self._recent.append(wall)
            while self._recent and wall - self._recent[0] > FPS_WINDOW_S:
                self._recent.popleft()

    def frame_stats(self) -> FrameStats:
        with self._wake:
            span = self._recent[-1] - self._recent[0] if len(self._recent) > 1 else 0.0
            fps = (len(self._recent) - 1) / span if span > 0 else 0.0
            counts = self._received, self._analysed, self._dropped, self._skipped
        recent_ms = list(self.frame_ms)[-200:]
        p95 = float(np.percentile(recent_ms, 95)) if recent_ms else 0.0
        return FrameStats(*counts, fps, p95)

    # -- reading the state -----------------------------------------------------------------------
    def _media(self, sha256: str = "") -> MediaInfo:
        width, height = self._size
        stats = self.frame_stats()
        return MediaInfo(path=self._audio.path, duration_s=max(self.now(), self._audio.duration), width=width,
                         height=height, fps=round(stats.analysed_fps, 2), has_video=stats.analysed > 0,
                         has_audio=self._audio.duration > 0, sha256=sha256)

    def _audio_so_far(self) -> AudioAnalysis:
        samples = self._audio.samples()
        speech = self._speech.update(samples)
        return AudioAnalysis(duration=samples.size / AUDIO_RATE, sample_rate=AUDIO_RATE, speech=tuple(speech),
                             transcript=(), samples=samples)

    def snapshot(self) -> dict:
        """The running state: throughput, each check's status on the data so far, alerts with
        time and reason, and challenge results. The checks' part is recomputed at most every
        `snapshot_every_s`, and less often when assessing them takes long (`status_at` says when)."""
        with self._snapshot_lock:
            if self._snapshot is None or self._clock() >= self._snapshot_due:
                started = self._clock()
                self._snapshot = self._compute_snapshot()
                cost = self._clock() - started
                # assessing the checks holds up the frames: keep it to a bounded share of the time
                self._snapshot_due = started + max(self._snapshot_every_s, cost / MAX_SNAPSHOT_SHARE)
            cached = self._snapshot
        return {**cached, "t": round(self.now(), 2), "frames": self.frame_stats().to_dict()}

    def _compute_snapshot(self) -> dict:
        audio = self._audio_so_far()
        media = self._media()
        with self._checks_lock:
            stats = self._session.stats
            seen_until = max(stats.last_t, audio.duration)
            face_ratio, max_faces, analysed = stats.face_visible_ratio, stats.max_faces, stats.analysed_frames
        since = max(0.0, seen_until - LIVE_WINDOW_S)
        ctx = SessionContext(media=media, audio=audio, analysed_frames=analysed, candidate=self._config.candidate,
                             seen_until_s=seen_until, since_s=since)
        results = {}
        for check in self._session.checks:  # the frames wait for one check at a time, not for all four
            with self._checks_lock:
                results[check.name] = written(check, self._session.assess_one(check, ctx), None)
        measurements = {key: value for result in results.values() for key, value in result.measurements.items()}
        deepfake = [f.to_dict() for f in results["deepfake"].findings] if "deepfake" in results else []
        challenges = _challenge_rows(self._challenges, measurements.get("challenges"), seen_until, self._settled,
                                     deepfake, self._stress_notes)
        current = [{"t": round(f.t0, 1), "check": name, "signal": f.signal, "risk": round(f.risk, 2), "reason": f.reason}
                   for name, result in results.items() for f in result.findings if f.risk >= REVIEW_RISK]
        alerts = merge_alerts(self._earlier_alerts, current, since)
        self._earlier_alerts = alerts
        return {"session_id": self.id, "checks": {name: result.to_dict() for name, result in results.items()},
                "alerts": alerts, "challenges": challenges,
                "prompt": stress_prompt(results["deepfake"], self._challenges) if "deepfake" in results else None,
                "face_visible_ratio": round(face_ratio, 3), "max_faces": max_faces,
                "audio_s": round(audio.duration, 1), "speech_s": round(audio.speech_seconds, 1),
                "measurements": measurements, "status_at": round(self.now(), 2), "window_s": LIVE_WINDOW_S}

    # -- the end -------------------------------------------------------------------------------
    def _stop(self) -> None:
        """Stop taking input and let the worker finish the frame it has."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._worker.join()

    def close(self) -> None:
        """Abandon the session without a report (its page was closed): stop, free the models,
        delete the audio."""
        self._stop()
        self._audio.close()
        self._session.perceiver.close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def end(self, out_dir: Path | str, store: Store | None = None) -> dict:
        """Finish the session like a recording: full audio analysis with transcript, every
        check's final result with evidence frames, then the same summary.json, report.html and
        report.pdf in `out_dir`; with a `store`, record the session there for sign-off."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self._stop()
        self._audio.close()
        recording = out_dir / self._audio.path.name  # the call's audio, kept like a reviewed recording
        shutil.move(self._audio.path, recording)
        shutil.rmtree(self._workdir, ignore_errors=True)
        self._audio.path = recording
        stats = self.frame_stats()
        media = self._media(sha256=file_sha256(recording))
        config = replace(self._config, challenges=tuple(self._challenges))
        self._session.config = config  # the summary lists every challenge asked
        audio = analyse_audio(self._audio.samples(), config.whisper_model, config.transcribe)
        problems = []
        if not stats.analysed:
            problems.append("no video frame arrived: face checks could not run")
        if not audio.duration:
            problems.append("no audio arrived: speech checks could not run")
        live = {"source": self.source, **stats.to_dict(),
                "frame_ms_p50": round(float(np.percentile(self.frame_ms, 50)), 1) if self.frame_ms else 0.0}
        return conclude_session(self._session, self.id, media, audio, problems, out_dir, store,
                                extra={"live": live}, media_copy=recording)


def rgb_from_jpeg(data: bytes) -> np.ndarray:
    """A browser's JPEG (or PNG) frame as RGB uint8; ValueError when it is not an image."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if bgr is None:
        raise ValueError("not a JPEG or PNG image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _fit(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Scale a frame down so its longer side is at most `max_side`, as the file reader does."""
    height, width = rgb.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return np.ascontiguousarray(rgb)
    size = (max(2, round(width * scale)), max(2, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def merge_alerts(earlier: list[dict], current: list[dict], since: float) -> list[dict]:
    """The panel's alert list after a new assessment. Alerts before the window (`since`) stay as
    shown. Inside it, the current findings are the alerts; one shown before that the checks no
    longer report (more data changed their reading) stays in the list marked withdrawn, so what an
    interviewer saw never silently disappears."""
    def key(alert: dict) -> tuple:  # not its time: a finding's start moves as data arrives
        return alert["check"], alert.get("signal") or alert["reason"]

    now = [a for a in current if a["t"] >= since]
    reported = {key(a) for a in now}
    kept = [a for a in earlier if a["t"] < since]
    withdrawn = [{**a, "withdrawn": True} for a in earlier if a["t"] >= since and key(a) not in reported]
    return sorted(kept + withdrawn + now, key=lambda a: a["t"])


def _challenge_rows(asked: list[ChallengeMark], measured: list[dict] | None, now: float,
                    settled: dict[tuple[str, float], dict], deepfake_findings: list[dict],
                    notes: dict[tuple[str, float], str]) -> list[dict]:
    """Every asked challenge with its result once it is settled: passed as soon as it is seen,
    failed only when its response window has closed (a head still turning is not a failure yet).
    Settled rows are remembered in `settled`: a challenge older than the panel's window keeps its result.
    `face`: what the deepfake check saw of the face through the move (stress_note), remembered in `notes`."""
    rows = []
    for mark in asked:
        found = next((m for m in measured or [] if m.get("kind") == mark.kind
                      and abs((m.get("asked_s") or 0) - mark.asked_s) < 0.05), None)
        spec = CATALOGUE.get(split_kind(mark.kind)[0])
        open_window = spec is not None and now < mark.asked_s + spec.window_s
        if found is None or (found.get("passed") is not True and open_window):
            found = {}
        row = {"kind": mark.kind, "asked_s": mark.asked_s, "result": found.get("passed"),
               "response_ms": found.get("response_ms"), "detail": found.get("detail") or ""}
        key = (mark.kind, mark.asked_s)
        if row["result"] is not None:
            settled[key] = row
        if note := stress_note(mark.asked_s, deepfake_findings):
            notes[key] = note
        rows.append({**settled.get(key, row), "face": notes.get(key, "")})
    return rows
