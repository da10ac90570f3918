"""Face consistency: is the person on camera the person on the ID, the same person all along,
alone, and not someone already seen under another name?

Evidence comes from the main (largest) face's identity embedding, sampled once a second (twice
while the head is turned: interview/perception.py). Samples with the head turned far away or a
face too small to identify are not assessed: SFace is unreliable there (on
dev-media/D_presentation_attack/tv_real.mp4 a head tilted 26-32 degrees up fell to 0.24-0.52
against the same man's frontal frames), and they would drag the ID similarity down. (The spans of
one person hold without this filter too: tv_real and tv_fake stay one person at 5 and 15 fps.)
What is left is compared with the ID photo (a similarity timeline, its median, spread and share
above the same-person threshold), cut into spans of one person (interview/checks/identity/
segments.py), and looked up in the face registry of earlier analyses (interview/records/
face_registry.py). Face counts on every analysed frame give the spans with extra faces or none;
while perception zooms on one small face (a wide shot) the rest of the frame is counted by the
detector's looks instead (`_count`).
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from interview.checks.base import (
    Check,
    CheckResult,
    Finding,
    SessionContext,
    SessionInputs,
    Signal,
    risk_level,
    status_for,
)
from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD
from interview.checks.identity.id_photo import MIN_EYE_DISTANCE_PX
from interview.checks.identity.repeats import QueryFace, RegistryReport, RepeatFace
from interview.checks.identity.segments import FaceSample, IdentitySegment, IdentityTracker, unit
from interview.config import AnalysisConfig
from interview.evidence import EvidenceRef, FrameKeeper, KeptFrame
from interview.face_landmarks import IDENTITY_POSE
from interview.observations import Box, Frame, FrameObservation, distinct_faces
from interview.timeline import total_duration
from interview.wording import lower_first
from models.outputs import Segment

ID_RISK_SCALE = 0.05  # similarity units per e-fold of the logistic risk around the threshold
CHANGE_RISK = 0.9  # another person takes over
REPEAT_RISK = 0.85  # registry: the face is known under another name, or this name had another face
EXTRA_FACE_RISK = 0.5  # someone else in the picture: a reviewer should look
NO_FACE_RISK = 0.15  # the candidate left the picture: context, not a concern by itself
ID_UNUSABLE_RISK = 0.4  # the comparison asked for could not be made
MIN_EXTRA_FACE_S = 0.5
MIN_NO_FACE_S = 2.0
MERGE_GAP_S = 0.5  # face-count spans closer than this are one span (landmarker flicker)
MAX_COUNT_EVIDENCE = 20  # evidence frames kept for face-count spans
ALONE = "Ask who else is in the room, and for the candidate to stay alone in the picture."
SNAPSHOT_AFTER_S = 0.25  # a face-count run keeps its frame once it outlasts a landmarker flicker


def id_risk(median_similarity: float, threshold: float = SAME_PERSON_THRESHOLD) -> float:
    """0.5 at the threshold, about 0.88 at 0.1 below it, 0.12 at 0.1 above it."""
    return float(1.0 / (1.0 + np.exp((median_similarity - threshold) / ID_RISK_SCALE)))


def _merge(spans: list[Segment], gap: float) -> list[Segment]:
    merged: list[Segment] = []
    for span in spans:
        if merged and span.start - merged[-1].end <= gap:
            merged[-1] = Segment(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def span_mask(times: np.ndarray, span: Segment) -> np.ndarray:
    return (times >= span.start) & (times < span.end)


def _seconds(t: float) -> str:
    return f"{t:.1f} s"


class IdentityCheck(Check):
    name = "identity"
    label = "Identity"
    question = "Is it the person on the ID, the same person all the way through?"
    reassurance = "the same face throughout"
    headline_rank = 0
    next_steps = {
        "id_match": "Compare the ID photo with the frames shown, and ask the candidate to hold the ID document "
                    "next to their face.",
        "id_photo": "Ask for a sharper, closer photo of the ID, then analyse again.",
        "identity_change": ALONE,
        "extra_faces": ALONE,
        "face": ALONE,
        "no_face": "Ask the candidate to keep their face in the picture, facing the camera.",
        "repeat_face": "Open the earlier session with this face and compare the two candidates.",
    }

    def __init__(self, config: AnalysisConfig, inputs: SessionInputs):
        super().__init__(config, inputs)
        self.step = config.policy.embed_every_s
        self.id_photo = inputs.id_photo
        self.id_problem = inputs.id_photo_problem
        self.frames = FrameKeeper(side=None, quality=85)  # identity samples, extremes and face-count runs
        self.tracker = IdentityTracker()
        self.samples: list[FaceSample] = []  # assessable main-face samples
        self.skipped = 0  # main faces seen but not assessable (pose, size)
        self.embedded_at: list[float] = []  # every frame the identity model ran on
        self.times: list[float] = []
        self.counts: list[int] = []
        self.sample_boxes: dict[float, tuple[float, float, float, float]] = {}  # kept sample frames, pruned
        self.id_extremes: dict[str, tuple[float, float]] = {}  # "best"/"worst" -> (similarity, t) to the ID
        self.count_frames: dict[float, tuple[tuple[float, float, float, float], ...]] = {}  # t -> face boxes
        self._looked: tuple[Box, ...] | None = None  # the distinct faces of the detector's last look
        self._held: tuple[float, tuple[Box, ...]] = (float("-inf"), ())  # faces two looks in a row agree on
        self._run_start: dict[str, float | None] = {"extra": None, "none": None}
        self._run_saved: dict[str, bool] = {"extra": False, "none": False}

    # -- streaming -------------------------------------------------------------------------------

    def update(self, obs: FrameObservation, frame: Frame) -> None:
        count, boxes = self._count(obs)
        self.times.append(obs.t)
        self.counts.append(count)
        self._track_count_runs(obs, frame, count, boxes)
        if obs.identities is not None:
            self.embedded_at.append(obs.t)
        if obs.identities:
            self._identity_sample(obs, frame)

    def _count(self, obs: FrameObservation) -> tuple[int, tuple[Box, ...]]:
        """How many people's faces the frame shows, and their boxes (for the evidence frame).

        While perception follows one small face on a zoomed crop (`obs.whole_frame` False) the
        landmarker does not see the rest of the frame, and the detector looks at it only once a
        second: a second person there would count on those frames alone and never make a span.
        So the faces two looks in a row agree on stand until the next look: someone who stays is
        reported about a look late, a face the detector saw on one look only is not reported."""
        if obs.identities is not None:
            faces = tuple(f.box for f in distinct_faces(obs.identities))
            if self._looked is not None:
                self._held = (obs.t, faces[:min(len(faces), len(self._looked))])
            self._looked = faces
        boxes = tuple(f.box for f in obs.faces) or tuple(i.box for i in obs.identities or ())
        held_t, held = self._held
        if not obs.whole_frame and len(held) > obs.face_count and obs.t - held_t <= 2 * self.step:
            return len(held), held
        return obs.face_count, boxes

    def _track_count_runs(self, obs: FrameObservation, frame: Frame, count: int, boxes: tuple[Box, ...]) -> None:
        """Keep one frame per extra-face or no-face run once it is more than a flicker."""
        for kind, active in (("extra", count > 1), ("none", count == 0)):
            if not active:
                self._run_start[kind], self._run_saved[kind] = None, False
                continue
            if self._run_start[kind] is None:
                self._run_start[kind] = obs.t
            if (not self._run_saved[kind] and obs.t - self._run_start[kind] >= SNAPSHOT_AFTER_S
                    and len(self.count_frames) < MAX_COUNT_EVIDENCE):
                self.count_frames[obs.t] = boxes
                self.frames.keep(obs.t, frame.image)
                self._run_saved[kind] = True

    def _identity_sample(self, obs: FrameObservation, frame: Frame) -> None:
        main = max(obs.identities, key=lambda f: f.box[2] * f.box[3])
        if len(obs.identities) > 1:
            following = self.tracker.continuing([f.embedding for f in obs.identities])
            main = obs.identities[following] if following is not None else main
        x, y, w, h = main.box
        pose = next((f.pose for f in obs.faces
                     if x <= f.box[0] + f.box[2] / 2 <= x + w and y <= f.box[1] + f.box[3] / 2 <= y + h), None)
        eyes = float(np.linalg.norm(main.points[0] - main.points[1]))
        if eyes < MIN_EYE_DISTANCE_PX or (pose is not None and not IDENTITY_POSE.allows(pose.yaw, pose.pitch)):
            self.skipped += 1
            return
        sample = FaceSample(obs.t, main.embedding, main.box)
        self.samples.append(sample)
        self.tracker.push(sample)
        self.sample_boxes[obs.t] = main.box
        self.frames.keep(obs.t, frame.image)
        if self.id_photo is not None:
            self._keep_extremes(float(main.embedding @ self.id_photo.face.embedding), obs.t)
        wanted = (set(self.tracker.pending_times) | set(self.tracker.segment_starts)
                  | {t for _, t in self.id_extremes.values()})
        for t in [t for t in self.sample_boxes if t not in wanted]:
            del self.sample_boxes[t]
            if t not in self.count_frames:
                self.frames.drop(t)

    def _keep_extremes(self, similarity: float, t: float) -> None:
        """The frames that match the ID best and worst: what a reviewer compares the ID photo with."""
        for key, better in (("best", similarity > self.id_extremes.get("best", (-2.0,))[0]),
                            ("worst", similarity < self.id_extremes.get("worst", (2.0,))[0])):
            if better:
                self.id_extremes[key] = (similarity, t)

    def _id_comparison(self) -> dict | None:
        """The ID photo's face beside the best- and worst-matching frames."""
        if self.id_photo is None or not self.id_extremes:
            return None
        comparison: dict = {"id_face": EvidenceRef(0.0, "identity_id_face", source="id_photo")}
        for key, (similarity, t) in self.id_extremes.items():
            comparison[key] = {"t": round(t, 2), "similarity": round(similarity, 3),
                               "frame": self._sample_ref(t, f"identity_{key}_match_{t:.1f}", f"{similarity:.2f}")}
        return comparison

    def evidence_frame(self, ref: EvidenceRef) -> KeptFrame | None:
        if ref.source == "id_photo":
            face = self.inputs.id_photo_face
            return KeptFrame(0.0, face, 1.0) if face is not None else None
        return self.frames.nearest(ref.t)

    # -- results ---------------------------------------------------------------------------------

    def assess(self, ctx: SessionContext) -> CheckResult:
        duration = self._duration(ctx)
        segments = self._segments(duration)
        spans = [Segment(s.t, min(self._next_embedding(s.t), s.t + 2 * self.step, duration or np.inf)) for s in self.samples]
        weights = {s.t: span.duration for s, span in zip(self.samples, spans)}
        coverage = min(1.0, total_duration(spans) / duration) if duration else 0.0

        findings: list[Finding] = []
        measurements: dict = {"id_threshold": SAME_PERSON_THRESHOLD}
        findings += self._id_findings(segments, weights, measurements)
        findings += self._change_findings(segments)
        findings += self._count_findings(duration)
        measurements["identity_segments"] = [
            {"start": round(s.start, 2), "end": round(s.end, 2), "person": s.person, "samples": len(s.samples),
             "id_similarity": self._median_to_id(s.samples)} for s in segments]
        measurements["identity_samples"] = {"assessed": len(self.samples), "skipped_pose_or_size": self.skipped}
        counts = np.array(self.counts)
        signals = [
            Signal("id_match", measurements["id_similarity"], "cosine",
                   f"Median similarity of the face on camera to the ID photo (same person from {SAME_PERSON_THRESHOLD:.2f})"),
            Signal("people", float(len({s.person for s in segments})) if segments else None, "people",
                   "Different people seen in the main face's place during the call"),
            Signal("extra_faces", float(np.mean(counts > 1)) if counts.size else None, "share of frames",
                   "Frames with more than one face in the picture"),
        ]
        return self._result(findings, coverage, measurements, signals)

    def _result(self, findings: list[Finding], coverage: float, measurements: dict,
                signals: list[Signal]) -> CheckResult:
        """Coverage is the share of the call whose face could be identified; faces are counted on
        every frame, so someone else in the picture is reported even when no face could be
        identified (a wide shot, faces too small for the identity model)."""
        risk = max((f.risk for f in findings), default=0.0)
        status = status_for(risk, coverage)
        counted = max((f.risk for f in findings if f.signal == "extra_faces"), default=0.0)
        if status == "insufficient" and risk_level(counted) != "ok":
            status = risk_level(counted)
        return CheckResult(self.name, status, risk, coverage,
                           sorted(findings, key=lambda f: (f.t0, -f.risk)), measurements, signals)

    def _duration(self, ctx: SessionContext) -> float:
        return ctx.media.duration_s or (self.times[-1] if self.times else 0.0)

    def _segments(self, duration: float) -> list[IdentitySegment]:
        end = min(duration, self.samples[-1].t + self.step) if self.samples else duration
        return self.tracker.segments(end) if self.samples else []

    def _next_embedding(self, t: float) -> float:
        """When the identity model ran next after `t`: a sample speaks for the time until then."""
        i = bisect_right(self.embedded_at, t)
        return self.embedded_at[i] if i < len(self.embedded_at) else t + self.step

    def _sample_ref(self, t: float, name: str, label: str) -> EvidenceRef | None:
        box = self.sample_boxes.get(t)
        return EvidenceRef(t, name, ((*box, label),)) if box is not None else None

    def _similarities_to_id(self, samples: list[FaceSample]) -> np.ndarray:
        if self.id_photo is None or not samples:
            return np.empty(0)
        return np.stack([s.embedding for s in samples]) @ self.id_photo.face.embedding

    @staticmethod
    def _share_matching_id(samples: list[FaceSample], similarities: np.ndarray, weights: dict[float, float]) -> float:
        """Share of the assessed time (each sample speaks until the next) at or above the threshold."""
        weights = np.array([weights[s.t] for s in samples]) + 1e-9
        return float(np.average(similarities >= SAME_PERSON_THRESHOLD, weights=weights))

    def _median_to_id(self, samples: list[FaceSample]) -> float | None:
        similarities = self._similarities_to_id(samples)
        return round(float(np.median(similarities)), 4) if similarities.size else None

    def _id_findings(self, segments: list[IdentitySegment], weights: dict[float, float], measurements: dict) -> list[Finding]:
        measurements.update({"id_similarity": None, "id_similarity_spread": None, "id_match_share": None,
                             "id_similarity_timeline": None, "id_photo": None, "id_comparison": None})
        if self.id_problem is not None:
            measurements["id_photo"] = {"problem": self.id_problem}
            return [Finding(0.0, 0.0, ID_UNUSABLE_RISK, f"The ID photo could not be used ({self.id_problem}), "
                            "so the face on camera was not compared with the ID.", None, "id_photo")]
        if self.id_photo is None:
            return []
        measurements["id_photo"] = self.id_photo.to_dict()
        findings = [Finding(0.0, 0.0, 0.1, f"ID photo quality: {warning}.", None, "id_photo")
                    for warning in self.id_photo.warnings]
        similarities = self._similarities_to_id(self.samples)
        if not similarities.size:
            return findings
        p10, p25, median, p75, p90 = (float(v) for v in np.percentile(similarities, [10, 25, 50, 75, 90]))
        measurements.update({
            "id_similarity": round(median, 4),
            "id_similarity_spread": {"p10": round(p10, 3), "p25": round(p25, 3), "p75": round(p75, 3), "p90": round(p90, 3)},
            "id_match_share": round(self._share_matching_id(self.samples, similarities, weights), 3),
            "id_similarity_timeline": [[round(s.t, 2), round(float(v), 3)] for s, v in zip(self.samples, similarities)],
        })
        measurements["id_comparison"] = self._id_comparison()
        several = len({s.person for s in segments}) > 1
        for segment in segments:
            values = self._similarities_to_id(segment.samples)
            median = float(np.median(values))
            risk = id_risk(median)
            if risk < 0.4:
                continue
            who = f"Person {segment.person} ({_seconds(segment.start)} to {_seconds(segment.end)})" if several else "The face on camera"
            share = self._share_matching_id(segment.samples, values, weights)
            evidence = self._sample_ref(segment.samples[0].t, f"identity_id_mismatch_p{segment.person}_{segment.start:.1f}",
                                        f"ID similarity {median:.2f}")
            findings.append(Finding(segment.start, segment.end, risk,
                                    f"{who} does not match the ID photo: median similarity {median:.2f} "
                                    f"(same person from {SAME_PERSON_THRESHOLD:.2f}), {share:.0%} of the assessed time above.",
                                    None, "id_match", evidence))
        return findings

    def _change_findings(self, segments: list[IdentitySegment]) -> list[Finding]:
        if len(segments) < 2:
            return []
        first = segments[0].person
        first_centroid = unit(np.mean([s.embedding for seg in segments if seg.person == first for s in seg.samples], axis=0))
        findings = []
        for segment in segments[1:]:
            if segment.person == first:
                continue
            similarity = float(segment.centroid() @ first_centroid)
            evidence = self._sample_ref(segment.samples[0].t, f"identity_change_p{segment.person}_{segment.start:.1f}",
                                        f"person {segment.person}")
            findings.append(Finding(segment.start, segment.end, CHANGE_RISK,
                                    f"A different person appears from {_seconds(segment.start)} to {_seconds(segment.end)} "
                                    f"(similarity to the first person {similarity:.2f}; same person from {SAME_PERSON_THRESHOLD:.2f}).",
                                    None, "identity_change", evidence))
        return findings

    def _count_findings(self, duration: float) -> list[Finding]:
        if not self.times:
            return []
        times = np.array(self.times)
        counts = np.array(self.counts)
        steps = np.diff(np.append(times, max(duration, times[-1])))
        findings = []
        for kind, mask, minimum in (("extra", counts > 1, MIN_EXTRA_FACE_S), ("none", counts == 0, MIN_NO_FACE_S)):
            spans = _merge([Segment(t, t + d) for t, d, on in zip(times, steps, mask) if on], MERGE_GAP_S)
            for span in (s for s in spans if s.duration >= minimum):
                inside = span_mask(times, span) & mask
                kept = next((t for t in self.count_frames if t in span), None)
                if kind == "extra":
                    most = int(counts[inside].max())
                    evidence = self._count_ref(kept, f"identity_faces_{span.start:.1f}", "face")
                    findings.append(Finding(span.start, span.end, EXTRA_FACE_RISK,
                                            f"{most} faces are visible from {_seconds(span.start)} to {_seconds(span.end)}: "
                                            "someone else is in the picture.", None, "extra_faces", evidence))
                else:
                    evidence = self._count_ref(kept, f"identity_no_face_{span.start:.1f}", "")
                    findings.append(Finding(span.start, span.end, NO_FACE_RISK,
                                            f"No face is visible from {_seconds(span.start)} to {_seconds(span.end)}.",
                                            None, "no_face", evidence))
        return findings

    def _count_ref(self, t: float | None, name: str, label: str) -> EvidenceRef | None:
        if t is None:
            return None
        return EvidenceRef(t, name, tuple((*box, label) for box in self.count_frames[t]))

    # -- the repeat-face lookup (run by the session after assess, see interview.records.face_registry)

    def query_faces(self, ctx: SessionContext) -> list[QueryFace]:
        """What the registry is asked: each person's mean face on camera, and the ID photo's face."""
        segments = self._segments(self._duration(ctx))
        faces = [QueryFace("call", person, unit(np.mean([s.embedding for seg in segments if seg.person == person
                                                          for s in seg.samples], axis=0)))
                 for person in sorted({seg.person for seg in segments})]
        if self.id_photo is not None:
            faces.append(QueryFace("id_photo", None, self.id_photo.face.embedding))
        return faces

    def with_registry(self, result: CheckResult, ctx: SessionContext, report: RegistryReport | None,
                      error: str | None = None) -> CheckResult:
        """The result with the lookup's findings added (a repeat face raises risk like any finding)."""
        measurements = {**result.measurements, "face_registry": {"error": error} if error else
                        report.to_dict() if report is not None else None}
        if error:
            findings = [Finding(0.0, 0.0, 0.0, f"The face registry could not be searched: {error}", None, "face_registry")]
        elif report is not None:
            duration = self._duration(ctx)
            segments = self._segments(duration)
            findings = [self._repeat_finding(ctx, repeat, segments, duration, report) for repeat in report.repeats]
        else:
            findings = []
        return self._result(result.findings + findings, result.coverage, measurements, result.signals)

    def _repeat_finding(self, ctx: SessionContext, repeat: RepeatFace, segments: list[IdentitySegment], duration: float,
                        report: RegistryReport) -> Finding:
        earlier = repeat.earlier
        day = earlier.date[:10]
        if repeat.kind == "other_face":
            return Finding(0.0, duration, REPEAT_RISK,
                           f"An earlier round of this candidate ({day}) showed a different face: "
                           f"best similarity {repeat.similarity:.2f} (same person from {SAME_PERSON_THRESHOLD:.2f}).",
                           None, "repeat_face")
        name = f"identity_repeat_{report.analysis}_{earlier.analysis}"
        if repeat.face.source == "id_photo":
            what, t0, t1, evidence = "The ID photo", 0.0, duration, None
        else:
            spans = [seg for seg in segments if seg.person == repeat.face.person]
            what, t0, t1 = "The face on camera", spans[0].start, spans[-1].end
            evidence = self._sample_ref(spans[0].samples[0].t, name, f"= {earlier.candidate}")
        same_file = " It was the same recording file." if earlier.media_sha256 and earlier.media_sha256 == ctx.media.sha256 else ""
        return Finding(t0, t1, REPEAT_RISK,
                       f"{what} matches candidate '{earlier.candidate}' analysed on {day} "
                       f"(similarity {repeat.similarity:.2f}): the same person under another name.{same_file}",
                       None, "repeat_face", evidence)

    @classmethod
    def describe(cls, result: dict, measurements: dict, top: dict | None) -> tuple[str, str] | None:
        """With an ID photo, how well the face matched it is the story."""
        similarity = measurements.get("id_similarity")
        if similarity is None:
            return None
        threshold = measurements.get("id_threshold", SAME_PERSON_THRESHOLD)
        if similarity < threshold:
            return ("face does not match the ID photo",
                    f"face does not match the ID photo (similarity {similarity:.2f}, same person from {threshold:.2f})")
        if top is not None:
            return (f"face matches the ID photo, but {lower_first(top['reason'])}",
                    f"face matches the ID photo ({similarity:.2f}), but {lower_first(top['reason'])}")
        return "face matches the ID photo", f"face matches the ID photo (similarity {similarity:.2f})"

    @classmethod
    def cautions(cls, summary: dict) -> list[str]:
        if (summary.get("measurements") or {}).get("id_similarity") is not None:
            return []
        return ["No ID photo was given: identity only checks that the same face stays throughout."]

