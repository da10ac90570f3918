"""Active liveness challenges: what the interviewer may ask for, and how each answer is verified.

A challenge is marked "KIND asked at t" (CLI `--challenge KIND@SECONDS`, or the UI). The response
is then looked for in the observations of the following seconds and reported with its onset, its
latency against a human baseline, pass or fail, and what was seen. The read-phrase challenge
carries its phrase in the kind: `read_phrase:amber falcon ninety` (`new_kind("read_phrase")` makes
one with a fresh random phrase, to be shown to the candidate for the first time).

Conventions: `asked_s` is when the request was complete (said, or shown on screen). Left and right
are the candidate's own, in an unmirrored recording (what a call records and sends): turning to
one's left moves the nose to the image's right, which is positive yaw. Thresholds are MediaPipe's
angles, which understate large turns: the 3/4 profile of tv_real.mp4 at 5 s measures 44 degrees.
Latency baselines are rule-of-thumb values for an attentive person (simple reaction to a spoken
request plus starting the movement), not measured here; real-time face swaps and relays add
roughly 300-500 ms, so a response that is slow every time is itself worth a look.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import numpy as np

from interview.checks.base import ChallengeMark
from interview.checks.liveness.blinks import find_blinks
from interview.checks.liveness.track import TrackArrays
from interview.observations import AudioAnalysis

TURN_DEG = 35.0  # yaw a profile turn must reach
LOOK_UP_DEG = 20.0
ONSET_DEG = 4.0  # a movement starts where the head has left its pose at the request by this much
SMILE_RISE = 0.3
HAND_OVERLAP = 0.25  # share of the face box a hand's box must cover
# A nod: the head dips this far below its pose at the request and comes back up by half of it
# within NOD_S. Talking heads dip 10-16 degrees in well under a second now and then (dfdc's real
# clip at 6.1 s, bench/genuine_turns.py caches their poses); a deliberate nod does more.
NOD_DEG, NOD_S = 10.0, 1.5
# A wave: the hand's centre turns back and forth WAVE_TURNS times, each swing at least WAVE_SWING
# face widths, while the hand is within WAVE_REACH face widths of the face (beside it, not off-screen).
WAVE_TURNS, WAVE_SWING, WAVE_REACH = 2, 0.3, 2.5
PHRASE_MATCH = 0.67  # share of the phrase's words heard, in order
WORD_TIME_ERROR_S = 0.6  # how far a Whisper word start may be from the true one


@dataclass(frozen=True)
class ChallengeKind:
    """One entry of the catalogue: what to ask and how long to wait for the answer."""

    kind: str
    prompt: str  # what the interviewer says, or the candidate sees
    passes_when: str  # the rule, for the report
    window_s: float  # the response is looked for in [asked_s, asked_s + window_s]
    typical_ms: int  # an attentive person usually starts within this
    slow_ms: int  # slower than this is noted as slow
    needs_hands: bool = False


CATALOGUE: dict[str, ChallengeKind] = {c.kind: c for c in (
    ChallengeKind("turn_left", "Please turn your head slowly to your left until we see your profile, then back.",
                  f"yaw beyond {TURN_DEG:.0f} degrees to the candidate's left, then back towards the camera",
                  8.0, 1500, 2500),
    ChallengeKind("turn_right", "Please turn your head slowly to your right until we see your profile, then back.",
                  f"yaw beyond {TURN_DEG:.0f} degrees to the candidate's right, then back towards the camera",
                  8.0, 1500, 2500),
    ChallengeKind("look_up", "Please look up at the ceiling, then back at the camera.",
                  f"pitch above {LOOK_UP_DEG:.0f} degrees, then back", 8.0, 1500, 2500),
    ChallengeKind("hand_over_face", "Please pass your hand slowly in front of your face.",
                  f"a hand covering at least {HAND_OVERLAP:.0%} of the face, and the face visible again after",
                  6.0, 2000, 3500, needs_hands=True),
    ChallengeKind("nod", "Please nod your head, quickly.",
                  f"the head dips {NOD_DEG:.0f} degrees or more below its pose and comes back within {NOD_S:.1f} s",
                  6.0, 1200, 2500),
    ChallengeKind("wave_hand", "Please wave your hand beside your face.",
                  f"a hand beside the face swinging back and forth ({WAVE_TURNS} turns of at least "
                  f"{WAVE_SWING:.0%} of the face's width)", 6.0, 1500, 3000, needs_hands=True),
    ChallengeKind("blink_twice", "Please blink twice.", "two blinks", 5.0, 1500, 3000),
    ChallengeKind("smile", "Please give us a big smile.", f"smile blendshape up by {SMILE_RISE} or more", 5.0, 1500, 2500),
    ChallengeKind("read_phrase", "Please read aloud the words on your screen.",
                  f"at least {PHRASE_MATCH:.0%} of the phrase's words heard in order in the transcript",
                  15.0, 2000, 3500),
)}

# Short common words Whisper transcribes reliably; 3 of them give 40^3 = 64000 phrases.
_WORDS = ("amber", "river", "falcon", "garden", "silver", "orange", "window", "pencil", "thunder", "harbor",
          "violet", "basket", "candle", "forest", "marble", "pepper", "rocket", "summer", "tiger", "yellow",
          "bridge", "coffee", "dragon", "engine", "farmer", "guitar", "island", "jacket", "kitten", "lemon",
          "mountain", "number", "ocean", "planet", "rabbit", "sugar", "tomato", "valley", "winter", "zebra")


def random_phrase(words: int = 3) -> str:
    """A fresh phrase of common words, drawn with a cryptographic RNG so it cannot be predicted."""
    return " ".join(secrets.choice(_WORDS) for _ in range(words))


# What the live panel's buttons, its table and the report call each kind (one wording everywhere).
LABELS = {"turn_left": "Turn to your left", "turn_right": "Turn to your right", "look_up": "Look up",
          "hand_over_face": "Hand in front of the face", "nod": "Nod", "wave_hand": "Wave a hand",
          "blink_twice": "Blink twice", "smile": "Smile", "read_phrase": "Read a phrase"}


def label_of(text: str) -> str:
    """'Read a phrase: “amber river falcon”' for the marked kind 'read_phrase:amber river falcon'."""
    kind, argument = split_kind(text)
    label = LABELS.get(kind, kind.replace("_", " ").capitalize())
    return f"{label}: “{argument}”" if argument else label


def split_kind(text: str) -> tuple[str, str]:
    """("read_phrase", "amber river falcon") from "read_phrase:amber river falcon"; ("smile", "") from "smile"."""
    kind, _, argument = text.partition(":")
    return kind.strip(), argument.strip()


def validate_kind(text: str) -> str:
    """The kind text itself, or ValueError naming the known kinds."""
    kind, argument = split_kind(text)
    if kind not in CATALOGUE:
        raise ValueError(f"unknown challenge {kind!r}; known: {', '.join(CATALOGUE)}")
    if kind == "read_phrase" and not _tokens(argument):
        raise ValueError("read_phrase needs its phrase, e.g. read_phrase:amber river falcon@31.5")
    return text


def parse_mark(text: str) -> ChallengeMark:
    """'turn_left@12.5' -> ChallengeMark, or ValueError saying what is wrong."""
    kind, sep, seconds = text.strip().rpartition("@")
    try:
        if not sep or not kind:
            raise ValueError
        mark = ChallengeMark(kind=kind.strip(), asked_s=float(seconds))
    except ValueError:
        raise ValueError(f"expected KIND@SECONDS such as turn_left@12.5, got {text!r}") from None
    validate_kind(mark.kind)
    return mark


def new_kind(kind: str) -> str:
    """The kind text to mark, with a fresh phrase for read_phrase."""
    validate_kind(kind if kind != "read_phrase" else f"{kind}:x")
    return f"read_phrase:{random_phrase()}" if kind == "read_phrase" else kind


def prompt(text: str) -> str:
    """What to say or show for a marked kind (the phrase itself for read_phrase)."""
    kind, argument = split_kind(text)
    return f"{CATALOGUE[kind].prompt} \u201c{argument}\u201d" if argument else CATALOGUE[kind].prompt


@dataclass(frozen=True)
class ChallengeResult:
    kind: str
    asked_s: float
    onset_s: float | None
    passed: bool | None  # None: could not be checked (no transcript, recording ended)
    detail: str
    evidence_t: float | None = None

    @property
    def response_ms(self) -> int | None:
        return None if self.onset_s is None else int(round((self.onset_s - self.asked_s) * 1000))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "asked_s": round(self.asked_s, 2),
                "onset_s": None if self.onset_s is None else round(self.onset_s, 2),
                "response_ms": self.response_ms, "passed": self.passed, "detail": self.detail}


def latency_note(kind: str, response_ms: int | None) -> str:
    """The response time against the human baseline, in words."""
    if response_ms is None:
        return ""
    spec = CATALOGUE[split_kind(kind)[0]]
    if response_ms < 0:
        return f"movement began {-response_ms} ms before the request was complete"
    judgement = ("within the usual range" if response_ms <= spec.typical_ms
                 else "slow" if response_ms >= spec.slow_ms else "a little slow")
    return f"response began {response_ms} ms after the request, {judgement} (people usually start within {spec.typical_ms} ms)"


def is_slow(result: ChallengeResult) -> bool:
    return result.response_ms is not None and result.response_ms >= CATALOGUE[split_kind(result.kind)[0]].slow_ms


def hand_window(mark: ChallengeMark) -> tuple[float, float] | None:
    """Seconds during which hands should be looked for, for a hand challenge."""
    spec = CATALOGUE.get(split_kind(mark.kind)[0])
    return (mark.asked_s, mark.asked_s + spec.window_s) if spec is not None and spec.needs_hands else None


def in_hand_window(marks: list[ChallengeMark], t: float) -> bool:
    """Whether t falls in the response window of any hand challenge among `marks`."""
    return any(w[0] <= t <= w[1] for w in map(hand_window, marks) if w is not None)


def verify(mark: ChallengeMark, track: TrackArrays, hands: dict[float, tuple[np.ndarray, ...]],
           audio: AudioAnalysis | None) -> ChallengeResult:
    """Check one challenge against what was observed after it was asked."""
    kind, argument = split_kind(mark.kind)
    if kind not in CATALOGUE:
        return ChallengeResult(mark.kind, mark.asked_s, None, None,
                               f"Unknown challenge (known: {', '.join(CATALOGUE)}): not checked.")
    t0, t1 = mark.asked_s, mark.asked_s + CATALOGUE[kind].window_s
    if len(track) == 0 or track.t[-1] < t0:
        return ChallengeResult(mark.kind, t0, None, None, "The recording ended before the request.")
    verifiers: dict[str, Callable[[], ChallengeResult]] = {
        "turn_left": lambda: _verify_angle(mark, track, track.yaw, +1, TURN_DEG, "turned to the left", "yaw"),
        "turn_right": lambda: _verify_angle(mark, track, track.yaw, -1, TURN_DEG, "turned to the right", "yaw"),
        "look_up": lambda: _verify_angle(mark, track, track.pitch, +1, LOOK_UP_DEG, "looked up", "pitch"),
        "blink_twice": lambda: _verify_blinks(mark, track, t1),
        "smile": lambda: _verify_smile(mark, track, t1),
        "hand_over_face": lambda: _verify_hand(mark, track, hands, t1),
        "nod": lambda: _verify_nod(mark, track, t1),
        "wave_hand": lambda: _verify_wave(mark, track, hands, t1),
        "read_phrase": lambda: _verify_phrase(mark, argument, audio, t1),
    }
    return verifiers[kind]()


def settled(result: ChallengeResult, seen_until_s: float | None) -> ChallengeResult:
    """`result` as it stands when the call has been seen up to `seen_until_s`: not passed while its
    response window is still open means waiting (passed None), not failed."""
    spec = CATALOGUE.get(split_kind(result.kind)[0])
    if seen_until_s is None or result.passed is True or spec is None or seen_until_s >= result.asked_s + spec.window_s:
        return result
    return replace(result, passed=None, detail="waiting for the response")


def _result(mark: ChallengeMark, onset: float | None, passed: bool | None, seen: str,
            evidence_t: float | None = None) -> ChallengeResult:
    note = latency_note(mark.kind, None if onset is None else int(round((onset - mark.asked_s) * 1000)))
    return ChallengeResult(mark.kind, mark.asked_s, onset, passed, f"{seen}; {note}" if note else seen,
                           evidence_t if evidence_t is not None else onset)


def _baseline(values: np.ndarray, track: TrackArrays, t: float) -> float:
    before = track.window(t - 0.5, t + 1e-6) & np.isfinite(values)
    return float(np.median(values[before])) if before.any() else 0.0


def _verify_angle(mark: ChallengeMark, track: TrackArrays, angle: np.ndarray, sign: int, threshold: float,
                  verb: str, name: str) -> ChallengeResult:
    """A head movement: the signed angle must pass the threshold and come back under half of it.
    Onset is the first frame of the uninterrupted excursion, ONSET_DEG or more beyond the pose at
    the request, that leads to the crossing (or to the largest movement, when it fails)."""
    spec = CATALOGUE[split_kind(mark.kind)[0]]
    inside = track.window(mark.asked_s, mark.asked_s + spec.window_s) & track.has_face
    if not inside.any():
        return _result(mark, None, False, "No face was visible after the request")
    rows = np.flatnonzero(track.has_face & track.window(mark.asked_s - 2.0, mark.asked_s + spec.window_s))
    t, signed = track.t[rows], sign * angle[rows]
    after = t >= mark.asked_s
    at_request = float(signed[~after][-1]) if (~after).any() else float(signed[0])
    moved = signed >= at_request + ONSET_DEG
    peak_row = int(np.argmax(np.where(after, signed, -np.inf)))
    peak = float(signed[peak_row])
    opposite = float(np.max(-signed[after]))
    crossing = np.flatnonzero(after & (signed >= threshold))
    if len(crossing) == 0:
        seen = f"The head reached {peak:.0f} degrees of {name} (needs {threshold:.0f})"
        if opposite >= threshold:
            seen += f"; it moved {opposite:.0f} degrees the other way: check whether the recording is mirrored"
        onset = _excursion_start(t, moved, peak_row) if min(peak, peak - at_request) >= 10 else None
        return _result(mark, onset, False, seen, float(t[peak_row]))
    start = _excursion_start(t, moved, int(crossing[0]))
    back = np.flatnonzero((t > t[peak_row]) & (signed < threshold / 2))
    if len(back) == 0:
        return _result(mark, start, False, f"The head {verb} ({peak:.0f} degrees) but did not come back towards the "
                       "camera in time", float(t[peak_row]))
    return _result(mark, start, True, f"The head {verb} ({peak:.0f} degrees at {t[peak_row]:.1f} s) and came back by "
                   f"{t[back[0]]:.1f} s", float(t[peak_row]))


def _excursion_start(t: np.ndarray, moved: np.ndarray, row: int) -> float:
    """Walk back from row while the head is still away from its pose at the request."""
    while row > 0 and moved[row - 1]:
        row -= 1
    return float(t[row])


def _verify_blinks(mark: ChallengeMark, track: TrackArrays, t1: float) -> ChallengeResult:
    blinks = find_blinks(track, mark.asked_s, t1)
    times = f" (at {', '.join(f'{b.peak_t:.1f}' for b in blinks)} s)" if blinks else ""
    if len(blinks) >= 2:
        return _result(mark, blinks[0].start, True, f"{len(blinks)} blinks{times}", blinks[1].peak_t)
    return _result(mark, blinks[0].start if blinks else None, False,
                   f"{len(blinks)} blink{'s' if len(blinks) != 1 else ''} seen{times}, two were asked for")


def _verify_smile(mark: ChallengeMark, track: TrackArrays, t1: float) -> ChallengeResult:
    base = _baseline(track.smile, track, mark.asked_s)
    rows = np.flatnonzero(track.window(mark.asked_s, t1) & np.isfinite(track.smile))
    if len(rows) == 0:
        return _result(mark, None, False, "No face was visible after the request")
    rise = track.smile[rows] - base
    peak = int(np.argmax(rise))
    if rise[peak] < SMILE_RISE:
        return _result(mark, None, False, f"The smile measure rose by {max(0.0, rise[peak]):.2f} at most "
                       f"(needs {SMILE_RISE})", float(track.t[rows[peak]]))
    start = peak
    while start > 0 and rise[start - 1] >= 0.1:
        start -= 1
    return _result(mark, float(track.t[rows[start]]), True, f"A smile from {track.t[rows[start]]:.1f} s (measure "
                   f"{base:.2f} -> {track.smile[rows[peak]]:.2f})", float(track.t[rows[peak]]))


def _hand_frames(mark: ChallengeMark, track: TrackArrays, hands: dict[float, tuple[np.ndarray, ...]],
                 t1: float) -> tuple[int, list[tuple[float, np.ndarray, tuple[np.ndarray, ...]]]]:
    """How many frames hands were looked for in the response window, and for those after a face
    was seen: (t, the face box last seen by then, the hands). The last box, because the face may
    vanish behind the hand."""
    seen_at = sorted(t for t in hands if mark.asked_s <= t < t1)
    faces = np.flatnonzero(track.has_face & (track.t < t1))
    frames = []
    for t in seen_at:
        before = faces[track.t[faces] <= t]
        if len(before):
            frames.append((t, track.box[before[-1]], hands[t]))
    return len(seen_at), frames


NOT_LOOKED_FOR = "Hands were not looked for after this request (live stream without hand detection)"


def _verify_hand(mark: ChallengeMark, track: TrackArrays, hands: dict[float, tuple[np.ndarray, ...]],
                 t1: float) -> ChallengeResult:
    """A hand box covering enough of the face box, then the face seen again."""
    checked, frames = _hand_frames(mark, track, hands, t1)
    if not checked:
        return _result(mark, None, None, NOT_LOOKED_FOR)
    covered: list[float] = []
    for t, (x, y, w, h), seen in frames:
        for hand in seen:
            hx0, hy0 = hand.min(axis=0)
            hx1, hy1 = hand.max(axis=0)
            overlap = max(0.0, min(x + w, hx1) - max(x, hx0)) * max(0.0, min(y + h, hy1) - max(y, hy0))
            if overlap >= HAND_OVERLAP * w * h:
                covered.append(t)
                break
    if not covered:
        return _result(mark, None, False, f"No hand crossed the face in {checked} frames checked")
    again = track.t[track.has_face & (track.t > covered[-1]) & (track.t < t1)]
    if len(again) == 0:
        return _result(mark, covered[0], False, f"A hand covered the face from {covered[0]:.1f} s but the face was "
                       "not seen again", covered[0])
    return _result(mark, covered[0], True, f"A hand covered the face from {covered[0]:.1f} to {covered[-1]:.1f} s; "
                   f"the face was back at {again[0]:.1f} s", covered[0])


def _verify_nod(mark: ChallengeMark, track: TrackArrays, t1: float) -> ChallengeResult:
    """A dip of the head NOD_DEG below its pose at the request that comes back up (by half the dip)
    within NOD_S; onset where the dip began."""
    rows = np.flatnonzero(track.has_face & track.window(mark.asked_s, t1) & np.isfinite(track.pitch))
    if len(rows) == 0:
        return _result(mark, None, False, "No face was visible after the request")
    t, dip = track.t[rows], _baseline(track.pitch, track, mark.asked_s) - track.pitch[rows]  # positive: head down
    deepest = int(np.argmax(dip))
    for low in np.flatnonzero(dip >= NOD_DEG):
        back = np.flatnonzero((t > t[low]) & (t <= t[low] + NOD_S) & (dip <= dip[low] / 2))
        began = np.flatnonzero((t <= t[low]) & (t >= t[low] - NOD_S) & (dip < ONSET_DEG))
        if len(back) and len(began):
            start = float(t[began[-1] + 1])
            return _result(mark, start, True, f"The head dipped {dip[low]:.0f} degrees at {t[low]:.1f} s and came "
                           f"back up by {t[back[0]]:.1f} s", float(t[low]))
    if dip[deepest] >= NOD_DEG:
        return _result(mark, None, False, f"The head went down {dip[deepest]:.0f} degrees at {t[deepest]:.1f} s but "
                       f"did not come back up within {NOD_S:.1f} s: a look down, not a nod", float(t[deepest]))
    return _result(mark, None, False, f"The head dipped {max(0.0, dip[deepest]):.0f} degrees at most "
                   f"(a nod needs {NOD_DEG:.0f})", float(t[deepest]))


def _verify_wave(mark: ChallengeMark, track: TrackArrays, hands: dict[float, tuple[np.ndarray, ...]],
                 t1: float) -> ChallengeResult:
    """The centre of the hand nearest the face swings sideways: WAVE_TURNS changes of direction,
    each after a swing of WAVE_SWING face widths (small jitter does not count)."""
    checked, frames = _hand_frames(mark, track, hands, t1)
    if not checked:
        return _result(mark, None, None, NOT_LOOKED_FOR)
    path: list[tuple[float, float]] = []  # (t, hand centre x in face widths from the face centre)
    for t, (x, _, w, _), seen in frames:
        if not seen:
            continue
        nearest = min(((float(hand[:, 0].mean()) - (x + w / 2)) / w for hand in seen), key=abs)
        if abs(nearest) <= WAVE_REACH:
            path.append((t, nearest))
    if not path:
        return _result(mark, None, False, f"No hand was seen beside the face in {checked} frames checked")
    turns, anchor, direction = [], path[0], 0  # a turn: the swing reverses after moving WAVE_SWING
    for t, x in path[1:]:
        step = x - anchor[1]
        if abs(step) >= WAVE_SWING:
            if direction and np.sign(step) != direction:
                turns.append(anchor[0])
            direction, anchor = int(np.sign(step)), (t, x)
        elif direction and step * direction > 0:
            anchor = (t, x)  # still going the same way: the extreme moves on
    onset = path[0][0]
    if len(turns) < WAVE_TURNS:
        return _result(mark, onset, False, f"A hand was seen beside the face from {onset:.1f} s but swung back and "
                       f"forth {len(turns)} time{'s' if len(turns) != 1 else ''} (needs {WAVE_TURNS})", onset)
    return _result(mark, onset, True, f"A hand waved beside the face from {onset:.1f} s ({len(turns)} turns, the "
                   f"last at {turns[-1]:.1f} s)", turns[0])


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _verify_phrase(mark: ChallengeMark, phrase: str, audio: AudioAnalysis | None, t1: float) -> ChallengeResult:
    """The phrase's words, in order, among the transcript words that start in the window (fuzzy:
    "harbour" for "harbor" counts). Onset is the speech (VAD) onset nearest the first matched word,
    or the word's own start when the speech began before the request."""
    if audio is None or not audio.transcript:
        return _result(mark, None, None, "No transcript: the phrase could not be checked (run with transcription on)")
    wanted = _tokens(phrase)
    if not wanted:
        return _result(mark, None, None, "No phrase was given with the challenge (read_phrase:WORDS): not checked")
    heard = [(w.start, token) for seg in audio.transcript for w in seg.words for token in _tokens(w.text)
             if mark.asked_s - 0.5 <= w.start < t1]
    matched: list[float] = []
    cursor = 0
    for word in wanted:
        for k in range(cursor, len(heard)):
            if SequenceMatcher(None, word, heard[k][1]).ratio() >= 0.8:
                matched.append(heard[k][0])
                cursor = k + 1
                break
    said = " ".join(token for _, token in heard) or "nothing"
    if len(matched) < PHRASE_MATCH * len(wanted):
        return _result(mark, None, False, f"Heard \u201c{said}\u201d; {len(matched)} of {len(wanted)} words of "
                       f"\u201c{phrase}\u201d")
    # Whisper's word times are off by up to ~0.5 s; a speech onset near the first word is the better clock.
    onsets = [s.start for s in audio.speech if s.start >= mark.asked_s and abs(s.start - matched[0]) <= WORD_TIME_ERROR_S]
    onset = min(onsets, key=lambda s: abs(s - matched[0])) if onsets else matched[0]
    return _result(mark, onset, True, f"Read \u201c{phrase}\u201d: {len(matched)} of {len(wanted)} words heard from "
                   f"{matched[0]:.1f} s", matched[0])
