"""Reading photos (ID documents, portraits) with EXIF orientation applied and clear errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"}


class ImageError(Exception):
    """A photo that cannot be used; str() is one line naming the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def _read_heic(path: Path) -> np.ndarray:
    try:
        from pillow_heif import open_heif
    except ImportError:
        raise ImageError(path, "HEIC photos need the pillow-heif package: pip install pillow-heif") from None
    heif = open_heif(str(path), convert_hdr_to_8bit=True)
    rgb = np.asarray(heif.to_pillow().convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def load_photo(path: Path | str) -> np.ndarray:
    """A BGR uint8 image, upright (EXIF orientation applied by OpenCV's decoder). Its pixel count
    is checked from the header first (interview.bounds), so a small file cannot ask for gigabytes."""
    from interview.bounds import image_size

    path = Path(path)
    if not path.is_file():
        raise ImageError(path, "file not found")
    if path.stat().st_size == 0:
        raise ImageError(path, "file is empty (0 bytes)")
    image_size(path)
    if path.suffix.lower() in {".heic", ".heif"}:
        return _read_heic(path)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError(path, "not a readable image (use JPEG, PNG, WebP or HEIC)")
    return image
