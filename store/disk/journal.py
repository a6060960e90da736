"""Journalled file work: a write transaction records what the file system must do
(a PendingFileOp row), commits, then the work is done and the row removed. A process
killed in between leaves the row, and the next open of the store finishes it
(store/disk/files.py `recover`)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from store.db.models import PendingFileOp
from store.disk import files


@dataclass
class FileOp:
    row_id: int
    kind: str
    paths: str
    staging: files.Staging


def record(store, kind: str, paths: list, staging: files.Staging | None = None) -> FileOp | None:
    """Inside the write transaction: note the file work ("move", "delete", "erase"; "import"
    with the `staging` folder whose files it moves into place)."""
    if not paths and staging is None:
        return None
    # The staging lock tells recovery in another process that this one is alive.
    staging = staging or files.Staging(store.files_root)
    text = json.dumps(paths)
    row_id = PendingFileOp.create(kind=kind, staging=staging.token, paths=text, created=int(time.time() * 1000)).id
    return FileOp(row_id, kind, text, staging)


def finish(store, op: FileOp | None) -> None:
    """After the commit: do the work, then forget it."""
    if op is None:
        return
    try:
        files.apply(store.files_root, op.kind, op.staging.token, op.paths, lambda: clear_paths(store, op.row_id))
        with store.write(announce=False):
            PendingFileOp.delete().where(PendingFileOp.id == op.row_id).execute()
    except BaseException:
        op.staging.release()  # committed: the next open finishes the work
        raise
    op.staging.discard()


def clear_paths(store, row_id: int) -> None:
    """The folders an import removes are gone: a second recovery must not remove them again
    once the import's files have moved in (store/disk/files.py `apply`)."""
    with store.write(announce=False):
        PendingFileOp.update(paths="[]").where(PendingFileOp.id == row_id).execute()
