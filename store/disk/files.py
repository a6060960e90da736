"""Result files on disk, laid out as JATOS does (jatos.md §2), and safe file writing.

The files root holds `study-result_X/comp-result_Y/<name>`. Changes to files follow the
database: a transaction records what the file system must do (a PendingFileOp row) and
commits; the work is then done and the row removed. A process killed half-way leaves a
row that the next open of the store finishes (roll forward), or, if it died before the
commit, a staging folder nobody holds that is simply removed. Rows never point at files
that will not exist, and no file outlives its row for longer than that.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from store.disk.permissions import PRIVATE_MARK, private_mkdir, private_opener
from store.errors import StoreError

STAGING = ".staging"
TRASH = ".trash"  # folders on their way out: renamed here, then removed
DELETED = ".deleted"  # the trash that undo restores from (store/removal/trash.py)

# Characters JATOS never lets into an uploaded file's name that would also let a name
# leave its folder; everything else JATOS accepted is kept as it is.
_FORBIDDEN_IN_NAME = ("/", "\\", "\0")


def check_filename(name: str) -> str | None:
    """Why a result file name is unsafe to put on disk, or None if it is fine."""
    if not name or name in (".", ".."):
        return "empty or relative file name"
    if any(c in name for c in _FORBIDDEN_IN_NAME):
        return "file name contains a path separator"
    if name.startswith((STAGING, TRASH, DELETED, PRIVATE_MARK)):
        return "reserved file name"
    return None


def result_dir(root: Path, study_result_id: int, component_result_id: int | None = None) -> Path:
    path = root / f"study-result_{int(study_result_id)}"
    if component_result_id is not None:
        path = path / f"comp-result_{int(component_result_id)}"
    return path


def result_file(root: Path, study_result_id: int, component_result_id: int, name: str) -> Path:
    why = check_filename(name)
    if why:
        raise StoreError(f"{name!r}: {why}")
    return result_dir(root, study_result_id, component_result_id) / name


class Staging:
    """A private folder under the files root, held by this process through a lock."""

    def __init__(self, root: Path):
        self.root = root
        self.token = secrets.token_hex(8)
        # The lock comes first, so that no recovery takes the new folder for a dead one.
        private_mkdir(root / STAGING)
        # Readable by the group in a shared root: another user's recovery tries this lock.
        self._lock = open(root / STAGING / f"{self.token}.lock", "w", opener=private_opener)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.path = private_mkdir(root / STAGING / self.token)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            os.unlink(self._lock.name)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


class SourceStaging:
    """One source's part of an import's staging folder; `merge` moves what the import kept
    of it into the staging folder proper (a later source's file replacing an earlier one's)."""

    def __init__(self, staging: Staging, n: int):
        self.token = staging.token
        self.into = staging.path
        self.path = staging.path / f".source-{n}"

    def merge(self) -> None:
        if not self.path.is_dir():
            return
        for f in sorted(p for p in self.path.rglob("*") if p.is_file()):
            target = self.into / f.relative_to(self.path)
            private_mkdir(target.parent)
            os.replace(f, target)
        shutil.rmtree(self.path, ignore_errors=True)


def apply_import(root: Path, token: str) -> None:
    """Move staged files into place (replacing files of the same name)."""
    staged = root / STAGING / token
    if staged.is_dir():
        for sr_dir in sorted(staged.iterdir()):
            for cr_dir in sorted(sr_dir.iterdir()):
                target = private_mkdir(root / sr_dir.name / cr_dir.name)
                for f in sorted(cr_dir.iterdir()):
                    os.replace(f, target / f.name)
        shutil.rmtree(staged, ignore_errors=True)


def apply_delete(root: Path, token: str, paths: list[str]) -> None:
    """Remove result folders: first renamed out of sight, then removed."""
    trash = root / TRASH / token
    for rel in paths:
        src = root / rel
        if src.exists():
            private_mkdir(trash)
            with contextlib.suppress(FileNotFoundError):
                os.replace(src, trash / rel.replace("/", "__"))
    shutil.rmtree(trash, ignore_errors=True)
    # A study-result folder left empty by component deletes goes too.
    for rel in paths:
        _remove_empty_parent(root, root / rel)


def apply_moves(root: Path, pairs: list[list[str]]) -> None:
    """Move result folders (relative paths, [source, target] pairs). Done again after a
    crash, a pair whose source is gone was moved already."""
    for src_rel, dst_rel in pairs:
        src, dst = root / src_rel, root / dst_rel
        if not src.exists():
            continue
        private_mkdir(dst.parent)
        if dst.exists():
            # A folder of the same result already there (files restored beside files
            # imported since): move file by file, the older file making way.
            for f in sorted(p for p in src.rglob("*") if p.is_file()):
                target = dst / f.relative_to(src)
                private_mkdir(target.parent)
                os.replace(f, target)
            shutil.rmtree(src, ignore_errors=True)
        else:
            os.replace(src, dst)
        _remove_empty_parent(root, src)


def scrub_tree(path: Path) -> None:
    """Overwrite every file under a folder with zeros before it is removed, so that its
    bytes are not left in the file system's free blocks (on file systems that write in
    place; copy-on-write file systems and SSDs may keep old blocks all the same)."""
    if not path.exists():
        return
    for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
        with contextlib.suppress(OSError):
            size = f.stat().st_size
            with open(f, "r+b") as fh:
                block = b"\0" * min(size, 1 << 20)
                left = size
                while left > 0:
                    fh.write(block[: min(left, len(block))])
                    left -= min(left, len(block))
                fh.flush()
                os.fsync(fh.fileno())


def _remove_empty_parent(root: Path, path: Path) -> None:
    parent = path.parent
    if parent != root and parent.is_dir():
        with contextlib.suppress(OSError):
            parent.rmdir()


def apply(root: Path, kind: str, token: str, paths_json: str, cleared=None) -> None:
    """Carry out one journalled file operation (see PendingFileOp)."""
    paths = pending_paths(paths_json)
    if kind == "import":
        # Folders of runs the import withdrew (aborted) go first: files a later source of
        # the same import wrote for such a run (forced with --replace) are staged, and stay.
        apply_delete(root, token, paths)
        if cleared is not None and paths:
            cleared()  # a second recovery must not remove what apply_import moves in
        apply_import(root, token)
    elif kind == "move":
        apply_moves(root, paths)
    elif kind == "erase":
        for rel in paths:
            scrub_tree(root / rel)
        apply_delete(root, token, paths)
    else:
        apply_delete(root, token, paths)


def pending_paths(paths_json: str) -> list:
    return json.loads(paths_json or "[]")


def _try_lock(lock_path: Path):
    try:
        fh = open(lock_path, "a")
    except OSError:
        return None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    return fh


def recover(root: Path, pending: list[tuple[int, str, str, str]], done, cleared=None) -> None:
    """Finish or undo file work left by processes that died (see the module docstring).

    `pending` holds (row id, kind, token, paths) of journal rows; `done(row_id)` removes one.
    """
    staging_root = private_mkdir(root / STAGING)
    claimed = set()
    for row_id, kind, token, paths in pending:
        lock = _try_lock(staging_root / f"{token}.lock")
        if lock is None:
            continue  # its owner is alive and still working
        try:
            apply(root, kind, token, paths, (lambda r=row_id: cleared(r)) if cleared else None)
            done(row_id)
            shutil.rmtree(staging_root / token, ignore_errors=True)  # a move's lock-only folder
            claimed.add(token)
        finally:
            lock.close()
            with contextlib.suppress(OSError):
                os.unlink(staging_root / f"{token}.lock")
    # Staging folders without a journal row died before their commit: undo them.
    for entry in list(staging_root.iterdir()):
        if entry.suffix == ".lock" or entry.name in claimed:
            continue
        lock = _try_lock(staging_root / f"{entry.name}.lock")
        if lock is None:
            continue
        try:
            shutil.rmtree(entry, ignore_errors=True)
        finally:
            lock.close()
            with contextlib.suppress(OSError):
                os.unlink(staging_root / f"{entry.name}.lock")


PART_PREFIX = ".jatos-results."


def remove_stale_parts(folder: Path) -> int:
    """Remove half-written exports (with participant data) of processes that died."""
    removed = 0
    with contextlib.suppress(OSError):
        for p in folder.glob(f"{PART_PREFIX}*.part"):
            lock = _try_lock(p)
            if lock is None:
                continue  # another export is writing it now
            try:
                p.unlink()
                removed += 1
            except OSError:
                pass
            finally:
                lock.close()
    return removed


class AtomicOutput:
    """Write a file under a temporary name beside it, then move it into place.

    The file is readable by its owner only. Without `force`, an existing file is never
    replaced: the final step is a hard link, which fails if the name exists.
    """

    def __init__(self, path: str | Path, force: bool = False, binary: bool = True):
        self.path = Path(path)
        self.force = force
        self.binary = binary
        self.fh = None
        self.tmp = None

    def __enter__(self):
        if (self.path.exists() or self.path.is_symlink()) and not self.path.is_file():
            # A pipe or a device (/dev/null) would be renamed over, not written into.
            raise StoreError(f"{self.path}: is not a regular file; to write into it, use -o - and a redirect")
        if not self.force and self.path.exists():
            raise StoreError(f"{self.path}: already exists (use --force to replace it)")
        parent = self.path.parent if str(self.path.parent) else Path(".")
        if not parent.is_dir():
            raise StoreError(f"{self.path}: folder {parent} does not exist")
        remove_stale_parts(parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{PART_PREFIX}{self.path.name}.", suffix=".part", dir=parent)
        os.fchmod(fd, 0o600)
        # Held while the export writes: a part file whose lock is free was left by a
        # process that died (kill -9), and the next export to the folder removes it.
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.tmp = Path(tmp)
        self.fh = os.fdopen(fd, "wb" if self.binary else "w", encoding=None if self.binary else "utf-8", newline="" if not self.binary else None)
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())
            self.fh.close()
            if exc_type is not None:
                return False
            if self.force:
                os.replace(self.tmp, self.path)
            else:
                try:
                    os.link(self.tmp, self.path)
                except FileExistsError:
                    raise StoreError(f"{self.path}: already exists (use --force to replace it)") from None
                os.unlink(self.tmp)
            self.tmp = None
            return False
        finally:
            if self.tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self.tmp)
