"""Where an export's bytes go: a file, written under a temporary name and renamed into
place (files.AtomicOutput), or a binary stream such as standard output."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from store.disk import files
from store.errors import StoreError


class Target:
    def __init__(self, dest: str | Path | BinaryIO, force: bool, spool_dir: Path, protected: list[Path] = ()):
        self.stream: BinaryIO | None = dest if hasattr(dest, "write") else None
        self.path = None if self.stream is not None else Path(dest)
        if self.path is not None:
            _not_the_store(self.path, protected)
        self.force = force
        self.spool_dir = spool_dir
        self.bytes = 0

    @property
    def label(self) -> Path | str:
        return self.path if self.path is not None else getattr(self.stream, "name", "the output stream")

    @contextlib.contextmanager
    def open(self, seekable: bool = False):
        """A binary file to write the export to; on an error nothing reaches a file, and
        nothing reaches a stream from a zip (see below)."""
        if self.path is not None:
            with files.AtomicOutput(self.path, self.force) as fh:
                yield fh
            self.bytes = self.path.stat().st_size
        elif seekable:
            # A zip's entry headers are patched once each entry is written: it is made in a
            # private temporary file beside the store, then sent whole, so an export that
            # fails or starts again sends nothing half-done.
            with tempfile.TemporaryFile(dir=files.private_mkdir(self.spool_dir)) as tmp:
                yield tmp
                self.bytes = tmp.tell()
                tmp.seek(0)
                shutil.copyfileobj(tmp, self.stream, 1 << 20)
            self.stream.flush()
        else:
            counted = _Counted(self.stream)
            yield counted
            self.stream.flush()
            self.bytes = counted.bytes


def _not_the_store(path: Path, protected) -> None:
    """An export never goes over the store's own database or files (--force included)."""
    real = Path(os.path.realpath(path))
    for own in protected:
        own = Path(os.path.realpath(own))
        if real == own or own in real.parents:
            raise StoreError(f"{path}: is part of the store itself ({own}); choose another file")


class _Counted:
    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return self.stream.write(data)
