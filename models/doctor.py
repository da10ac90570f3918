"""`interview-verify doctor`: is this machine ready to analyse offline? Each line names the fix."""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass

from models.manifest import MANIFEST
from models.registry import check


@dataclass(frozen=True)
class Readiness:
    """One thing the machine needs: whether it is there, what was seen, and the fix when not."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    required: bool = True


def _module(name: str, pip_name: str) -> Readiness:
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # a broken install can raise anything at import
        return Readiness(name, False, f"cannot import ({exc})", f"pip install {pip_name}")
    return Readiness(name, True, f"version {getattr(module, '__version__', '?')}")


def _opencv() -> list[Readiness]:
    try:
        import cv2
    except Exception as exc:
        return [Readiness("opencv", False, f"cannot import cv2 ({exc})", "pip install opencv-contrib-python")]
    fix = ("pip uninstall -y opencv-python opencv-python-headless && "
           "pip install --force-reinstall opencv-contrib-python")
    return [Readiness(f"opencv {feature}", hasattr(cv2, feature),
                    f"cv2 {cv2.__version__} {'has' if hasattr(cv2, feature) else 'lacks'} {feature}", fix)
            for feature in ("FaceDetectorYN", "FaceRecognizerSF")]


def diagnose() -> list[Readiness]:
    items = [_module("av", "av"), _module("mediapipe", "mediapipe"), _module("faster_whisper", "faster-whisper==1.2.1"),
                _module("deepface", "deepface==0.0.103 werkzeug")]
    items += _opencv()
    ffmpeg = shutil.which("ffmpeg")
    items.append(Readiness("ffmpeg", ffmpeg is not None, ffmpeg or "not on PATH (needed by the test-media generator)",
                            "apt-get install ffmpeg", required=False))
    for spec in MANIFEST:
        status = check(spec)
        items.append(Readiness(f"model {spec.name}", status.ok, str(status.path) if status.ok else status.problem,
                                status.fix, required=not spec.optional))
    return items


def report(items: list[Readiness]) -> tuple[str, bool]:
    """Printable lines and whether everything required is fine."""
    lines = []
    for f in items:
        mark = "ok  " if f.ok else ("FAIL" if f.required else "warn")
        lines.append(f"{mark}  {f.name}: {f.detail}")
        if not f.ok and f.fix:
            lines.append(f"      fix: {f.fix}")
    healthy = all(f.ok for f in items if f.required)
    lines.append("ready: every required model and library is present" if healthy else "NOT READY: see the fixes above")
    return "\n".join(lines), healthy
