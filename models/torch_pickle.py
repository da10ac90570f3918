"""Read a legacy (pre-1.6, non-zip) PyTorch checkpoint into numpy arrays without torch.

torch's wheels weigh gigabytes, so the product never installs them. A legacy `.pt` file is a few
pickles in a row: a magic number, the protocol version, system info, the object tree (tensors are
calls to `torch._utils._rebuild_tensor_v2` on storages named by persistent ids), the list of
storage keys, then each storage's raw bytes prefixed by its element count. The unpickler below
resolves only the handful of globals such a checkpoint names and refuses everything else, so a
malicious file cannot run code.
"""

from __future__ import annotations

import collections
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """The file is not a legacy torch checkpoint this reader understands."""


@dataclass(frozen=True)
class _StorageType:
    dtype: type


@dataclass(frozen=True)
class _TensorRef:
    """A tensor named in the object tree; its bytes come after the tree, so it is built later."""

    key: str
    dtype: type
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage: tuple[str, type], offset: int, shape: tuple, stride: tuple, *_: Any) -> _TensorRef:
    key, dtype = storage
    return _TensorRef(key, dtype, offset, tuple(shape), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, handle: BinaryIO):
        super().__init__(handle)
        self.dtypes: dict[str, type] = {}  # storage key -> element type, as the tree names them

    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise CheckpointError(f"refusing to load {module}.{name} from a checkpoint")

    def persistent_load(self, pid: Any) -> tuple[str, type]:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise CheckpointError(f"unexpected persistent id {pid!r}")
        self.dtypes[str(pid[2])] = pid[1].dtype
        return str(pid[2]), pid[1].dtype


def _materialise(tree: Any, storages: dict[str, np.ndarray]) -> Any:
    if isinstance(tree, _TensorRef):
        flat = storages[tree.key]
        item = flat.itemsize
        return np.lib.stride_tricks.as_strided(flat[tree.offset:], tree.shape,
                                               tuple(s * item for s in tree.stride)).copy()
    if isinstance(tree, dict):
        return {k: _materialise(v, storages) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_materialise(v, storages) for v in tree)
    return tree


def _read_storages(handle: BinaryIO, keys: list[str], dtypes: dict[str, type]) -> dict[str, np.ndarray]:
    storages = {}
    for key in keys:
        (count,) = struct.unpack("<q", handle.read(8))
        dtype = np.dtype(dtypes[key])
        storages[key] = np.frombuffer(handle.read(count * dtype.itemsize), dtype=dtype.newbyteorder("<"))
    return storages


def load_checkpoint(path: Path | str) -> Any:
    """The checkpoint's object tree with every tensor as a numpy array."""
    with open(path, "rb") as handle:
        if pickle.load(handle) != MAGIC:  # plain ints: safe with the default unpickler
            raise CheckpointError(f"{path} is not a legacy torch checkpoint (a zip-format one needs torch >= 1.6)")
        pickle.load(handle)  # protocol version
        info = _Unpickler(handle).load()
        if isinstance(info, dict) and not info.get("little_endian", True):
            raise CheckpointError(f"{path} was written on a big-endian machine")
        unpickler = _Unpickler(handle)
        tree = unpickler.load()
        keys = _Unpickler(handle).load()
        return _materialise(tree, _read_storages(handle, keys, unpickler.dtypes))
