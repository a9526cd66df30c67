"""``InMemoryObjects``: the ``Objects`` port on a dict of bytes, one version per key.

A put replaces the key's body and gives it a new version; an open pinned to an older version
fails, as S3 answers a read of a changed object with 412.
"""

from __future__ import annotations

import hashlib
import io

from tap_core.app.ports import ObjectVersion


class ObjectChanged(LookupError):
    """The object is not (or no longer) at the version asked for."""


class InMemoryObjects:
    """Objects by (bucket, key); each put a new version named by its ETag (an MD5, quoted)."""

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str], tuple[ObjectVersion, bytes]] = {}
        self.opened = 0
        """How many times an object was opened (each a GetObject in S3)."""
        self.read_bytes: list[int] = []
        """The bytes read from each opening, in order."""

    def put(self, bucket: str, key: str, body: bytes) -> ObjectVersion:
        """Store ``body`` as the object's new version; that version."""
        etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        version = ObjectVersion(bucket, key, etag, None, len(body))
        self._objects[bucket, key] = (version, body)
        return version

    def open(
        self, bucket: str, key: str, *, offset: int = 0, version: ObjectVersion | None = None
    ) -> io.BytesIO:
        found = self._objects.get((bucket, key))
        if found is None:
            raise ObjectChanged(f"no object s3://{bucket}/{key}")
        current, body = found
        if version is not None and version.identity != current.identity:
            raise ObjectChanged(f"s3://{bucket}/{key} is not at version {version.identity}")
        if not 0 <= offset <= len(body):
            raise ValueError(f"offset {offset} is outside s3://{bucket}/{key} ({len(body)} bytes)")
        self.opened += 1
        self.read_bytes.append(0)
        return _Counted(body[offset:], self.read_bytes, len(self.read_bytes) - 1)


class _Counted(io.BytesIO):
    """A body that adds the bytes each ``read`` returns to its opening's count."""

    def __init__(self, body: bytes, counts: list[int], index: int) -> None:
        super().__init__(body)
        self._counts, self._index = counts, index

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self._counts[self._index] += len(data)
        return data
