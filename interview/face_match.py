"""Same person or not, for two photos: the model and threshold the identity check uses too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interview.images import ImageError, load_photo
from interview.observations import FaceIdentity

# Cosine similarity of SFace embeddings above which two faces are the same person; chosen on
# dev-media/B_identity (bench/identity_roc.py prints the ROC, EER and this operating point).
SAME_PERSON_THRESHOLD = 0.363


@dataclass(frozen=True)
class MatchResult:
    same_person: bool
    similarity: float
    threshold: float

    def to_dict(self) -> dict:
        return {"same_person": self.same_person, "similarity": round(self.similarity, 4), "threshold": self.threshold}


def photo_face(path: Path | str) -> FaceIdentity:
    """The one face in a photo, or ImageError saying there is none or several."""
    from models.face_identity import shared_identifier

    faces = shared_identifier().identify(load_photo(path))
    if not faces:
        raise ImageError(path, "no face found in the photo")
    largest = faces[0].box[2] * faces[0].box[3]
    rivals = [f for f in faces[1:] if f.box[2] * f.box[3] > 0.5 * largest]
    if rivals:
        raise ImageError(path, f"{len(rivals) + 1} faces of similar size in the photo; use a photo of one person")
    return faces[0]


def match_photos(a: Path | str, b: Path | str) -> MatchResult:
    similarity = float(np.dot(photo_face(a).embedding, photo_face(b).embedding))
    return MatchResult(similarity >= SAME_PERSON_THRESHOLD, similarity, SAME_PERSON_THRESHOLD)
