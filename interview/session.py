"""One interview under analysis. Recordings and live calls go through the same `Session`:
frames are pushed in as they come (a recording is a stream read faster than real time), `assess_one()`
judges what a check has seen so far (the live panel), and `finish()` concludes: every check assessed once on
the whole session, then the steps with side effects that checks never take themselves (the
repeat-face lookup in the face registry, the evidence images). It also gathers the camera's
sensor noise from the frames it is shown, for the capture chain and camera links."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from interview import release_freed_heap
from interview.checks.base import ChallengeMark, Check, CheckResult, SessionContext, SessionInputs
from interview.checks.identity.check import IdentityCheck
from interview.checks.identity.id_photo import read_id_photo
from interview.checks.registry import build_checks
from interview.config import AnalysisConfig
from interview.evidence import resolve_refs, with_frames, write_ref
from interview.images import ImageError, load_photo
from interview.links.camera import SensorNoise
from interview.observations import AudioAnalysis, Frame, FrameObservation
from interview.perception import Perceiver, Sighting
from interview.recording import MediaInfo
from interview.records.face_registry import look_up_faces

log = logging.getLogger(__name__)
# glibc keeps what a program frees for reuse, and the frames free a lot (decoded pictures, evidence
# JPEGs, per-frame temporaries handed between threads): at the end of three hours of frames ~450 MB
# of resident memory held nothing. It is handed back every HEAP_RELEASE_EVERY_S of session time.
HEAP_RELEASE_EVERY_S = 60.0
# A session's end runs on two lanes (two checks assessed at a time, the room trait read beside them:
# 120 s at 720p, the relay check's 0.4 s beside the liveness check's 0.5 s) up to this length; beyond
# it their whole-session series at once would pass the memory ceiling (three hours: README, Performance).
TWO_LANES_MAX_S = 3600.0
ID_FACE_MARGIN = 0.35  # of the face box's longer side, around the ID photo's face in its evidence crop


@dataclass
class SessionStats:
    """Running counts every consumer (summary, live panel) can read without the checks."""

    analysed_frames: int = 0
    frames_with_face: int = 0
    max_faces: int = 0
    last_t: float = 0.0

    @property
    def face_visible_ratio(self) -> float:
        return self.frames_with_face / self.analysed_frames if self.analysed_frames else 0.0


@dataclass
class SessionResult:
    stats: SessionStats
    audio: AudioAnalysis
    checks: dict[str, CheckResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_inputs(config: AnalysisConfig) -> SessionInputs:
    """The ID photo's face (and the crop a reviewer compares frames with), read once per session.
    A photo that cannot be used is not an error here: the identity check says why."""
    if config.id_photo is None:
        return SessionInputs()
    try:
        photo = read_id_photo(config.id_photo)
        image = load_photo(photo.path)
    except ImageError as exc:
        return SessionInputs(id_photo_problem=exc.problem)
    x, y, w, h = photo.face.box
    margin = ID_FACE_MARGIN * max(w, h)
    top, left = max(0, round(y - margin)), max(0, round(x - margin))
    crop = image[top:round(y + h + margin), left:round(x + w + margin)][:, :, ::-1]
    return SessionInputs(photo, None, np.ascontiguousarray(crop))


class Session:
    def __init__(self, config: AnalysisConfig, perceiver: Perceiver | None = None, inputs: SessionInputs | None = None):
        self.config = config
        self.perceiver = perceiver or Perceiver(config.policy)
        self.inputs = inputs if inputs is not None else read_inputs(config)
        self.checks: list[Check] = build_checks(config, self.inputs)
        self.stats = SessionStats()
        self.stopwatch = self.perceiver.stopwatch
        self._failed: set[str] = set()  # checks whose assess() failed (logged once)
        self.sensor = SensorNoise()  # the camera's noise pattern, for camera links
        self._next_heap_release_t = HEAP_RELEASE_EVERY_S

    def push_frame(self, frame: Frame) -> FrameObservation:
        """Perceive one frame (hands too while a check wants them) and hand it to every check."""
        obs = self.perceiver.observe(frame, want_hands=self._wants_hands(frame.t), watching_turn=self._watches_turn(frame.t))
        self.record(obs, frame)
        return obs

    def perceive(self, frame: Frame) -> Sighting:
        """Landmarks of one frame. With `identify_and_record`, `push_frame` in two halves: a
        recording runs them on two threads, in the same frame order."""
        return self.perceiver.look(frame, want_hands=self._wants_hands(frame.t), watching_turn=self._watches_turn(frame.t))

    def _wants_hands(self, t: float) -> bool:
        return any(check.wants_hands(t) for check in self.checks)

    def _watches_turn(self, t: float) -> bool:
        return any(check.watches_turn(t) for check in self.checks)

    def identify_and_record(self, sighting: Sighting, frame: Frame) -> None:
        """The identity embedding the frame owes, then `record`."""
        self.record(self.perceiver.identified(frame, sighting), frame)

    def record(self, obs: FrameObservation, frame: Frame) -> None:
        """Count one perceived frame and hand it to every check."""
        self.stats.analysed_frames += 1
        self.stats.frames_with_face += bool(obs.faces)
        self.stats.max_faces = max(self.stats.max_faces, obs.face_count)
        self.stats.last_t = frame.t
        for check in self.checks:
            with self.stopwatch.time(f"check_{check.name}"):
                check.update(obs, frame)
        with self.stopwatch.time("sensor_noise"):
            self.sensor.update(frame, obs)
        if frame.t >= self._next_heap_release_t:
            self._next_heap_release_t = frame.t + HEAP_RELEASE_EVERY_S
            release_freed_heap()

    def two_lanes(self, media: MediaInfo, audio: AudioAnalysis) -> bool:
        """Whether the session's end may run on two lanes: its length is at most TWO_LANES_MAX_S (the
        longest of the container's duration, which a browser's recording may not state, the frames
        seen and the audio heard)."""
        return max(media.duration_s or 0.0, self.stats.last_t, audio.duration or 0.0) <= TWO_LANES_MAX_S

    def on_challenge(self, mark: ChallengeMark) -> None:
        """A challenge asked during a live call: every check hears of it at once."""
        for check in self.checks:
            check.on_challenge(mark)

    def assess_one(self, check: Check, ctx: SessionContext, problems: list[str] | None = None) -> CheckResult:
        """One check's result. A check that fails must not cost the others' evidence: it shows as
        not assessed, and `problems` says why (the log has the traceback, once)."""
        with self.stopwatch.time(f"assess_{check.name}"):
            try:
                return check.assess(ctx)
            except Exception as exc:  # noqa: BLE001 - any check error, reported per check
                if check.name not in self._failed:
                    self._failed.add(check.name)
                    log.exception("the %s check failed", check.name)
                if problems is not None:
                    problems.append(f"the {check.name} check failed ({type(exc).__name__}: {exc}); "
                                    "its result is missing, the other checks are complete")
                return CheckResult(check.name, "insufficient", 0.0, 0.0)

    def finish(self, media: MediaInfo, audio: AudioAnalysis, evidence_dir: Path | None,
               channels: np.ndarray | None = None) -> SessionResult:
        """Conclude: assess every check on the whole session, look the faces up in the face registry
        (and remember them), and write the evidence images the findings point at. Two checks at a
        time up to TWO_LANES_MAX_S; results and problems in the checks' order either way."""
        self.perceiver.close()
        ctx = SessionContext(media=media, audio=audio, analysed_frames=self.stats.analysed_frames,
                             candidate=self.config.candidate, channels=channels)
        identity = next((c for c in self.checks if isinstance(c, IdentityCheck)), None)

        def assess(check: Check) -> tuple[CheckResult, list[str]]:
            problems: list[str] = []
            result = self.assess_one(check, ctx, problems)
            if check is identity and check.name not in self._failed:
                report, error = look_up_faces(self.config, self.config.candidate, check.query_faces(ctx), media.sha256)
                result = check.with_registry(result, ctx, report, error)
            release_freed_heap()  # this check's whole-session series (one lane: before the next check builds its own)
            return written(check, result, evidence_dir), problems

        with ThreadPoolExecutor(max_workers=2 if self.two_lanes(media, audio) else 1, thread_name_prefix="assess") as pool:
            assessed = list(pool.map(assess, self.checks))
        results = {check.name: result for check, (result, _) in zip(self.checks, assessed)}
        return SessionResult(self.stats, audio, results, [p for _, problems in assessed for p in problems])


def written(check: Check, result: CheckResult, evidence_dir: Path | None) -> CheckResult:
    """The result with every evidence reference written as an image in `evidence_dir` (None: no
    images; the references' frames are left empty)."""
    def write(ref) -> str | None:
        if evidence_dir is None:
            return None
        return write_ref(ref, check.evidence_frame(ref), evidence_dir)

    return replace(result, findings=with_frames(result.findings, write),
                   measurements=resolve_refs(result.measurements, write))
