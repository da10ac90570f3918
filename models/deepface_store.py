"""Face embeddings kept in deepface's datastore; the one module that imports deepface.

deepface's `register()`/`search()` take images and embed them with deepface's own detector and
alignment, which separates people by a thinner margin than ours on dev-media/B_identity
(models/face_identity.py). So this adapter fills the very tables and collections `register()`
writes, through deepface's own database clients (SQLite, pgvector, Qdrant, Milvus, ...), with our
precomputed SFace vectors, and reads them back with `fetch_all_embeddings` for an exact cosine
comparison (what `search()` does on plain databases).

Offline: DEEPFACE_HOME points into our model cache. Vector backends ask deepface for the model's
output size when they create a table, which loads SFace from DEEPFACE_HOME; we link our verified
SFace file there first, so deepface never downloads anything.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.registry import cache_dir, model_path

# The criteria deepface files every embedding under: our embeddings are SFace vectors of faces
# found by YuNet, aligned on five points and L2-normalised.
MODEL_NAME = "SFace"
DETECTOR = "yunet"
ALIGNED = True
L2_NORMALIZED = True
SFACE_FILE = "face_recognition_sface_2021dec.onnx"  # the name deepface's SFace client looks for


class StoreError(RuntimeError):
    """The face store cannot be opened or used; the message names the backend and the fix."""


@dataclass(frozen=True)
class StoredFace:
    id: str
    name: str  # deepface's img_name column; callers keep their metadata there
    embedding: np.ndarray


def _prepare_deepface_home() -> None:
    """DEEPFACE_HOME inside our model cache, with our SFace file linked where deepface looks."""
    home = cache_dir() / "deepface"
    os.environ["DEEPFACE_HOME"] = str(home)
    os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")
    os.environ.setdefault("DEEPFACE_LOG_LEVEL", "30")  # warnings and up
    weights = home / ".deepface" / "weights" / SFACE_FILE
    if not weights.is_file():
        weights.parent.mkdir(parents=True, exist_ok=True)
        weights.unlink(missing_ok=True)  # a dangling link from a moved cache
        try:
            weights.symlink_to(model_path("sface"))
        except FileExistsError:  # another process linked it meanwhile
            pass


@contextmanager
def _failures(backend: str, action: str) -> Iterator[None]:
    """Driver errors (a server gone, a locked file) as StoreError, so callers handle one type."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:  # each driver raises its own types
        raise StoreError(f"the {backend} face database failed to {action}: {exc}") from exc


def backends() -> list[str]:
    """Database types deepface can store embeddings in."""
    from deepface.modules.database.inventory import database_inventory

    return sorted(database_inventory)


class DeepfaceStore:
    """One connection to a deepface datastore. `location` is what deepface calls
    connection_details: a file path for sqlite, a URI such as postgresql://user@host/db for
    pgvector, a URL, a folder (`qdrant:/folder`: Qdrant's local mode) or a dict of client options
    for qdrant."""

    def __init__(self, backend: str, location: str | dict):
        _prepare_deepface_home()
        from deepface.modules.database.inventory import database_inventory

        if backend not in database_inventory:
            raise StoreError(f"unknown face database backend {backend!r}; deepface supports: {', '.join(backends())}")
        self.backend = backend
        if backend == "sqlite":
            Path(location).expanduser().parent.mkdir(parents=True, exist_ok=True)
            location = str(Path(location).expanduser())
        elif backend == "qdrant" and isinstance(location, str) and not location.startswith(("http://", "https://")):
            folder = location.removeprefix("qdrant:")  # Qdrant's local mode: a folder, no server
            location = {"path": str(Path(folder).expanduser())}
        if backend == "pgvector":
            from deepface.modules.database import pgvector

            # deepface remembers "extension and table made" per process, not per database: a second
            # database (another store, a purge of an analysis that wrote elsewhere) would miss both
            pgvector._SCHEMA_CHECKED.clear()
        with _failures(backend, "open"):
            self._client = database_inventory[backend]["client"](connection_details=location)
            self._client.initialize_database(model_name=MODEL_NAME, detector_backend=DETECTOR,
                                             aligned=ALIGNED, l2_normalized=L2_NORMALIZED)

    def add(self, items: list[tuple[str, np.ndarray]]) -> int:
        """Store (name, embedding) pairs; returns how many were written.

        No face image is stored. deepface's schema requires a face array per record and treats
        (face, embedding) as the record's identity, so the same video analysed twice would collapse
        into one record; the face column therefore holds a random 16-byte token, not pixels."""
        if not items:
            return 0
        records = [{"img_name": name, "embedding": [float(v) for v in vector], "model_name": MODEL_NAME,
                    "detector_backend": DETECTOR, "aligned": ALIGNED, "l2_normalized": L2_NORMALIZED,
                    "face": np.frombuffer(uuid.uuid4().bytes, dtype=np.uint8).astype(np.float32).reshape(1, 16, 1)}
                   for name, vector in items]
        with _failures(self.backend, "store embeddings"):
            return self._client.insert_embeddings(records)

    def all(self) -> list[StoredFace]:
        with _failures(self.backend, "read embeddings"):
            rows = self._client.fetch_all_embeddings(model_name=MODEL_NAME, detector_backend=DETECTOR,
                                                     aligned=ALIGNED, l2_normalized=L2_NORMALIZED)
        return [StoredFace(str(r["id"]), r["img_name"], np.asarray(r["embedding"], dtype=np.float32)) for r in rows]

    def delete(self, ids: list[str]) -> int:
        """Remove records (retention, purge). deepface's client interface has no delete, so this
        speaks SQL on the client's connection for sqlite and pgvector and Qdrant's own API for
        qdrant; other backends raise StoreError."""
        if not ids:
            return 0
        if self.backend == "qdrant":
            return self._delete_qdrant(ids)
        if self.backend == "sqlite":
            table, marker = "embeddings", "?"
        elif self.backend == "pgvector":
            table, marker = f"embeddings_{MODEL_NAME.lower()}_{DETECTOR}_aligned_norm", "%s"
        else:
            raise StoreError(f"deleting records is not implemented for the {self.backend} backend; "
                             "purge expired records with the database's own tools")
        with _failures(self.backend, "delete embeddings"):
            cursor = self._client.conn.cursor()
            try:
                cursor.executemany(f"DELETE FROM {table} WHERE id = {marker}", [(int(i),) for i in ids])
                self._client.conn.commit()
            finally:
                cursor.close()
        return len(ids)

    def _delete_qdrant(self, ids: list[str]) -> int:
        from qdrant_client import models

        # the collection deepface's QdrantClient names for our criteria (its own naming is private)
        collection = f"embeddings_{MODEL_NAME.lower()}_{DETECTOR}_{'aligned' if ALIGNED else 'unaligned'}_" \
                     f"{'norm' if L2_NORMALIZED else 'raw'}"
        with _failures(self.backend, "delete embeddings"):
            self._client._client.delete(collection_name=collection, points_selector=models.PointIdsList(points=ids),
                                        wait=True)
        return len(ids)

    def close(self) -> None:
        self._client.close()
