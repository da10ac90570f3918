"""Evidence images: the frame a finding refers to, with the region that fired marked on it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

Mark = tuple[float, float, float, float, str]  # x, y, width, height, label


def save_evidence(image_rgb: np.ndarray, evidence_dir: Path, name: str, marks: list[Mark] = ()) -> str:
    """Write a JPEG with each mark drawn as a labelled box; returns the path relative to the
    output folder (evidence_dir's parent), as findings store it."""
    evidence_dir.mkdir(parents=True, exist_ok=True)
    canvas = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR)
    thickness = max(2, round(max(canvas.shape[:2]) / 320))
    for x, y, w, h, label in marks:
        top_left, bottom_right = (int(x), int(y)), (int(x + w), int(y + h))
        cv2.rectangle(canvas, top_left, bottom_right, (0, 0, 255), thickness)
        if label:
            cv2.putText(canvas, label, (int(x), max(14, int(y) - 6)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.5 * thickness / 2, (0, 0, 255), max(1, thickness // 2), cv2.LINE_AA)
    path = evidence_dir / f"{name}.jpg"
    cv2.imwrite(str(path), canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return f"{evidence_dir.name}/{path.name}"
