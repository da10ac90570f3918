"""What the interviewer can do about a finding: one sentence per kind of signal, so a reviewer who
sees "review" or "alert" knows which question or challenge would settle it. Findings below the
review level get none (there is nothing to settle)."""

from __future__ import annotations

from interview.checks.base import REVIEW_RISK

_LIVENESS = "Ask for a turn-left challenge: a live head turns 35 degrees, a photo or a replayed video cannot."
_RELAY = ("Ask an unexpected follow-up question and a read-a-phrase challenge: a relayed or dubbed voice answers "
          "late or out of step with the lips.")
_DEEPFAKE = ("Ask the candidate to pass a hand slowly in front of the face, then turn to the side: swapped or "
             "generated faces break up under a hand and in profile.")
_ALONE = "Ask who else is in the room, and for the candidate to stay alone in the picture."

# (check, signal) first, then the check alone.
NEXT_STEPS: dict[tuple[str, str | None], str] = {
    ("liveness", "challenges"): "Ask for the same challenge again, slowly, and watch the response: "
                                "a person can do it, a photo or replay cannot.",
    ("identity", "id_match"): "Compare the ID photo with the frames shown, and ask the candidate to hold the ID "
                              "document next to their face.",
    ("identity", "id_photo"): "Ask for a sharper, closer photo of the ID, then analyse again.",
    ("identity", "identity_change"): _ALONE,
    ("identity", "extra_faces"): _ALONE,
    ("identity", "face"): _ALONE,
    ("identity", "no_face"): "Ask the candidate to keep their face in the picture, facing the camera.",
    ("identity", "repeat_face"): "Open the earlier session with this face and compare the two candidates.",
    ("deepfake", "compression"): "Ask for a better connection or a higher-quality recording: this one was too "
                                 "compressed to judge.",
    ("liveness", None): _LIVENESS,
    ("deepfake", None): _DEEPFAKE,
    ("relay", None): _RELAY,
}


def next_step(check: str, signal: str | None, risk: float) -> str | None:
    """The action for a finding at review level or above, or None."""
    if (risk or 0.0) < REVIEW_RISK:
        return None
    return NEXT_STEPS.get((check, signal)) or NEXT_STEPS.get((check, None))
