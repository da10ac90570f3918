"""Reading photos (ID documents, portraits) with EXIF orientation applied and clear errors."""

from __future__ import annotations

import warnings
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


MAX_IMAGE_PIXELS = 50_000_000  # 50 MP: every phone and ID scanner photo we know of is below it


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.0f} megapixels"


def check_pixels(path: Path, width: int, height: int, limit: int = MAX_IMAGE_PIXELS) -> None:
    if width * height > limit:
        raise ImageError(path, f"the picture is {width} x {height} pixels ({_megapixels(width * height)}); "
                               f"the limit is {_megapixels(limit)}: send a smaller photo")


def image_size(path: Path) -> tuple[int, int]:
    """Width and height from the file's header (nothing is decoded); ImageError above the limit."""
    from PIL import Image, UnidentifiedImageError

    if path.suffix.lower() in {".heic", ".heif"}:
        try:
            from pillow_heif import open_heif
        except ImportError:
            raise ImageError(path, "HEIC photos need the pillow-heif package: pip install pillow-heif") from None
        try:
            size = open_heif(str(path)).size
        except (ValueError, RuntimeError) as exc:
            raise ImageError(path, f"not a readable HEIC photo ({exc})") from None
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is lower
                with Image.open(path) as image:
                    size = image.size
        except Image.DecompressionBombError:  # Pillow's own refusal (over ~179 MP) comes first
            raise ImageError(path, f"the picture has more than {_megapixels(2 * Image.MAX_IMAGE_PIXELS)}; the "
                                   f"limit is {_megapixels(MAX_IMAGE_PIXELS)}: send a smaller photo") from None
        except (UnidentifiedImageError, OSError, ValueError):
            raise ImageError(path, "not a readable image (use JPEG, PNG, WebP or HEIC)") from None
    check_pixels(path, *size)
    return size


def load_photo(path: Path | str) -> np.ndarray:
    """A BGR uint8 image, upright (EXIF orientation applied by OpenCV's decoder). Its pixel count
    is checked from the header first (`image_size`), so a small file cannot ask for gigabytes."""
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


FLAT_RANGE = 6.0  # grey levels: a border column or row within this range is a bar, not picture
BAR_EDGE_PX = 3


def picture_mask(gray: np.ndarray, flat_range: float = FLAT_RANGE, edge: int = BAR_EDGE_PX) -> np.ndarray:
    """False on flat bars along the crop's sides (a portrait clip letterboxed into a landscape
    frame, a meeting tile's border) and on `edge` pixels next to them: a bar is neither hair nor
    neck, and its hard edge would read as detail the face lacks."""
    def picture_span(flat: np.ndarray) -> tuple[int, int]:
        start = int(np.argmin(flat)) if not flat.all() else flat.size
        stop = flat.size - int(np.argmin(flat[::-1])) if not flat.all() else flat.size
        return (start + edge if start else 0), (stop - edge if stop < flat.size else flat.size)

    columns = picture_span(np.ptp(gray, axis=0) <= flat_range)
    rows = picture_span(np.ptp(gray, axis=1) <= flat_range)
    mask = np.zeros(gray.shape, bool)
    mask[rows[0]:rows[1], columns[0]:columns[1]] = True
    return mask
