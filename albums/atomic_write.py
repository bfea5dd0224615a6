"""Writing a file into storage so that no reader ever sees it half-written: a result, a
rendition, a prepared download. Used by worker tasks of both albums and enhance."""

from __future__ import annotations

import os
import shutil

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, default_storage

PART_SUFFIX = ".part"


def store_atomically(name: str, data) -> None:
    """Store bytes (or a readable binary file) under `name` with no moment where a partial file has it."""
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        final = storage.path(name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        temporary = final + PART_SUFFIX
        with open(temporary, "wb") as handle:
            if isinstance(data, bytes | bytearray):
                handle.write(data)
            else:
                shutil.copyfileobj(data, handle, 1 << 20)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        return
    # Object stores (S3) publish an object only once its upload completes: a PUT is
    # already all-or-nothing, there is nothing to rename.
    if storage.exists(name):
        storage.delete(name)
    content = ContentFile(data) if isinstance(data, bytes | bytearray) else File(data)
    saved = storage.save(name, content)
    if saved != name:  # another writer raced us; never keep two copies
        storage.delete(saved)
        raise OSError(f"could not store {name}")
