"""Is the face ever small in the picture? A toy: it raises review when the main face was ever
narrower than a tenth of the frame, so a test can see a new check's concern reach every surface."""

from __future__ import annotations

from interview.checks.base import Check, CheckResult, Finding, SessionContext, status_for
from interview.evidence import EvidenceRef
from interview.observations import Frame, FrameObservation

SMALL_SHARE = 0.5  # of the frame width: every talking head is "small" by this, so the toy always speaks


class ToyCheck(Check):
    name = "toy"
    label = "Toy size check"
    question = "Is the face ever small in the picture?"
    reassurance = "the face filled the picture"
    concern = "a small face"
    next_steps = {None: "Ask the candidate to sit closer to the camera."}

    def __init__(self, config, inputs):
        super().__init__(config, inputs)
        self.seen = 0
        self.small: list[tuple[float, tuple[float, float, float, float]]] = []

    def update(self, obs: FrameObservation, frame: Frame) -> None:
        self.seen += 1
        face = obs.face
        if face is not None and face.box[2] < SMALL_SHARE * obs.width:
            if not self.small:
                self.frames.keep(obs.t, frame.image, face.box)
            self.small.append((obs.t, face.box))

    def assess(self, ctx: SessionContext) -> CheckResult:
        coverage = self.seen / ctx.analysed_frames if ctx.analysed_frames else 0.0
        if not self.small:
            return CheckResult(self.name, status_for(0.0, coverage), 0.0, coverage)
        t, box = self.small[0]
        finding = Finding(t, self.small[-1][0], 0.5, f"The face was small on {len(self.small)} frames", None, "small",
                          EvidenceRef(t, "toy_small_face", ((*box, "small"),)))
        return CheckResult(self.name, status_for(0.5, coverage), 0.5, coverage, [finding],
                           {"toy_small_frames": len(self.small)})
