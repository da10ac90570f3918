"""Same person or not, for two photos: the model and threshold the identity check uses too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interview.images import ImageError, load_photo
from interview.observations import distinct_faces
from models.outputs import FaceIdentity

# Cosine similarity of SFace embeddings from which two faces are the same person. Chosen on
# dev-media/B_identity by `python -m bench.identity_roc`: the centre of the gap between same- and
# different-person pairs of the calibration identities (32 same / 88 different pairs: 0.317..0.649),
# then held-out identities (6 same / 30 different) are all right at it; over all 300 pairs the
# EER is 0 (gap 0.353..0.615). OpenCV's own SFace threshold (0.363, from LFW) is less conservative.
SAME_PERSON_THRESHOLD = 0.483


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
    return the_one_face(path, faces)


def the_one_face(path: Path | str, faces: list[FaceIdentity]) -> FaceIdentity:
    """The largest face, or ImageError when another person's face of similar size is in the photo.
    Detections of the same face (one centred inside another's box) count once; a face under half
    the largest one's area (the small "ghost" portrait printed on many ID cards, a bystander far
    behind) is not a rival."""
    distinct = distinct_faces(faces)
    largest = distinct[0].box[2] * distinct[0].box[3]
    rivals = [f for f in distinct[1:] if f.box[2] * f.box[3] > 0.5 * largest]
    if rivals:
        raise ImageError(path, f"{len(rivals) + 1} faces of similar size in the photo; use a photo of one person")
    return distinct[0]
