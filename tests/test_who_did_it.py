"""Each label, delete, purge and erase records who did it (the login name on SQLite, the
database user on PostgreSQL), and the listings show it; an erase's record keeps counts,
never which results or by what selection."""

from __future__ import annotations

import getpass
import os
from urllib.parse import urlsplit

from store.db.models import RemovalRecord

import jatos_fixtures as fx
from conftest import ON_POSTGRES, run_cli

MARKER = "QZXJWHODIDITMARKERYB"


def _acting_user() -> str:
    if ON_POSTGRES:
        return urlsplit(os.environ["JATOS_RESULTS_TEST_PG"]).username
    return getpass.getuser()


def _listing_line(text: str, fragment: str) -> str:
    lines = [line for line in text.splitlines() if fragment in line]
    assert len(lines) == 1, text
    return lines[0]


def test_label_delete_purge_and_erase_say_who(db_path, tmp_path):
    me = _acting_user()
    assert me
    archive = fx.results_archive(tmp_path, doc=_marked_doc())
    assert run_cli("import", str(archive)).returncode == 0
    assert run_cli("label", "exclude", "--ids", "101", "--note", "twice").returncode == 0
    labels = run_cli("labels")
    assert labels.returncode == 0
    assert _listing_line(labels.stdout, "exclude").split()[3] == me

    assert run_cli("delete", "--ids", "102", "--yes").returncode == 0
    assert run_cli("delete", "--component-result-ids", "301", "--purge", "--yes").returncode == 0
    done = run_cli("erase", "--filter", MARKER, "--yes")
    assert done.returncode == 0, done.stderr

    listing = run_cli("trash")
    assert listing.returncode == 0, listing.stderr
    deleted = _listing_line(listing.stdout, "1 study results: 102")
    assert deleted.split()[-5] == me
    erased = _listing_line(listing.stdout, "erased 1 study results")
    assert f" {me} " in erased and erased.rstrip().endswith("erased 1 study results")
    purged = _listing_line(listing.stdout, "purged 1 component results")
    assert f" {me} " in purged
    # Newest first: the erase above the purge.
    assert listing.stdout.index(erased) < listing.stdout.index(purged)
    # The record holds counts and who, nothing of the participant nor of the selection.
    assert MARKER not in listing.stdout
    assert {f.column_name for f in RemovalRecord._meta.sorted_fields} == {
        "id", "action", "level", "results", "trashed", "at", "by",
    }


def _marked_doc() -> dict:
    doc = fx.metadata_doc()
    doc["data"][0]["studyResults"][0]["message"] = MARKER  # study result 101
    return doc
