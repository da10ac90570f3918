"""ROC, AUC, EER and the same-person operating point of the face matcher on dev-media/B_identity.

Runs the product's own code path (interview.checks.identity.face_match.photo_face: YuNet on a copy downscaled to
640 px, SFace alignCrop on the original, cosine) over deepface's 300 labelled pairs, and shows how
SAME_PERSON_THRESHOLD is chosen: on the calibration identities only (the margin's midpoint when
they separate, else the EER threshold), then counted on the held-out identities.

    INTERVIEW_VERIFY_MODELS=/tmp/ivmodels python -m bench.identity_roc
"""
from __future__ import annotations

import time

import numpy as np

from fixtures.identity_pairs import PhotoPair, photo_pairs, photo_path, split_by_identity
from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD, photo_face


def error_rates(scores: np.ndarray, same: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false accept rate, false reject rate) at each threshold; a pair matches when score >= threshold."""
    accepted = scores[None, :] >= thresholds[:, None]
    far = (accepted & ~same).sum(axis=1) / max(1, (~same).sum())
    frr = (~accepted & same).sum(axis=1) / max(1, same.sum())
    return far, frr


def auc(scores: np.ndarray, same: np.ndarray) -> float:
    """Probability that a same-person pair scores above a different-person pair (ties count half)."""
    pos, neg = scores[same], scores[~same]
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))


def equal_error(scores: np.ndarray, same: np.ndarray) -> tuple[float, float, float]:
    """(EER, lowest and highest threshold reaching it). EER is the smallest max(FAR, FRR) over all
    thresholds: where the two error curves cross, or 0 over the whole gap when the classes separate."""
    values = np.unique(scores)
    candidates = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    far, frr = error_rates(scores, same, candidates)
    worst = np.maximum(far, frr)
    best = worst.min()
    at_best = candidates[worst <= best + 1e-12]
    if best == 0:  # separable: the interval is the open gap between the classes
        return 0.0, float(scores[~same].max()), float(scores[same].min())
    return float(best), float(at_best.min()), float(at_best.max())


def operating_point(scores: np.ndarray, same: np.ndarray) -> float:
    """The threshold rule: centre of the gap between the classes when they separate (equal room for
    unseen faces on both sides), else the middle of the EER interval."""
    _, low, high = equal_error(scores, same)
    return round((low + high) / 2, 3)


def pair_scores(pairs: list[PhotoPair], embeddings: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    scores = np.array([float(np.dot(embeddings[p.a], embeddings[p.b])) for p in pairs])
    return scores, np.array([p.same for p in pairs])


def describe(name: str, scores: np.ndarray, same: np.ndarray, threshold: float) -> str:
    far, frr = error_rates(scores, same, np.array([threshold]))
    eer, low, high = equal_error(scores, same)
    return (f"{name:<22} {same.sum():>4} {(~same).sum():>5}  AUC {auc(scores, same):.4f}  EER {eer * 100:5.2f}% "
            f"(thr {low:.3f}..{high:.3f})  min same {scores[same].min():.3f}  max diff {scores[~same].max():.3f}  "
            f"at {threshold:.3f}: FAR {far[0] * 100:.2f}% FRR {frr[0] * 100:.2f}%")


def main() -> None:
    pairs = photo_pairs()
    names = sorted({p.a for p in pairs} | {p.b for p in pairs}, key=lambda n: int(n[6:-4]))
    photo_face(photo_path(names[0]))  # load the models outside the timing
    started = time.perf_counter()
    embeddings = {name: photo_face(photo_path(name)).embedding for name in names}
    per_photo_ms = (time.perf_counter() - started) * 1000 / len(names)

    scores, same = pair_scores(pairs, embeddings)
    calibration, held_out = split_by_identity(pairs)
    cal_scores, cal_same = pair_scores(calibration, embeddings)
    out_scores, out_same = pair_scores(held_out, embeddings)
    chosen = operating_point(cal_scores, cal_same)
    swapped = operating_point(out_scores, out_same)

    print(f"B_identity: {len(names)} photos, {len(pairs)} pairs; photo_face {per_photo_ms:.0f} ms/photo (read+detect+align+embed)\n")
    print("ROC over all 300 pairs (a pair matches when cosine >= threshold)")
    print(f"{'threshold':>9} {'FAR %':>7} {'FRR %':>7} {'TPR %':>7}")
    grid = np.round(np.arange(0.20, 0.751, 0.05), 3)
    for threshold, far, frr in zip(grid, *error_rates(scores, same, grid)):
        print(f"{threshold:>9.2f} {far * 100:>7.2f} {frr * 100:>7.2f} {(1 - frr) * 100:>7.2f}")

    print(f"\n{'set':<22} {'same':>4} {'diff':>5}")
    print(describe("all pairs", scores, same, SAME_PERSON_THRESHOLD))
    print(describe("calibration ids", cal_scores, cal_same, chosen))
    print(describe("held-out ids", out_scores, out_same, chosen))
    print(f"(pairs across the two halves, used by neither: {len(pairs) - len(calibration) - len(held_out)})")
    print(f"\nchosen on calibration identities: {chosen:.3f}   (swapped folds would choose {swapped:.3f}; "
          f"all pairs would choose {operating_point(scores, same):.3f})")
    print(f"SAME_PERSON_THRESHOLD in interview/checks/identity/face_match.py: {SAME_PERSON_THRESHOLD}")


if __name__ == "__main__":
    main()
