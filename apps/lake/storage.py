"""Lake storage: local disk written atomically (temp, fsync, rename), or S3 by configuration."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import FileSystemStorage, Storage, storages


class AtomicFileSystemStorage(FileSystemStorage):
    """Writes each object under a temp name in the destination folder, then renames it into place,
    so a crash leaves the old file or the new one and never half a file. Keys are content-derived,
    so an existing key is simply replaced by identical bytes."""

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def _save(self, name: str, content: IO[Any]) -> str:
        full_path = Path(self.path(name))
        directory = full_path.parent
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temp_name = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as temp_file:
                if hasattr(content, "chunks"):
                    for chunk in content.chunks():
                        temp_file.write(chunk)
                else:
                    temp_file.write(content.read())
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.replace(temp_name, full_path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        _fsync_directory(directory)
        return name


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def lake_storage() -> Storage:
    return storages["lake"]
