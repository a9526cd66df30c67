"""``S3Objects``: the core's ``Objects`` port (``tap_core.app.ports``) on S3: an uploaded object's
body as a stream the core parser reads with ``read(n)``.

The body is botocore's streaming HTTP body: nothing is loaded whole, so a parse runs in the
parser's constant memory whatever the object's size. `S3Objects.open` names the object
version it reads (``VersionId`` on a versioned bucket, else the ETag sent as ``If-Match``), so
a resumed read never mixes two uploads under one key: if the object changed, S3 answers 412
and the read fails instead. Resuming from a checkpoint's byte ``offset`` is a Range GET
(``bytes=<offset>-``); an offset at the end of the object gives an empty stream.

Cost: one GetObject per open (one HeadObject more when no version or ETag is known yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.app.ports import ObjectVersion

if TYPE_CHECKING:
    from types import TracebackType

    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client


class ObjectStream:
    """One object's body from a byte offset; ``read(n)`` returns at most ``n`` bytes."""

    def __init__(self, version: ObjectVersion, offset: int, body: StreamingBody | None) -> None:
        self.version = version
        self.offset = offset
        self._body = body

    def read(self, size: int, /) -> bytes:
        if self._body is None:
            return b""
        return self._body.read(size)

    def close(self) -> None:
        if self._body is not None:
            self._body.close()

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class S3Objects:
    """Reads uploaded objects as streams."""

    def __init__(self, client: S3Client | None = None) -> None:
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.s3()
        self._client = client

    def version(self, bucket: str, key: str) -> ObjectVersion:
        """The object's current version (one HeadObject)."""
        head = self._client.head_object(Bucket=bucket, Key=key)
        return ObjectVersion(
            bucket, key, head["ETag"], head.get("VersionId"), head["ContentLength"]
        )

    def open(
        self, bucket: str, key: str, *, offset: int = 0, version: ObjectVersion | None = None
    ) -> ObjectStream:
        """Stream the object from byte ``offset``, pinned to ``version`` (the current one if
        None). ValueError for a negative offset or one past the end."""
        if offset < 0:
            raise ValueError(f"offset must be 0 or more, got {offset}")
        if version is None:
            version = self.version(bucket, key)
        if offset > version.size:
            raise ValueError(
                f"offset {offset} is past the end of s3://{bucket}/{key} ({version.size} bytes)"
            )
        if offset == version.size:
            return ObjectStream(version, offset, None)
        extra: dict[str, str] = {}
        if offset:
            extra["Range"] = f"bytes={offset}-"
        if version.version_id:
            extra["VersionId"] = version.version_id
        else:
            extra["IfMatch"] = version.etag
        response = self._client.get_object(Bucket=bucket, Key=key, **extra)  # type: ignore[arg-type]
        return ObjectStream(version, offset, response["Body"])
