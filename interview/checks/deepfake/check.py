"""Does the face show traces of a real-time face swap, reenactment or lip-sync generation?

No trained detector: an ensemble of forensic signals (interview/checks/deepfake/) computed on the main
face, in windows of WINDOW_S seconds, each scored against real faces and fused (fusion.py). Cheap
signals (colour flicker, landmark jitter) run on every analysed frame; the image signals (seam,
sharpness, spectrum, mouth, eyes) every HEAVY_EVERY_S; identity embeddings come from perception.
Findings are the windows whose fused score reaches review, each naming the strongest signal and the
face region it refers to, with the frame and that region marked.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_left
from dataclasses import dataclass, field

import cv2
import numpy as np

from interview.checks.base import (
    REVIEW_RISK,
    ChallengeMark,
    Check,
    CheckResult,
    Finding,
    SessionContext,
    SessionInputs,
    Signal,
    status_for,
)
from interview.checks.deepfake import fusion
from interview.checks.deepfake.boundary import boundary_seam
from interview.checks.deepfake.face_regions import MIN_INTEROCULAR_PX, face_crop, interocular, region_box
from interview.checks.deepfake.flicker import colour_flicker, face_and_surround_colour
from interview.checks.deepfake.jitter import embedding_jitter, landmark_jitter, rigid_points
from interview.checks.deepfake.mouth_eyes import eye_mismatch, mouth_detail
from interview.checks.deepfake.sharpness import sharpness_mismatch
from interview.checks.deepfake.spectrum import spectral_falloff
from interview.checks.deepfake.stress import (
    FROZEN_DIFF,
    HEAD_MOVING_DIFF,
    PROFILE_YAW_DEG,
    STRESS_WINDOW_S,
    TURN_KINDS,
    PosedEmbedding,
    StressResponse,
    face_and_surround_change,
    frozen_through_turn,
    identity_through_turn,
    is_stressed,
    stress_rise,
)
from interview.checks.liveness.challenges import in_hand_window
from interview.config import AnalysisConfig
from interview.evidence import EvidenceRef, FrameKeeper, Mark
from interview.face_landmarks import EYES_AND_BROWS, FACE_OVAL, LIPS_OUTER
from interview.observations import Frame, FrameObservation
from models.outputs import Face

WINDOW_S = 1.0
HEAVY_EVERY_S = 0.2  # image signals 5 times a second
# Larger faces are measured scaled down to this many pixels between the eyes. Swap generators paint
# faces of 128-256 px (inswapper: ~40 px between the eyes): the face must be measured well above that
# for their upscaling to show (dev media, fused AUC at 48/64/96 px: 0.67/0.83/0.89, for about twice
# the cost of 48).
WORK_INTEROCULAR_PX = 96.0
EMBEDDING_CONTEXT_S = 1.5  # embeddings arrive every ~1 s (0.5 s turned): judge a window with its neighbours'
# A window is scored when it holds this many frames spread over at least this share of it: the
# temporal signals of a clip's last, partial window rest on a few differences and are noise.
MIN_WINDOW_SAMPLES = 5
MIN_WINDOW_SPAN = 0.5
MAX_GAP_S = 0.25  # consecutive samples further apart than this break a temporal run
MAX_EVIDENCE = 12
MAX_FINDINGS = 8
# Below this many video bits per pixel the check does not judge (see DeepfakeCheck._compression_note).
# bench/deepfake_compression.py re-encodes the 9 dev clips at 7 rates: at every rate down to 0.0054
# measured no real clip reaches review; at the next rate down (0.0034-0.0049) 3 of 6 do, at 0.0025
# all 6. Rounded up from the lowest rate seen safe. Live calls carry no bitrate and are always judged.
MIN_BITS_PER_PIXEL = 0.0055
# A failed stress response raises review on its own, and alert only when something else agrees: a
# second stress signal (the identity changed AND the face froze), or the passive signals at review
# or beyond. Genuine turns can fall into the swaps' range (bench/genuine_turns.py: a broadcast
# presenter turning to 37 degrees, ffpp_004_real, scores 0.63-0.90 over its variants, swaps
# 0.53-0.74), so one failed signal is a reason to look, not a verdict. The identity failing on both
# turns is not a second signal: a poor camera pulls every profile view of a real head down alike.
# A passed response holds weak passive findings below review.
STRESS_FAILED_RISK = 0.55
STRESS_CORROBORATED_RISK = 0.85
UNCORROBORATED = ("Nothing else in the session points to a swap yet, so this asks for review, not an alert: "
                  "ask for the other turn and look at the frame")


@dataclass
class Sample:
    """What the check keeps of one analysed frame with a usable face (no pixels)."""

    t: float
    rigid: np.ndarray
    colours: np.ndarray
    stressed: bool
    values: dict[str, float] = field(default_factory=dict)  # per-frame signals, on heavy frames
    seam_rho: float = float("nan")
    fused: float = float("nan")  # the per-frame signals fused, on heavy frames


@dataclass
class Window:
    """One WINDOW_S of the session. While open it holds every sample; once closed only the heavy ones
    (the stress comparison reads their per-frame scores): the rest live on in its `values`."""

    t0: float
    t1: float
    samples: list[Sample] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)  # its own signals, set when it closes
    fused: float = float("nan")
    seen: int = 0  # samples it was given
    first_t: float = float("nan")
    last_t: float = float("nan")

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        self.seen += 1
        self.last_t = sample.t
        if self.seen == 1:
            self.first_t = sample.t

    def close(self, values: dict[str, float], fused: float) -> None:
        self.values, self.fused = values, fused
        self.samples = [s for s in self.samples if s.values]

    @property
    def complete(self) -> bool:
        """Enough of the window was seen to score it (MIN_WINDOW_SAMPLES, MIN_WINDOW_SPAN)."""
        return self.seen >= MIN_WINDOW_SAMPLES and self.last_t - self.first_t >= MIN_WINDOW_SPAN * (self.t1 - self.t0)


@dataclass(order=True)
class _Candidate:
    """A frame kept as possible evidence (the strongest heavy frame of a high-scoring window); its
    pixels are in the check's FrameKeeper."""

    score: float
    t: float
    landmarks: np.ndarray = field(compare=False)
    seam_rho: float = field(compare=False)


