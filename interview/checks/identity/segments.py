"""Who is on camera over time: the main face's embeddings cut into spans of one person each.

Each sample is compared with the current person's exemplars (a few diverse embeddings of them, so
a turned head still finds a close match). A change is confirmed only when `confirm` consecutive
samples match none of them and agree among themselves (every pair at or above the same-person
threshold): one blurred or turned frame is not a new person, and neither is a flicker between two
faces. The new span then starts at its first sample. The newcomer may be someone seen before
(A, then B, then A again), so it is first compared with the earlier people.

    tracker = IdentityTracker()
    for sample in samples:
        tracker.push(sample)
    spans = tracker.segments(end=duration)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD

CONFIRM_SAMPLES = 3  # ~3 s at one embedding a second (a frontal face)
MAX_EXEMPLARS = 24
EXEMPLAR_NOVELTY = 0.9  # a sample joins the exemplars when no exemplar is this similar to it


@dataclass(frozen=True)
class FaceSample:
    t: float
    embedding: np.ndarray  # L2-normalised
    box: tuple[float, float, float, float]


@dataclass
class IdentitySegment:
    person: int  # 1, 2, ... in order of first appearance
    start: float
    end: float
    samples: list[FaceSample] = field(default_factory=list)

    def centroid(self) -> np.ndarray:
        return unit(np.mean([s.embedding for s in self.samples], axis=0))


def unit(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) + 1e-12)


class IdentityTracker:
    def __init__(self, threshold: float = SAME_PERSON_THRESHOLD, confirm: int = CONFIRM_SAMPLES):
        self.threshold = threshold
        self.confirm = confirm
        self._exemplars: list[list[np.ndarray]] = []  # per person (0-based while tracking)
        self._segments: list[IdentitySegment] = []
        self._pending: list[FaceSample] = []

    def _similarity(self, person: int, embedding: np.ndarray) -> float:
        return float(np.max(np.stack(self._exemplars[person]) @ embedding))

    def _learn(self, person: int, embedding: np.ndarray) -> None:
        exemplars = self._exemplars[person]
        if len(exemplars) < MAX_EXEMPLARS and self._similarity(person, embedding) < EXEMPLAR_NOVELTY:
            exemplars.append(embedding)

    def _start(self, samples: list[FaceSample]) -> None:
        """A new span from `samples`: a returning person if one matches them, else a new one."""
        centre = unit(np.mean([s.embedding for s in samples], axis=0))
        current = self._segments[-1].person if self._segments else -1
        known = [(self._similarity(p, centre), p) for p in range(len(self._exemplars)) if p != current]
        best, person = max(known, default=(-1.0, -1))
        if best < self.threshold:
            person = len(self._exemplars)
            self._exemplars.append([samples[0].embedding])
        for sample in samples:
            self._learn(person, sample.embedding)
        self._segments.append(IdentitySegment(person, samples[0].t, samples[-1].t, list(samples)))

    def _consistent(self, samples: list[FaceSample]) -> bool:
        embeddings = np.stack([s.embedding for s in samples])
        return bool((embeddings @ embeddings.T).min() >= self.threshold)

    def continuing(self, embeddings: list[np.ndarray]) -> int | None:
        """Which of several faces on one frame is the person being followed (the most similar one
        at or above the threshold), or None when none is: with two faces in the picture, the main
        person is the one who was there, not whichever face happens to be largest (a bystander
        leaning in, a face on a screen behind)."""
        if not self._segments:
            return None
        similarities = [self._similarity(self._segments[-1].person, e) for e in embeddings]
        best = int(np.argmax(similarities))
        return best if similarities[best] >= self.threshold else None

    @property
    def pending_times(self) -> list[float]:
        """Samples that may be the start of a new person (callers keep their frames for evidence)."""
        return [s.t for s in self._pending]

    @property
    def segment_starts(self) -> list[float]:
        return [s.start for s in self._segments]

    def push(self, sample: FaceSample) -> None:
        if not self._segments:
            self._start([sample])
            return
        current = self._segments[-1]
        if self._similarity(current.person, sample.embedding) >= self.threshold:
            current.samples.append(sample)
            current.end = sample.t
            self._learn(current.person, sample.embedding)
            self._pending.clear()  # what did not match was a passing glitch
            return
        self._pending.append(sample)
        while len(self._pending) >= self.confirm:
            if self._consistent(self._pending[:self.confirm]):
                self._start(self._pending)
                self._pending = []
            else:
                self._pending.pop(0)

    def segments(self, end: float) -> list[IdentitySegment]:
        """The spans so far, each running until the next one starts (the last until `end`).
        Only the first span can be shorter than `confirm` samples (later ones start with that
        many); if another follows, that first sample was a glitch and the next span takes its
        place. People are numbered in order of appearance."""
        spans = [IdentitySegment(s.person, s.start, s.end, list(s.samples)) for s in self._segments]
        if len(spans) > 1 and len(spans[0].samples) < self.confirm:
            spans[1].start = spans[0].start
            spans = spans[1:]
        merged: list[IdentitySegment] = []
        for span in spans:
            if merged and merged[-1].person == span.person:
                merged[-1].samples += span.samples
            else:
                merged.append(span)
        labels: dict[int, int] = {}
        for i, span in enumerate(merged):
            span.person = labels.setdefault(span.person, len(labels) + 1)
            span.end = merged[i + 1].start if i + 1 < len(merged) else max(end, span.end)
        return merged
