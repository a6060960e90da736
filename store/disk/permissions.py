"""Who may reach the store's folders and files: the owner alone (personal data), or, in a
lab's shared files root, the owner's group too; and tightening folders an older version
left looser."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from store.errors import StoreError

PRIVATE_MARK = ".private"  # the folders were checked to be owner-only


# A lab's shared files root (`init-db --group`, PostgreSQL): its folders belong to a group
# the administrator names, with the setgid bit, so that everything made below inherits the
# group. Its members (the database's users) read and write; others get nothing, as in an
# owner-only root. The root's own mode is the one place this is recorded: every folder and
# file made below follows the folder it is made in.
SHARED_FOLDER_MODE = 0o2770
SHARED_FILE_MODE = 0o660


def is_shared(folder: Path) -> bool:
    """A folder of a group-shared files root: setgid, and the group may read, write, enter."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_ISGID) and mode & 0o070 == 0o070


def folder_mode(parent: Path) -> int:
    return SHARED_FOLDER_MODE if is_shared(parent) else 0o700


def file_mode(folder: Path) -> int:
    return SHARED_FILE_MODE if is_shared(folder) else 0o600


def private_opener(path, flags):
    """open()'s opener for a file of the store: owner-only, or the group's in a shared root
    (set after creation: the umask would take the group's write bit)."""
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, file_mode(Path(path).parent))
    except BaseException:
        os.close(fd)
        raise
    return fd


def private_mkdir(path: Path) -> Path:
    """Make a folder, and every parent it needs, readable by its owner only (in a shared
    root: by its group too): mkdir's mode applies to the last folder alone, and the umask
    may loosen it."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for folder in reversed(missing):
        mode = folder_mode(folder.parent)
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made by another process meanwhile
        os.chmod(folder, mode)
    return path


def share_root(root: Path, group: str) -> None:
    """`init-db --group`: make the files root (and what it holds) the group's, setgid, so
    every user of the database reaches the uploaded files; others get nothing."""
    import grp

    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise StoreError(f"--group {group}: no such group on this machine") from None
    missing = []
    p = root
    while not p.exists():
        missing.append(p)
        p = p.parent
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=0o700)
        inner = sorted(q for q in root.rglob("*") if q.is_dir() and not q.is_symlink())
        for folder in [*missing[1:], root, *inner]:
            os.chown(folder, -1, gid)
            os.chmod(folder, SHARED_FOLDER_MODE)
        for f in root.rglob("*"):
            if f.is_file() and not f.is_symlink():
                os.chown(f, -1, gid)
                os.chmod(f, SHARED_FILE_MODE)
    except PermissionError as exc:
        raise StoreError(
            f"{exc.filename}: cannot give it to group {group} (run init-db as its owner, a member of the group)"
        ) from None


def tighten(root: Path) -> int:
    """Folders under a files root found readable by others (made by an older version, or
    under a loose umask) become owner-only (in a shared root: the group's); returns how
    many were changed."""
    changed = 0
    if not root.is_dir():
        return 0
    loose = 0o007 if is_shared(root) else 0o077
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir() and not p.is_symlink())]:
        with contextlib.suppress(OSError):
            mode = folder.stat().st_mode & 0o7777
            if mode & loose and folder.owner() == _me():
                os.chmod(folder, mode & ~loose)
                changed += 1
    return changed


def tighten_once(root: Path) -> None:
    """Tighten a files root once (every folder made since is private already)."""
    mark = root / PRIVATE_MARK
    if mark.exists():
        return
    tighten(root)
    with contextlib.suppress(OSError):
        os.close(os.open(mark, os.O_CREAT | os.O_WRONLY, 0o600))


def _me() -> str:
    import getpass

    return getpass.getuser()
