"""A zip of stored files, written while it is sent: never built in memory or on disk.

Python's zipfile writes to a file it cannot seek by putting each member's sizes and CRC in a
data descriptor after its bytes; `stream_zip` hands it a pipe and yields whatever the pipe
holds after each chunk. Files are read through their storage's open() (local disk or S3 alike),
a chunk at a time. JPEG, PNG and WebP are stored as they are: compressing them again costs CPU
and saves nothing."""

from __future__ import annotations

import contextlib
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
ALREADY_COMPRESSED = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".avif"}
# Past this a member needs zip64 headers, which must be chosen before its bytes are written.
ZIP64_FROM = zipfile.ZIP64_LIMIT - CHUNK


@dataclass(frozen=True)
class Member:
    name: str  # the name inside the zip (unique, see unique_names)
    storage: object
    stored_name: str
    size: int
    modified: datetime | None = None


class _Pipe:
    """A write-only, unseekable file whose contents are taken away as they are sent."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self.pending = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self.pending += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self.pending = 0
        return data


def unique_names(names: Iterable[str]) -> list[str]:
    """The same names in order, a " (2)", " (3)" … added before the extension to repeats."""
    seen: set[str] = set()
    result = []
    for name in names:
        path = PurePosixPath(name)
        candidate, number = name, 1
        while candidate.lower() in seen:
            number += 1
            candidate = f"{path.stem} ({number}){path.suffix}"
        seen.add(candidate.lower())
        result.append(candidate)
    return result


def _missing_errors() -> tuple[type[BaseException], ...]:
    try:
        from botocore.exceptions import ClientError
    except ImportError:  # S3 support not installed
        return (OSError,)
    return (OSError, ClientError)


def open_for_streaming(storage, name: str):
    """A readable file from storage.open(); on S3 the object's body itself, read as it arrives
    (django-storages' S3File would first download the whole object into a temporary file)."""
    handle = storage.open(name, "rb")
    s3_object = getattr(handle, "obj", None)
    if s3_object is not None:
        return contextlib.closing(s3_object.get()["Body"])
    return handle


def _zip_time(moment: datetime | None) -> tuple:
    if moment is None or moment.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return moment.timetuple()[:6]


def stream_zip(members: Iterable[Member]) -> Iterator[bytes]:
    pipe = _Pipe()
    archive = zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True)
    for member in members:
        try:
            source = open_for_streaming(member.storage, member.stored_name)
        except _missing_errors():
            # Gone since the selection was made (deleted meanwhile): leave it out rather than break the zip.
            log.warning("zip: %s is missing, left out", member.stored_name)
            continue
        info = zipfile.ZipInfo(member.name, date_time=_zip_time(member.modified))
        compressed = PurePosixPath(member.name).suffix.lower() in ALREADY_COMPRESSED
        info.compress_type = zipfile.ZIP_STORED if compressed else zipfile.ZIP_DEFLATED
        with source as reader, archive.open(info, mode="w", force_zip64=member.size >= ZIP64_FROM) as target:
            while chunk := reader.read(CHUNK):
                target.write(chunk)
                if pipe.pending >= CHUNK:
                    yield pipe.take()
        yield pipe.take()
    archive.close()
    yield pipe.take()