@dataclass
class _Scored:
    """A window as judged now: its own values plus those that need neighbours (embedding jitter, stress)."""

    window: Window
    values: dict[str, float]
    scores: dict[str, float]
    fused: float


def stress_corroborated(failed: list[StressResponse], passive_finding: bool) -> bool:
    """Does something besides one failed stress signal point to a swap: a second stress signal
    (identity and frozen face), or a passive finding at review or beyond? The same signal failing
    on both turns does not count (see STRESS_FAILED_RISK)."""
    return passive_finding or len({r.signal for r in failed}) >= 2


def main_identity_embedding(obs: FrameObservation, face: Face) -> np.ndarray | None:
    """The embedding of the detector face nearest the landmarker's main face."""
    if not obs.identities:
        return None
    cx, cy = face.box[0] + face.box[2] / 2, face.box[1] + face.box[3] / 2
    nearest = min(obs.identities, key=lambda i: (i.box[0] + i.box[2] / 2 - cx) ** 2 + (i.box[1] + i.box[3] / 2 - cy) ** 2)
    x, y, w, h = nearest.box
    return nearest.embedding if x <= cx <= x + w and y <= cy <= y + h else None


def image_signals(frame: Frame, face: Face) -> tuple[dict[str, float], float]:
    """The per-frame image signals of the main face, measured at the recording's own resolution,
    and the rho of the strongest seam ring.

    The face and the ring of head and neck around it are cut from `frame.source_region` (the
    analysed image is scaled for the landmarker: at 640 px a face on a 1080p call is ~28 px between
    the eyes, too small for teeth, eye highlights or upscaling traces). A face larger than
    WORK_INTEROCULAR_PX is then scaled down to that size: it bounds the cost, and every signal sees
    faces at comparable pixel sizes. Only the face's own region is processed, never the whole frame."""
    width, height = frame.source_size
    to_source = np.array([width / frame.image.shape[1], height / frame.image.shape[0], 1.0], np.float32)
    landmarks = face.landmarks * to_source
    factor = min(1.0, WORK_INTEROCULAR_PX / interocular(landmarks))
    x, y, w, h = region_box(landmarks, FACE_OVAL, pad=0.5)
    x0, y0 = max(0, int(x)), max(0, int(y))
    region = frame.source_region(x0, y0, int(x + w) + 1, int(y + h) + 1)
    landmarks = landmarks - np.array([x0, y0, 0], np.float32)
    if factor < 1.0:
        region = cv2.resize(region, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        landmarks = landmarks * np.array([factor, factor, 1.0], np.float32)
    crop = face_crop(region, landmarks)
    if crop is None:
        return {}, float("nan")
    seam, rho = boundary_seam(crop)
    values = {"boundary": seam, "sharpness": sharpness_mismatch(crop), "spectrum": spectral_falloff(crop),
              "mouth": mouth_detail(crop, landmarks), "eyes": eye_mismatch(crop, landmarks)}
    return {k: v for k, v in values.items() if not math.isnan(v)}, rho


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def _temporal_runs(samples: list[Sample]) -> list[list[Sample]]:
    runs: list[list[Sample]] = []
    for sample in samples:
        if runs and sample.t - runs[-1][-1].t <= MAX_GAP_S:
            runs[-1].append(sample)
        else:
            runs.append([sample])
    return runs


def _run_median(samples: list[Sample], measure) -> float:
    """A temporal measure over each unbroken run, weighted by run length."""
    values, weights = [], []
    for run in _temporal_runs(samples):
        value = measure(run)
        if not math.isnan(value):
            values.append(value)
            weights.append(len(run))
    return float(np.average(values, weights=weights)) if values else float("nan")


def session_values(windows: list[dict[str, float]]) -> dict[str, float]:
    """A session's value of each signal: the median over its scored windows' values (what the profile holds)."""
    values = {spec.name: _median([w[spec.name] for w in windows if spec.name in w])
              for spec in fusion.SIGNALS}
    return {k: v for k, v in values.items() if not math.isnan(v)}


def window_values(samples: list[Sample]) -> dict[str, float]:
    """Per-window signal values: medians of the per-frame signals, temporal signals over runs."""
    values = {name: _median([s.values[name] for s in samples if name in s.values]) for name in fusion.PER_FRAME}
    values["flicker"] = _run_median(samples, lambda run: colour_flicker(np.array([s.colours for s in run])))
    values["landmark_jitter"] = _run_median(samples, lambda run: landmark_jitter(np.array([s.rigid for s in run])))
    return {k: v for k, v in values.items() if not math.isnan(v)}


class DeepfakeCheck(Check):
    name = "deepfake"
    label = "Deepfake signs"
    question = "Does the face show signs of being generated or swapped?"
    reassurance = "no visible signs of face manipulation"
    concern = "signs of face manipulation"
    headline_rank = 3
    next_steps = {
        "compression": "Ask for a better connection or a higher-quality recording: this one was too compressed "
                       "to judge.",
        None: "Ask the candidate to pass a hand slowly in front of the face, then turn to the side: swapped or "
              "generated faces break up under a hand and in profile.",
    }

    def __init__(self, config: AnalysisConfig, inputs: SessionInputs):
        super().__init__(config, inputs)
        self.profile = config.profile
        self.windows: list[Window] = []
        self.embeddings: list[tuple[float, np.ndarray]] = []
        self._next_heavy_t = float("-inf")
        self._best: _Candidate | None = None  # strongest heavy frame of the open window (kept in self.frames)
        self._evidence: list[_Candidate] = []  # min-heap of the MAX_EVIDENCE best candidates
        self._frames_seen = 0  # every frame it was given: coverage is judged on its own count
        self._usable_frames = 0
        self.cost_s = {"every_frame": 0.0, "image_signals": 0.0}  # time spent here, for the benchmark
        self.heavy_frames = 0
        self.frames = FrameKeeper(side=None, quality=90)  # evidence candidates and stress frames
        self.posed: list[PosedEmbedding] = []
        self._stress_landmarks: dict[float, np.ndarray] = {}  # t -> landmarks of a kept stress frame
        self.changes: list[tuple[float, float, float]] = []  # (t, inner face change, surround change)
        self.turn_yaws: list[tuple[float, float]] = []  # (t, yaw) of each frame inside a turn's window
        self._previous_gray: tuple[float, np.ndarray] | None = None

    def _in_turn_window(self, t: float) -> bool:
        return any(m.kind in TURN_KINDS and m.asked_s <= t <= m.asked_s + STRESS_WINDOW_S for m in self.challenges)

    def wants_hands(self, t: float) -> bool:
        """Hands are looked for after a hand-over-face challenge (occlusion is a stress test)."""
        return in_hand_window(self.challenges, t)

    def watches_turn(self, t: float) -> bool:
        """From a turn's request to the end of its window: the stress comparison wants the profile
        views of the move, and the frontal ones before it, at the turned cadence."""
        return self._in_turn_window(t)

    def update(self, obs: FrameObservation, frame: Frame) -> None:
        self._frames_seen += 1
        face = obs.face
        if face is None or interocular(face.landmarks) < MIN_INTEROCULAR_PX:
            return
        self._usable_frames += 1
        started = time.perf_counter()
        window = self._window_for(obs.t)
        sample = Sample(t=obs.t, rigid=rigid_points(face.landmarks),
                        colours=face_and_surround_colour(frame.image, face.landmarks, face.box),
                        stressed=is_stressed(face, obs.hands))
        if obs.t >= self._next_heavy_t:
            self._next_heavy_t = obs.t + HEAVY_EVERY_S
            heavy_started = time.perf_counter()
            sample.values, sample.seam_rho = image_signals(frame, face)
            self.cost_s["image_signals"] += time.perf_counter() - heavy_started
            self.heavy_frames += 1
            strength = sample.fused = fusion.fuse(fusion.deviations(sample.values, self.profile))
            if not math.isnan(strength) and (self._best is None or strength > self._best.score):
                self._replace_best(_Candidate(strength, obs.t, face.landmarks, sample.seam_rho), frame)
        window.add(sample)
        embedding = main_identity_embedding(obs, face)
        if embedding is not None:
            self.embeddings.append((obs.t, embedding))
            self.posed.append(PosedEmbedding(obs.t, embedding, face.pose.yaw, face.pose.pitch))
            if abs(face.pose.yaw) >= PROFILE_YAW_DEG and self._in_turn_window(obs.t):
                self._keep_stress_frame(obs.t, frame, face)
        if self._in_turn_window(obs.t):
            self._track_change(obs.t, frame, face)
            self.turn_yaws.append((obs.t, face.pose.yaw))
        self.cost_s["every_frame"] += time.perf_counter() - started

    def _keep_stress_frame(self, t: float, frame: Frame, face: Face) -> None:
        if self.frames.keep(t, frame.image):
            self._stress_landmarks[t] = face.landmarks

    def _replace_best(self, candidate: _Candidate, frame: Frame) -> None:
        if self._best is not None:
            self._forget(self._best)
        self._best = candidate
        self.frames.keep(candidate.t, frame.image)

    def _forget(self, candidate: _Candidate) -> None:
        """Drop a candidate's pixels unless a stress finding may still show that frame."""
        if candidate.t not in self._stress_landmarks:
            self.frames.drop(candidate.t)

    def _track_change(self, t: float, frame: Frame, face: Face) -> None:
        """Inner-face and surround change since the previous analysed frame (a frozen pasted face)."""
        gray = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
        if self._previous_gray is not None and t - self._previous_gray[0] <= MAX_GAP_S:
            inner, ring = face_and_surround_change(self._previous_gray[1], gray, face.landmarks)
            if not math.isnan(inner):
                self.changes.append((t, inner, ring))
                if inner < FROZEN_DIFF and ring >= HEAD_MOVING_DIFF:
                    self._keep_stress_frame(t, frame, face)
        self._previous_gray = (t, gray)

    def _window_for(self, t: float) -> Window:
        start = math.floor(t / WINDOW_S) * WINDOW_S
        if not self.windows or self.windows[-1].t0 != start:
            if self.windows:
                self._close(self.windows[-1])
            self.windows.append(Window(start, start + WINDOW_S))
        return self.windows[-1]

    def _close(self, window: Window) -> None:
        """Score a finished window on what it saw itself, and keep its best frame if it is a candidate."""
        values = window_values(window.samples)
        window.close(values, fusion.fuse(fusion.deviations(values, self.profile)))
        best, self._best = self._best, None
        if best is None:
            return
        candidate = _Candidate(window.fused, best.t, best.landmarks, best.seam_rho)
        if math.isnan(window.fused):
            self._forget(candidate)
        elif len(self._evidence) < MAX_EVIDENCE:
            heapq.heappush(self._evidence, candidate)
        elif candidate > self._evidence[0]:
            self._forget(heapq.heapreplace(self._evidence, candidate))
        else:
            self._forget(candidate)

    def _scored(self, since: float = 0.0) -> list[_Scored]:
        """Every window from `since` on as judged now (the open one on what it has so far), with the
        signals that need more than one window: embedding jitter and the stress comparison."""
        recent = self.windows[bisect_left([w.t0 for w in self.windows], since):] if since else self.windows
        windows = [(w, dict(w.values) if w is not self.windows[-1] else window_values(w.samples)) for w in recent]
        times = np.array([t for t, _ in self.embeddings])
        vectors = np.array([e for _, e in self.embeddings]) if self.embeddings else np.zeros((0, 0))
        heavy = [s for w in recent for s in w.samples if s.values]  # in time order
        heavy_t = np.array([s.t for s in heavy])
        frame_scores = np.array([s.fused for s in heavy])
        stressed = np.array([s.stressed for s in heavy], bool)
        unstressed = frame_scores[~stressed & ~np.isnan(frame_scores)] if len(heavy) else np.zeros(0)
        scored = []
        for window, values in windows:
            lo, hi = np.searchsorted(times, [window.t0 - EMBEDDING_CONTEXT_S, window.t1 + EMBEDDING_CONTEXT_S])
            value = embedding_jitter(vectors[lo:hi]) if hi > lo else float("nan")
            if not math.isnan(value):
                values["embedding_jitter"] = value
            first, last = np.searchsorted(heavy_t, [window.t0, window.t1])
            inside = frame_scores[first:last][stressed[first:last]]
            if inside.size:
                value = stress_rise(np.concatenate([inside, unstressed]),
                                    np.concatenate([np.ones(inside.size, bool), np.zeros(len(unstressed), bool)]))
                if not math.isnan(value):
                    values["stress"] = value
            scores = fusion.deviations(values, self.profile)
            scored.append(_Scored(window, values, scores, fusion.fuse(scores)))
        return scored

    def stress_responses(self, since: float = 0.0, seen_until: float | None = None) -> list[StressResponse]:
        """How the face held up through each head turn asked so far (from `since` on; a live call
        seen up to `seen_until`)."""
        turns = [m for m in self.challenges if m.kind in TURN_KINDS and m.asked_s >= since]
        return ([identity_through_turn(m.kind, m.asked_s, self.posed, seen_until, self.turn_yaws) for m in turns]
                + [frozen_through_turn(m.kind, m.asked_s, self.changes) for m in turns])

    def assess(self, ctx: SessionContext) -> CheckResult:
        since = ctx.since_s or 0.0
        scored = [s for s in self._scored(since) if s.window.complete and not math.isnan(s.fused)]
        # Its own count, not ctx.analysed_frames: a live snapshot reads that count before frames
        # that arrive while it assesses, which showed '101% of the call judged so far'.
        coverage = self._usable_frames / self._frames_seen if self._frames_seen else 0.0
        judged = [r for r in self.stress_responses(since, ctx.seen_until_s) if r.passed is not None]
        identity = [r.value for r in judged if r.signal == "stress_identity"]
        measurements = {"deepfake_score": None,
                        "deepfake_stress_identity": round(min(identity), 3) if identity else None}
        too_compressed = self._compression_note(ctx)
        judgement, values = None, {}
        if scored:
            values = session_values([s.values for s in scored])
            judgement = fusion.judge(values, self.profile)
            measurements["deepfake_score"] = round(judgement.fused, 3)
            measurements.update({f"deepfake_{spec.name}": (round(values[spec.name], 4) if spec.name in values else None)
                                 for spec in fusion.SIGNALS})
        signals = [self._reading(spec, values.get(spec.name)) for spec in fusion.SIGNALS]
        failed = [r for r in judged if not r.passed]
        if failed and too_compressed is None:
            passive = judgement is not None and judgement.level != "ok"
            corroborated = stress_corroborated(failed, passive)
            risk = STRESS_CORROBORATED_RISK if corroborated else STRESS_FAILED_RISK
            findings = [self._stress_finding(r, risk, corroborated) for r in failed]
            if passive:
                findings += self._findings(scored, judgement)
            return CheckResult(self.name, status_for(risk, coverage), risk, coverage, findings, measurements, signals)
        if judgement is None:
            return CheckResult(self.name, "insufficient", 0.0, coverage, measurements=measurements, signals=signals)
        if too_compressed is not None:  # measured, kept, but not judged
            return CheckResult(self.name, "insufficient", 0.0, coverage, [too_compressed], measurements, signals)
        findings = self._findings(scored, judgement) if judgement.level != "ok" else []
        status = judgement.level if status_for(judgement.risk, coverage) != "insufficient" else "insufficient"
        risk = judgement.risk
        if judged and status == "review":  # a passed stress response outweighs a weak passive finding
            risk, status = min(risk, REVIEW_RISK - 0.01), "ok"
            findings = [self._stress_finding(r, 0.0) for r in judged]
        return CheckResult(self.name, status, risk, coverage, findings, measurements, signals)

    def _reading(self, spec: fusion.SignalSpec, value: float | None) -> Signal:
        """A signal's session value (the median over the scored windows), judged only in fusion."""
        if value is None:
            return Signal(spec.name, None, spec.unit, f"{spec.label}: not measured", region=spec.region)
        return Signal(spec.name, value, spec.unit, fusion.reason(spec, value, self.profile), region=spec.region)

    def _stress_finding(self, response: StressResponse, risk: float, corroborated: bool = True) -> Finding:
        """A stress response as a finding, with the frame that shows it (the turned face least like
        the frontal one, or a frozen face); a failure nothing else agrees with says so."""
        evidence = None
        landmarks = self._stress_landmarks.get(response.worst_t)
        if landmarks is not None:
            label = "identity at profile" if response.signal == "stress_identity" else "frozen face"
            evidence = EvidenceRef(response.worst_t, f"deepfake_{response.signal}_{response.kind}_{response.worst_t:.1f}s",
                                   ((*region_box(landmarks, FACE_OVAL, pad=0.05), label),))
        reason = response.reason if corroborated or response.passed else f"{response.reason}. {UNCORROBORATED}"
        return Finding(response.asked_s, response.asked_s + STRESS_WINDOW_S, risk, reason, None,
                       response.signal, evidence)

    @staticmethod
    def _compression_note(ctx: SessionContext) -> Finding | None:
        """Below MIN_BITS_PER_PIXEL the codec's own damage to a moving face (smeared texture, blocks
        that wobble from frame to frame) looks like a swap's traces to every signal: real faces
        re-encoded there reach review and alert (bench/deepfake_compression.py). The check then says
        it cannot judge, why, and what would let it, instead of a risk that measures the codec."""
        bpp = ctx.media.bits_per_pixel
        if bpp is None or bpp >= MIN_BITS_PER_PIXEL:
            return None
        kbps = ctx.media.video_bitrate / 1000
        needed = MIN_BITS_PER_PIXEL * ctx.media.width * ctx.media.height * ctx.media.fps / 1000
        return Finding(0.0, ctx.media.duration_s, 0.0,
                       f"The video is too compressed to judge fine face detail: {kbps:.0f} kb/s at "
                       f"{ctx.media.width}x{ctx.media.height}, {ctx.media.fps:.0f} fps is {bpp:.4f} bits per "
                       f"pixel; below {MIN_BITS_PER_PIXEL} compression alone makes real faces look manipulated "
                       f"to this check. A recording at {needed:.0f} kb/s or more can be judged",
                       None, "compression")

    def _findings(self, scored: list[_Scored], judgement: fusion.Judgement) -> list[Finding]:
        """Runs of consecutive windows whose own fused score passes the review level, strongest first,
        each naming its strongest signal (a window never outranks the session's judgement)."""
        review = self.profile.thresholds[fusion.CHECK]["review"]
        flagged = [w for w in scored if w.fused > review]
        spans: list[list[_Scored]] = []
        for window in flagged:
            if spans and abs(window.window.t0 - spans[-1][-1].window.t1) < 1e-6:
                spans[-1].append(window)
            else:
                spans.append([window])
        spans.sort(key=lambda span: -max(w.fused for w in span))
        findings = []
        for n, span in enumerate(spans[:MAX_FINDINGS]):
            peak = max(span, key=lambda w: w.fused)
            signal = max(peak.scores, key=peak.scores.get)
            spec = fusion.BY_NAME[signal]
            risk = min(judgement.risk, fusion.judge(peak.values, self.profile).risk)
            findings.append(Finding(span[0].window.t0, span[-1].window.t1, risk,
                                    fusion.reason(spec, peak.values[signal], self.profile), None, signal,
                                    self._evidence_ref(span, spec, n)))
        return findings

    def _evidence_ref(self, span: list[_Scored], spec: fusion.SignalSpec, n: int) -> EvidenceRef | None:
        t0, t1 = span[0].window.t0, span[-1].window.t1
        open_best = [] if self._best is None else [_Candidate(span[-1].fused, self._best.t, self._best.landmarks,
                                                              self._best.seam_rho)]
        inside = [c for c in self._evidence + open_best if t0 <= c.t < t1]
        if not inside:
            return None
        best = max(inside)
        marks: list[Mark] = [(*region_box(best.landmarks, FACE_OVAL, pad=0.05), "")] if spec.region != "face" else []
        marks.append((*self._region(best, spec.region), spec.name))
        return EvidenceRef(best.t, f"deepfake_{n + 1}_{spec.name}_{best.t:.1f}s", tuple(marks))

    @staticmethod
    def _region(candidate: _Candidate, region: str) -> tuple[float, float, float, float]:
        landmarks = candidate.landmarks
        if region == "mouth":
            return region_box(landmarks, LIPS_OUTER, pad=0.3)
        if region == "eyes":
            return region_box(landmarks, EYES_AND_BROWS, pad=0.1)
        if region == "seam" and not math.isnan(candidate.seam_rho):
            oval = landmarks[list(FACE_OVAL), :2]
            centre = oval.mean(0)
            ring = centre + (oval - centre) * candidate.seam_rho
            x0, y0 = ring.min(0)
            x1, y1 = ring.max(0)
            return float(x0), float(y0), float(x1 - x0), float(y1 - y0)
        return region_box(landmarks, FACE_OVAL, pad=0.05)



STRESS_PROMPT = ("Ask the candidate to turn to their left, then to their right: a face swap breaks down at "
                 "profile, and the passive signals alone cannot rule one out")


def stress_prompt(result: CheckResult, asked: list[ChallengeMark] | tuple[ChallengeMark, ...]) -> str | None:
    """What the live panel asks the interviewer to do while no turn has been asked: the passive
    signals catch almost no swap at their false-alarm budget (a face is 'ok' when no trace is seen,
    not proven real), so every call without a deepfake alert gets the prompt until a turn is asked."""
    if result.status == "alert" or any(m.kind in TURN_KINDS for m in asked):
        return None
    return STRESS_PROMPT
