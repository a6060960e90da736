"""Journalled file work: a write transaction records what the file system must do
(a PendingFileOp row), commits, then the work is done and the row removed. A process
killed in between leaves the row, and the next open of the store finishes it
(store/files.py `recover`)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from . import files
from .models import PendingFileOp


@dataclass
class FileOp:
    row_id: int
    kind: str
    paths: str
    staging: files.Staging


def record(store, kind: str, paths: list) -> FileOp | None:
    """Inside the write transaction: note the file work ("move", "delete", "erase")."""
    if not paths:
        return None
    # The staging lock tells recovery in another process that this one is alive.
    staging = files.Staging(store.files_root)
    text = json.dumps(paths)
    row_id = PendingFileOp.create(kind=kind, staging=staging.token, paths=text, created=int(time.time() * 1000)).id
    return FileOp(row_id, kind, text, staging)


def finish(store, op: FileOp | None) -> None:
    """After the commit: do the work, then forget it."""
    if op is None:
        return
    try:
        files.apply(store.files_root, op.kind, op.staging.token, op.paths)
        with store.write():
            PendingFileOp.delete().where(PendingFileOp.id == op.row_id).execute()
    finally:
        op.staging.discard()
