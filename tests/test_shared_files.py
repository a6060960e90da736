"""A lab's shared files root (`init-db --group`): every folder the store makes below it is
the group's (setgid, 2770) and every uploaded file 0660, whoever imports, deletes or
restores; others get nothing. On a PostgreSQL store, another OS account in the group
exports the files a first one imported."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from store import Selection, open_store
from store.disk import files, permissions
from store.importing.importer import import_paths
from store.removal.delete import delete
from store.removal.trash import restore

import jatos_fixtures as fx
from conftest import ON_POSTGRES, run_cli


def _lab_group() -> grp.struct_group:
    for name in ("users", "nogroup", "staff"):
        try:
            return grp.getgrnam(name)
        except KeyError:
            continue
    pytest.skip("no group to share with on this machine")


def _modes(root: Path) -> dict[str, tuple[int, int]]:
    """Each folder's and file's mode (with the folder bit) and group below the files root
    (its own marks aside)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.name == files.PRIVATE_MARK or p.suffix == ".lock":
            continue
        st = p.stat()
        out[str(p.relative_to(root))] = (stat.S_IMODE(st.st_mode) | (st.st_mode & stat.S_IFDIR), st.st_gid)
    return out


def _share(db_path, group, root: Path | None = None) -> Path:
    """The administrator's step: on PostgreSQL `init-db URL --files ROOT --group G` (the
    command line); an SQLite store's folder is shared the same way by hand."""
    root = root or db_path.with_name(db_path.stem + "-files")
    if ON_POSTGRES:
        done = run_cli("init-db", str(db_path), "--files", str(root), "--group", group.gr_name)
        assert done.returncode == 0, done.stderr
        assert f"shared by group {group.gr_name}" in done.stdout
    else:
        permissions.share_root(root, group.gr_name)
    return root


def test_everything_below_a_shared_root_is_the_groups(db_path, tmp_path):
    group = _lab_group()
    root = _share(db_path, group)
    assert stat.S_IMODE(root.stat().st_mode) == 0o2770 and root.stat().st_gid == group.gr_gid
    with open_store(db_path) as store:
        import_paths(store, [fx.results_archive(tmp_path)])
        audio = root / "study-result_101" / "comp-result_302" / "audio.webm"
        assert audio.read_bytes() == fx.AUDIO
        after_import = _modes(root)
        delete(store, Selection(study_result_ids=[101]))
        after_delete = _modes(root)
        restore(store, op=1)
        after_restore = _modes(root)
    for seen in (after_import, after_delete, after_restore):
        for name, (mode, gid) in seen.items():
            want = stat.S_IFDIR | 0o2770 if mode & stat.S_IFDIR else 0o660
            assert (mode, gid) == (want, group.gr_gid), name
    assert "study-result_101/comp-result_302/audio.webm" in after_import
    assert any(k.startswith(files.DELETED) and k.endswith("audio.webm") for k in after_delete)
    assert after_restore["study-result_101/comp-result_302/audio.webm"] == (0o660, group.gr_gid)


def test_an_owner_only_root_stays_owner_only(db_path, tmp_path):
    with open_store(db_path) as store:
        import_paths(store, [fx.results_archive(tmp_path)])
        seen = _modes(store.files_root)
    assert seen["study-result_101/comp-result_302/audio.webm"][0] == 0o600
    assert {mode for mode, _ in seen.values() if mode & stat.S_IFDIR} == {stat.S_IFDIR | 0o700}


def test_group_for_an_sqlite_store_or_an_unknown_group_is_one_line(tmp_path, db_path):
    if ON_POSTGRES:
        done = run_cli("init-db", str(db_path), "--group", "no-such-group-jr")
        assert done.returncode == 2 and done.stderr.strip().endswith("--group no-such-group-jr: no such group on this machine")
    done = run_cli("init-db", str(tmp_path / "own.sqlite3"), "--group", _lab_group().gr_name)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "an SQLite store is one user's file" in done.stderr


def _as_colleague(gid: int, groups: list[int], work) -> int:
    """Run work() in a child process as another OS account (nobody) with these groups; its
    exit status: 0 when work() returned, 1 when it raised PermissionError, 3 otherwise."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 3
        try:
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(65534)
            work()
            status = 0
        except PermissionError as exc:
            print(f"colleague: {exc}", file=sys.stderr)
            status = 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: an SQLite store is one user's file")
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as a second OS account")
def test_a_colleague_in_the_group_exports_imports_and_deletes(db_path, tmp_path):
    from store.exporting.export import export

    group = _lab_group()
    out = Path(tempfile.mkdtemp(prefix="jr-colleague-"))  # outside pytest's owner-only folder
    os.chown(out, 65534, group.gr_gid)
    root = _share(db_path, group, out / "lab" / "files")
    with open_store(db_path) as store:
        assert store.files_root == root
        import_paths(store, [fx.results_archive(tmp_path)])  # as root: another account
    second = fx.synthetic_archive(out / "second.zip", 2, first_id=500)
    legacy = fx.legacy_files_folder(out)
    for p in [second, *legacy.rglob("*")]:
        os.chown(p, 65534, group.gr_gid)

    def colleague():
        with open_store(db_path) as store:
            export(store, "files", Selection(), out / "files.zip")
            import_paths(store, [second, legacy])
            delete(store, Selection(study_result_ids=[101]))
            restore(store, op=1)

    def stranger():
        with open_store(db_path) as store:
            export(store, "file", Selection(component_result_ids=[302]), out / "audio.webm", filename="audio.webm")

    try:
        assert _as_colleague(65534, [group.gr_gid], colleague) == 0
        import zipfile

        with zipfile.ZipFile(out / "files.zip") as zf:
            assert fx.AUDIO in [zf.read(n) for n in zf.namelist() if not n.endswith("/")]
        with open_store(db_path) as store:
            assert sorted(Selection().row_ids()) == [101, 102, 500, 501]
        assert (root / "study-result_101" / "comp-result_302" / "audio.webm").read_bytes() == fx.AUDIO
        # Not in the group: the files stay out of reach.
        assert _as_colleague(65534, [], stranger) == 1
        assert not (out / "audio.webm").exists()
    finally:
        subprocess.run(["rm", "-rf", str(out)], check=False)
