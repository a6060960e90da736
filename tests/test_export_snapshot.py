"""An export reads one consistent snapshot: a delete or an import that another process
runs meanwhile gives the export from before it or after it, never a mix.

The race is made deterministic: the export's first progress call (a third of the way
through) runs the other process to its end before the export goes on.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from store import Selection, StoreError
from store.exporting import data_text
from store.exporting.export import export
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import run_cli

N = 300  # study results 1..300, component results 100001..100300; progress after 200


def _archive(path, ids, files_on=(), version=1):
    """A results archive of these runs; `files_on` runs have an uploaded file; another
    version is later and has other data (of the same sizes)."""
    src = fx.synthetic_archive(path.with_suffix(".base.zip"), N, data_bytes=60)
    with zipfile.ZipFile(src) as zf:
        meta = json.loads(zf.read("metadata.json"))
        data = {n: zf.read(n) for n in zf.namelist() if n != "metadata.json"}
    study = meta["data"][0]
    study["studyResults"] = [sr for sr in study["studyResults"] if sr["id"] in ids]
    entries = []
    for sr in study["studyResults"]:
        cr = sr["componentResults"][0]
        base = f"study_result_{sr['id']}/comp-result_{cr['id']}"
        if sr["id"] in files_on:
            blob = f"file of run {sr['id']}".encode() * 50
            entries.append((f"{base}/files/upload.bin", blob))
            cr["files"] = [{"filename": "upload.bin", "size": len(blob), "sizeHumanReadable": ""}]
        if version != 1:  # a later state of the run: the import takes it (store/importing/merge.py)
            sr["lastSeenDate"] += 1000
        payload = data[f"{base}/data.txt"]
        entries.append((f"{base}/data.txt", payload if version == 1 else payload.replace(b'"rt"', b'"RT"')))
    return fx.write_zip(path, entries + [("metadata.json", json.dumps(meta).encode())])


def _content(path) -> dict[str, bytes]:
    blob = path.read_bytes()
    if not blob.startswith(b"PK"):
        return {"": blob}
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {n: zf.read(n) for n in zf.namelist()} | {"<order>": "\n".join(zf.namelist()).encode()}


DELETE = ("delete", "--ids", "251-300", "--yes")
LATE = range(251, N + 1)  # deleted after the export has passed result 200
EARLY = range(1, 11)
CASES = {
    # name: (kind, selection, runs with files, the other process, the export it must give)
    "archive, deleted files vanish": ("archive", Selection(), LATE, DELETE, "after"),
    "archive, deleted rows": ("archive", Selection(), EARLY, DELETE, "before"),
    "archive, import replaces data": ("archive", Selection(study=12), EARLY, "import", "before"),
    "files, deleted files vanish": ("files", Selection(), LATE, DELETE, "after"),
    "data-zip, deleted rows": ("data-zip", Selection(), EARLY, DELETE, "before"),
    "plain text of everything, deleted rows": ("data", Selection(), EARLY, DELETE, "before"),
    "plain text of a study, import replaces data": ("data", Selection(study=12), EARLY, "import", "before"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_export_during_another_process_is_before_or_after_it(db_path, store, tmp_path, monkeypatch, case):
    kind, selection, files_on, other, expected = CASES[case]
    import_paths(store, [_archive(tmp_path / "v1.zip", range(1, N + 1), files_on)])
    if other == "import":
        other = ("import", str(_archive(tmp_path / "v2.zip", range(101, N + 1), files_on, version=2)))
    # Small chunks: the data of the late results is read after the other process ran.
    monkeypatch.setattr(data_text, "DATA_CHUNK", 50)
    monkeypatch.setattr(data_text, "JOIN_CHUNK", 50)
    export(store, kind, selection, tmp_path / "before")

    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        if not calls:
            assert done < total  # really half-way
            r = run_cli(*other)  # a second process, run to its end
            assert r.returncode == 0, r.stderr
        calls.append(done)

    export(store, kind, selection, tmp_path / "raced", progress=progress)
    export(store, kind, selection, tmp_path / "after")
    before, raced, after = (_content(tmp_path / n) for n in ("before", "raced", "after"))
    assert before != after
    assert raced == (before if expected == "before" else after)
    restarted = calls.count(calls[0]) > 1  # the same point reached twice: started again
    assert restarted == (expected == "after")
    if kind == "archive":
        meta = json.loads(raced["metadata.json"])
        listed = {cr["id"] for sr in meta["data"][0]["studyResults"] for cr in sr["componentResults"]}
        in_zip = {int(n.split("comp-result_")[1].split("/")[0]) for n in raced if "comp-result_" in n}
        assert listed == in_zip


def test_a_file_missing_for_good_is_one_line_after_bounded_retries(store, tmp_path, monkeypatch):
    from store.exporting import snapshot as export_snapshot

    import_paths(store, [fx.results_archive(tmp_path)])
    (store.files_root / "study-result_101" / "comp-result_302" / "audio.webm").unlink()
    snapshots = []
    real = export_snapshot.snapshot
    monkeypatch.setattr(export_snapshot, "snapshot", lambda s, *mapped: snapshots.append(1) or real(s, *mapped))
    with pytest.raises(StoreError, match="^result file missing from the files root: .*audio.webm$"):
        export(store, "archive", Selection(), tmp_path / "a.zip")
    assert len(snapshots) == export_snapshot.ATTEMPTS
    assert [p.name for p in tmp_path.iterdir() if "a.zip" in p.name] == []
