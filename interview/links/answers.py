"""Reused answers: the same scripted passage spoken by candidates under different names.

A passage is a candidate turn of the transcript. Two passages are compared by their shingles:
pairs of consecutive content words once the function words and stock vocabulary are dropped, so
stock phrases ("thank you for the question", "that is a good question") share next to nothing;
the similarity is the share of the shorter passage's shingles found in the other (containment: a
script read inside a longer answer still counts). Pairs, not longer runs, because Whisper mishears
a word in five on synthetic or accented speech: one script read in two espeak voices keeps half
its pairs but under a fifth of its 5-word runs. Exact sets, not MinHash: a registry of thousands
of passages compares in well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SHINGLE = 2
ANSWER_THRESHOLD = 0.35  # share of the shorter passage's shingles (README, Links: unrelated dev transcripts reach 0.0)
MIN_SHINGLES = 8  # a passage this short (about 20 words) is too generic to tie two people
STOPWORDS = frozenset("""
a about after again all also am an and any are as at be because been before being but by can could did do does
doing don't for from had has have having he her here hers him his how i i'm if in into is it it's its just me
more most my no not now of on once only or other our out over own really so some such than that that's the their
them then there these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yeah well okay ok um uh like know think thank thanks question good
great sure right yes
""".split())


@dataclass(frozen=True)
class Passage:
    start: float
    end: float
    text: str

    def to_dict(self) -> dict:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def shingles(text: str) -> set[tuple[str, ...]]:
    """Runs of SHINGLE consecutive content words."""
    tokens = [w for w in words(text) if w not in STOPWORDS]
    return {tuple(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def passage_similarity(a: str, b: str) -> float:
    """Share of the shorter passage's shingles found in the other (0 when either is too short)."""
    sa, sb = shingles(a), shingles(b)
    if min(len(sa), len(sb)) < MIN_SHINGLES:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def best_pair(a: list[Passage], b: list[Passage]) -> tuple[float, Passage, Passage] | None:
    """The most similar pair of passages, one from each side."""
    scored = [(passage_similarity(pa.text, pb.text), pa, pb) for pa in a for pb in b]
    return max(scored, key=lambda s: s[0]) if scored else None
