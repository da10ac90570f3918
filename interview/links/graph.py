"""Links between analyses under different names, and the clusters of names they tie together.

Every trait kind compares two records of that kind and says whether they are the same person's (or camera's)
(kind, similarity, threshold, evidence). Records of one analysis are compared with those of
analyses under another candidate name; an unnamed analysis links to nobody (it names no one).
Names tied directly or through others form a cluster; a cluster tied by more than one kind of
link is the pattern of one operative behind many identities.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD
from interview.links.answers import ANSWER_THRESHOLD, Passage, best_pair
from interview.links.camera import CAMERA_THRESHOLD, camera_evidence, camera_similarity
from interview.links.room import ROOM_THRESHOLD, room_matches
from interview.links.store import TraitRecord
from interview.links.voice import VOICE_THRESHOLD
from interview.records.face_registry import same_candidate

THRESHOLDS = {"face": SAME_PERSON_THRESHOLD, "voice": VOICE_THRESHOLD, "answers": ANSWER_THRESHOLD, "room": ROOM_THRESHOLD,
              "camera": CAMERA_THRESHOLD}


@dataclass(frozen=True)
class Side:
    candidate: str
    analysis: str
    date: str


@dataclass(frozen=True)
class Link:
    """Two analyses under different names that share a trait."""

    kind: str  # "face", "voice", "answers", "room" (corners agreeing on one camera move), "camera" (sensor-noise PCE)
    a: Side
    b: Side
    similarity: float
    threshold: float
    evidence: dict  # answers: the two passages side by side; camera: size, frames, chance

    def to_dict(self) -> dict:
        return {"kind": self.kind, "a": vars(self.a), "b": vars(self.b), "similarity": round(self.similarity, 3),
                "threshold": self.threshold, "evidence": self.evidence}


@dataclass(frozen=True)
class Cluster:
    names: list[str]
    kinds: list[str]
    links: int

    def to_dict(self) -> dict:
        return {"names": self.names, "kinds": self.kinds, "links": self.links}


def _similarity(a: TraitRecord, b: TraitRecord) -> tuple[float, dict]:
    if a.kind == "answers":
        passages = [[Passage(**p) for p in r.payload["passages"]] for r in (a, b)]
        best = best_pair(*passages)
        if best is None:
            return 0.0, {}
        score, pa, pb = best
        return score, {"passage_a": pa.to_dict(), "passage_b": pb.to_dict()}
    if a.kind == "room":
        return float(room_matches(a.payload, b.payload)), {}
    if a.kind == "camera":
        score = camera_similarity(a.payload, b.payload)
        return score, camera_evidence(a.payload, b.payload, score)
    return float(np.dot(a.vector, b.vector)), {}


def compare(a: TraitRecord, b: TraitRecord) -> Link | None:
    """A link when the two records are of one kind, under different names, and at or above its threshold."""
    if a.kind != b.kind or a.candidate is None or b.candidate is None or same_candidate(a.candidate, b.candidate):
        return None
    score, evidence = _similarity(a, b)
    if score < THRESHOLDS[a.kind]:
        return None
    return Link(a.kind, Side(a.candidate, a.analysis, a.date), Side(b.candidate, b.analysis, b.date), score,
                THRESHOLDS[a.kind], evidence)


def _strongest(links: list[Link]) -> list[Link]:
    """One link per kind and pair of analyses (a face registry keeps several faces per analysis)."""
    best: dict[tuple, Link] = {}
    for link in links:
        key = (link.kind, *sorted((link.a.analysis, link.b.analysis)))
        if key not in best or link.similarity > best[key].similarity:
            best[key] = link
    return sorted(best.values(), key=lambda l: (l.a.date, l.b.date, l.kind))


def links_to(new: list[TraitRecord], earlier: list[TraitRecord]) -> list[Link]:
    """Links from this analysis' records to earlier ones."""
    return _strongest([link for a in new for b in earlier if (link := compare(a, b))])


def all_links(records: list[TraitRecord]) -> list[Link]:
    """Every link among stored records."""
    return _strongest([link for a, b in itertools.combinations(records, 2)
                       if a.analysis != b.analysis and (link := compare(a, b))])


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def clusters(links: list[Link]) -> list[Cluster]:
    """Names tied by links, directly or through others; the largest first."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    shown: dict[str, str] = {}
    for link in links:
        for side in (link.a, link.b):
            shown.setdefault(_key(side.candidate), side.candidate)
        parent[root(_key(link.a.candidate))] = root(_key(link.b.candidate))
    groups: dict[str, list[Link]] = {}
    for link in links:
        groups.setdefault(root(_key(link.a.candidate)), []).append(link)
    found = [Cluster(sorted({shown[_key(s.candidate)] for l in group for s in (l.a, l.b)}),
                     sorted({l.kind for l in group}), len(group)) for group in groups.values()]
    return sorted(found, key=lambda c: (-len(c.names), -len(c.kinds), c.names))
