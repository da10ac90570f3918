"""Face consistency: is the person on camera the person on the ID, the same person all along,
alone, and not someone already seen under another name?

Evidence comes from the main (largest) face's identity embedding, sampled every ~0.5 s. Samples
with the head turned far away or a face too small to identify are not assessed: SFace is
unreliable there (on dev-media/D_presentation_attack/tv_real.mp4 a head tilted 26-32 degrees up
fell to 0.24-0.52 against the same man's frontal frames), and they would drag the ID similarity
down. (The spans of one person hold without this filter too: tv_real and tv_fake stay one person
at 5 and 15 fps.) What is left is compared with the ID photo (a
similarity timeline, its median, spread and share above the same-person threshold), cut into spans
of one person (interview/checks/identity/segments.py), and looked up in the face registry of earlier
analyses (interview/records/face_registry.py). Face counts on every analysed frame give the spans with
extra faces or none.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from interview.checks.base import CheckResult, Finding, SessionContext, status_for
from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD
from interview.checks.identity.id_photo import MIN_EYE_DISTANCE_PX, IdPhoto, read_id_photo
from interview.checks.identity.segments import FaceSample, IdentitySegment, IdentityTracker, unit
from interview.config import AnalysisConfig
from interview.evidence import save_evidence
from interview.images import ImageError, load_photo
from interview.observations import Frame, FrameObservation
from interview.records.face_registry import FaceRegistry, QueryFace, RegistryReport, RepeatFace
from interview.timeline import total_duration
from models.outputs import Segment

MAX_YAW = 40.0  # degrees; beyond, SFace similarity of the same person drops
MAX_PITCH = 25.0
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
SNAPSHOT_AFTER_S = 0.25  # a face-count run keeps its frame once it outlasts a landmarker flicker


@dataclass(frozen=True)
class Snapshot:
    """An analysed frame kept for evidence, with the boxes to mark on it."""

    t: float
    image: np.ndarray
    boxes: tuple[tuple[float, float, float, float], ...]


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


class IdentityCheck:
    name = "identity"

    def __init__(self, config: AnalysisConfig):
        self.config = config
        self.step = config.policy.embed_every_s
        self.id_photo: IdPhoto | None = None
        self.id_problem: str | None = None
        if config.id_photo is not None:
            try:
                self.id_photo = read_id_photo(config.id_photo)
            except ImageError as exc:
                self.id_problem = exc.problem
        self.tracker = IdentityTracker()
        self.samples: list[FaceSample] = []  # assessable main-face samples
        self.skipped = 0  # main faces seen but not assessable (pose, size)
        self.embedded_at: list[float] = []  # every frame the identity model ran on
        self.times: list[float] = []
        self.counts: list[int] = []
        self.max_faces = 0
        self.weights: dict[float, float] = {}  # seconds each assessed sample speaks for (set in finish)
        self.snapshots: dict[float, Snapshot] = {}  # identity evidence, pruned to what may be needed
        self.id_extremes: dict[str, tuple[float, Snapshot]] = {}  # "best"/"worst" (similarity, frame) to the ID
        self.count_snapshots: list[Snapshot] = []
        self._run_start: dict[str, float | None] = {"extra": None, "none": None}
        self._run_saved: dict[str, bool] = {"extra": False, "none": False}

    # -- streaming -------------------------------------------------------------------------------

    def update(self, obs: FrameObservation, frame: Frame) -> None:
        count = max(len(obs.faces), len(obs.identities or ()))
        self.times.append(obs.t)
        self.counts.append(count)
        self.max_faces = max(self.max_faces, count)
        self._track_count_runs(obs, frame, count)
        if obs.identities is not None:
            self.embedded_at.append(obs.t)
        if obs.identities:
            self._identity_sample(obs, frame)

    def _track_count_runs(self, obs: FrameObservation, frame: Frame, count: int) -> None:
        """Keep one frame per extra-face or no-face run once it is more than a flicker."""
        for kind, active in (("extra", count > 1), ("none", count == 0)):
            if not active:
                self._run_start[kind], self._run_saved[kind] = None, False
                continue
            if self._run_start[kind] is None:
                self._run_start[kind] = obs.t
            if (not self._run_saved[kind] and obs.t - self._run_start[kind] >= SNAPSHOT_AFTER_S
                    and len(self.count_snapshots) < MAX_COUNT_EVIDENCE):
                boxes = tuple(f.box for f in obs.faces) or tuple(i.box for i in obs.identities or ())
                self.count_snapshots.append(Snapshot(obs.t, frame.image.copy(), boxes))
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
        if eyes < MIN_EYE_DISTANCE_PX or (pose is not None and (abs(pose.yaw) > MAX_YAW or abs(pose.pitch) > MAX_PITCH)):
            self.skipped += 1
            return
        sample = FaceSample(obs.t, main.embedding, main.box)
        self.samples.append(sample)
        self.tracker.push(sample)
        self.snapshots[obs.t] = Snapshot(obs.t, frame.image.copy(), (main.box,))
        if self.id_photo is not None:
            self._keep_extremes(float(main.embedding @ self.id_photo.face.embedding), self.snapshots[obs.t])
        wanted = set(self.tracker.pending_times) | set(self.tracker.segment_starts)
        self.snapshots = {t: s for t, s in self.snapshots.items() if t in wanted}

    def _keep_extremes(self, similarity: float, snapshot: Snapshot) -> None:
        """The frames that match the ID best and worst: what a reviewer compares the ID photo with."""
        for key, better in (("best", similarity > self.id_extremes.get("best", (-2.0,))[0]),
                            ("worst", similarity < self.id_extremes.get("worst", (2.0,))[0])):
            if better:
                self.id_extremes[key] = (similarity, snapshot)

    def _id_comparison(self, ctx: SessionContext) -> dict | None:
        """The ID photo's face beside the best- and worst-matching frames, saved as evidence."""
        if self.id_photo is None or not self.id_extremes or ctx.evidence_dir is None:
            return None
        x, y, w, h = self.id_photo.face.box
        margin = 0.35 * max(w, h)
        photo = load_photo(self.id_photo.path)
        top, left = max(0, round(y - margin)), max(0, round(x - margin))
        crop = photo[top:round(y + h + margin), left:round(x + w + margin)][:, :, ::-1]
        comparison = {"id_face": save_evidence(np.ascontiguousarray(crop), ctx.evidence_dir, "identity_id_face")}
        for key, (similarity, snapshot) in self.id_extremes.items():
            frame = self._evidence(ctx, snapshot, f"identity_{key}_match_{snapshot.t:.1f}", f"{similarity:.2f}")
            comparison[key] = {"t": round(snapshot.t, 2), "similarity": round(similarity, 3), "frame": frame}
        return comparison

    # -- results ---------------------------------------------------------------------------------

    def finish(self, ctx: SessionContext) -> CheckResult:
        duration = ctx.media.duration_s or (self.times[-1] if self.times else 0.0)
        end = min(duration, self.samples[-1].t + self.step) if self.samples else duration
        segments = self.tracker.segments(end) if self.samples else []
        spans = [Segment(s.t, min(self._next_embedding(s.t), s.t + 2 * self.step, duration or np.inf)) for s in self.samples]
        self.weights = {s.t: span.duration for s, span in zip(self.samples, spans)}
        coverage = min(1.0, total_duration(spans) / duration) if duration else 0.0

        findings: list[Finding] = []
        measurements: dict = {"max_faces": self.max_faces, "id_threshold": SAME_PERSON_THRESHOLD}
        findings += self._id_findings(ctx, segments, measurements)
        findings += self._change_findings(ctx, segments)
        findings += self._count_findings(ctx, duration)
        findings += self._registry_findings(ctx, segments, duration, measurements)
        measurements["identity_segments"] = [
            {"start": round(s.start, 2), "end": round(s.end, 2), "person": s.person, "samples": len(s.samples),
             "id_similarity": self._median_to_id(s.samples)} for s in segments]
        measurements["identity_samples"] = {"assessed": len(self.samples), "skipped_pose_or_size": self.skipped}
        risk = max((f.risk for f in findings), default=0.0)
        return CheckResult(self.name, status_for(risk, coverage), risk, coverage,
                           sorted(findings, key=lambda f: (f.t0, -f.risk)), measurements)

    def _next_embedding(self, t: float) -> float:
        """When the identity model ran next after `t`: a sample speaks for the time until then."""
        i = bisect_right(self.embedded_at, t)
        return self.embedded_at[i] if i < len(self.embedded_at) else t + self.step

    def _evidence(self, ctx: SessionContext, snapshot: Snapshot | None, name: str, label: str) -> str | None:
        if snapshot is None or ctx.evidence_dir is None:
            return None
        return save_evidence(snapshot.image, ctx.evidence_dir, name, [(*box, label) for box in snapshot.boxes])

    def _similarities_to_id(self, samples: list[FaceSample]) -> np.ndarray:
        if self.id_photo is None or not samples:
            return np.empty(0)
        return np.stack([s.embedding for s in samples]) @ self.id_photo.face.embedding

    def _share_matching_id(self, samples: list[FaceSample], similarities: np.ndarray) -> float:
        """Share of the assessed time (each sample speaks until the next) at or above the threshold."""
        weights = np.array([self.weights[s.t] for s in samples]) + 1e-9
        return float(np.average(similarities >= SAME_PERSON_THRESHOLD, weights=weights))

    def _median_to_id(self, samples: list[FaceSample]) -> float | None:
        similarities = self._similarities_to_id(samples)
        return round(float(np.median(similarities)), 4) if similarities.size else None

    def _id_findings(self, ctx: SessionContext, segments: list[IdentitySegment], measurements: dict) -> list[Finding]:
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
            "id_match_share": round(self._share_matching_id(self.samples, similarities), 3),
            "id_similarity_timeline": [[round(s.t, 2), round(float(v), 3)] for s, v in zip(self.samples, similarities)],
        })
        measurements["id_comparison"] = self._id_comparison(ctx)
        several = len({s.person for s in segments}) > 1
        for segment in segments:
            values = self._similarities_to_id(segment.samples)
            median = float(np.median(values))
            risk = id_risk(median)
            if risk < 0.4:
                continue
            who = f"Person {segment.person} ({_seconds(segment.start)} to {_seconds(segment.end)})" if several else "The face on camera"
            share = self._share_matching_id(segment.samples, values)
            frame = self._evidence(ctx, self.snapshots.get(segment.samples[0].t), f"identity_id_mismatch_p{segment.person}_{segment.start:.1f}",
                                   f"ID similarity {median:.2f}")
            findings.append(Finding(segment.start, segment.end, risk,
                                    f"{who} does not match the ID photo: median similarity {median:.2f} "
                                    f"(same person from {SAME_PERSON_THRESHOLD:.2f}), {share:.0%} of the assessed time above.",
                                    frame, "id_match"))
        return findings

    def _change_findings(self, ctx: SessionContext, segments: list[IdentitySegment]) -> list[Finding]:
        if len(segments) < 2:
            return []
        first = segments[0].person
        first_centroid = unit(np.mean([s.embedding for seg in segments if seg.person == first for s in seg.samples], axis=0))
        findings = []
        for segment in segments[1:]:
            if segment.person == first:
                continue
            similarity = float(segment.centroid() @ first_centroid)
            frame = self._evidence(ctx, self.snapshots.get(segment.samples[0].t), f"identity_change_p{segment.person}_{segment.start:.1f}",
                                   f"person {segment.person}")
            findings.append(Finding(segment.start, segment.end, CHANGE_RISK,
                                    f"A different person appears from {_seconds(segment.start)} to {_seconds(segment.end)} "
                                    f"(similarity to the first person {similarity:.2f}; same person from {SAME_PERSON_THRESHOLD:.2f}).",
                                    frame, "identity_change"))
        return findings

    def _count_findings(self, ctx: SessionContext, duration: float) -> list[Finding]:
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
                snapshot = next((s for s in self.count_snapshots if s.t in span), None)
                if kind == "extra":
                    most = int(counts[inside].max())
                    frame = self._evidence(ctx, snapshot, f"identity_faces_{span.start:.1f}", "face")
                    findings.append(Finding(span.start, span.end, EXTRA_FACE_RISK,
                                            f"{most} faces are visible from {_seconds(span.start)} to {_seconds(span.end)}: "
                                            "someone else is in the picture.", frame, "extra_faces"))
                else:
                    frame = self._evidence(ctx, snapshot, f"identity_no_face_{span.start:.1f}", "")
                    findings.append(Finding(span.start, span.end, NO_FACE_RISK,
                                            f"No face is visible from {_seconds(span.start)} to {_seconds(span.end)}.",
                                            frame, "no_face"))
        return findings

    def _registry_findings(self, ctx: SessionContext, segments: list[IdentitySegment], duration: float,
                           measurements: dict) -> list[Finding]:
        from models.deepface_store import StoreError

        measurements["face_registry"] = None
        faces = [QueryFace("call", person, unit(np.mean([s.embedding for seg in segments if seg.person == person
                                                          for s in seg.samples], axis=0)))
                 for person in sorted({seg.person for seg in segments})]
        if self.id_photo is not None:
            faces.append(QueryFace("id_photo", None, self.id_photo.face.embedding))
        try:
            registry = FaceRegistry.for_config(self.config)
            if registry is None:
                return []
            try:
                report = registry.check_and_remember(ctx.candidate, faces, ctx.media.sha256, self.config.store_face)
            finally:
                registry.close()
        except StoreError as exc:
            measurements["face_registry"] = {"error": str(exc)}
            return [Finding(0.0, 0.0, 0.0, f"The face registry could not be searched: {exc}", None, "face_registry")]
        measurements["face_registry"] = report.to_dict()
        return [self._repeat_finding(ctx, repeat, segments, duration, report) for repeat in report.repeats]

    def _repeat_finding(self, ctx: SessionContext, repeat: RepeatFace, segments: list[IdentitySegment], duration: float,
                        report: RegistryReport) -> Finding:
        earlier = repeat.earlier
        day = earlier.date[:10]
        if repeat.kind == "other_face":
            return Finding(0.0, duration, REPEAT_RISK,
                           f"An earlier round of this candidate ({day}) showed a different face: "
                           f"best similarity {repeat.similarity:.2f} (same person from {SAME_PERSON_THRESHOLD:.2f}).",
                           None, "repeat_face")
        if repeat.face.source == "id_photo":
            what, t0, t1, snapshot = "The ID photo", 0.0, duration, None
        else:
            spans = [seg for seg in segments if seg.person == repeat.face.person]
            what, t0, t1 = "The face on camera", spans[0].start, spans[-1].end
            snapshot = self.snapshots.get(spans[0].samples[0].t)
        frame = self._evidence(ctx, snapshot, f"identity_repeat_{report.analysis}_{earlier.analysis}", f"= {earlier.candidate}")
        same_file = " It was the same recording file." if earlier.media_sha256 and earlier.media_sha256 == ctx.media.sha256 else ""
        return Finding(t0, t1, REPEAT_RISK,
                       f"{what} matches candidate '{earlier.candidate}' analysed on {day} "
                       f"(similarity {repeat.similarity:.2f}): the same person under another name.{same_file}",
                       frame, "repeat_face")

