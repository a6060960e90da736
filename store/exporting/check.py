"""What an export would leave out: result data the store knows of but does not hold.

Metadata alone (a metadata JSON import) gives a component result its data size while its
data stays NULL until a results archive brings it. An export of data must say so rather
than write empty files, or an archive whose metadata.json claims data it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import fn

from store.db.models import ComponentResult, ListedFile, ResultFile, StudyResult
from store.errors import MissingData

# Kinds that carry result data. Metadata JSON and CSV carry sizes, which metadata does
# give, so they are complete without the data.
DATA_KINDS = ("data", "archive", "data-zip", "trials")
PULL_HINT_STUDIES = 3  # study ids named in the hint; more make the line too long


FILE_KINDS = ("archive", "files")


@dataclass(frozen=True)
class Missing:
    component_results: frozenset[int] = frozenset()
    studies: tuple[int, ...] = ()
    files: int = 0  # uploaded files known from metadata, not in the store

    def __len__(self) -> int:
        return len(self.component_results)

    def __bool__(self) -> bool:
        return bool(self.component_results) or bool(self.files)


def data_only_on_server():
    """A component result whose data metadata gave a size for, and no archive brought (the
    size asked first: most rows' answer, without reading their data)."""
    return (ComponentResult.data_size > 0) & ComponentResult.data.is_null()


def file_only_on_server():
    """A listed file (a query on ListedFile) that the store does not hold."""
    present = ResultFile.select(ResultFile.id).where(
        (ResultFile.component_result == ListedFile.component_result) & (ResultFile.filename == ListedFile.filename)
    )
    return ~fn.EXISTS(present)


def missing_data(cr_ids: list[int] | None) -> Missing:
    """The component results among cr_ids (None: all) whose data has a size but is not here."""
    # A partial index holds exactly these rows (store/db/database.py): no scan of the data.
    q = ComponentResult.select(ComponentResult.id, StudyResult.study).join(StudyResult).where(data_only_on_server()).tuples()
    wanted = None if cr_ids is None else set(cr_ids)
    crs, studies = set(), set()
    for cr, st in q:
        if wanted is None or cr in wanted:
            crs.add(cr)
            studies.add(st)
    return Missing(frozenset(crs), tuple(sorted(studies)))


def missing_files(cr_ids: list[int] | None) -> tuple[int, set[int]]:
    """How many files metadata listed for these component results (None: all) that the
    store does not hold, and the studies they belong to."""
    q = (
        ListedFile.select(ListedFile.component_result, StudyResult.study)
        .join(ComponentResult)
        .join(StudyResult)
        .where(file_only_on_server())
        .tuples()
    )
    wanted = None if cr_ids is None else set(cr_ids)
    n, studies = 0, set()
    for cr, st in q:
        if wanted is None or cr in wanted:
            n += 1
            studies.add(st)
    return n, studies


def check_missing(kind: str, cr_ids: list[int] | None, allow: bool) -> Missing:
    """Raise MissingData unless allowed; what the export leaves out otherwise."""
    missing = missing_data(cr_ids) if kind in DATA_KINDS else Missing()
    if kind in FILE_KINDS:
        n, studies = missing_files(cr_ids)
        missing = Missing(missing.component_results, tuple(sorted(set(missing.studies) | studies)), n)
    if missing and not allow:
        what = missing_line(missing)
        raise MissingData(f"{what}; --allow-missing-data exports without them", len(missing), what)
    return missing


def missing_line(missing: Missing) -> str:
    studies = " ".join(f"--study {s}" for s in missing.studies[:PULL_HINT_STUDIES])
    if len(missing.studies) > PULL_HINT_STUDIES:
        studies += " …"
    what = []
    if missing.component_results:
        what.append(f"{len(missing)} selected component results have data that is not in the store")
    if missing.files:
        what.append(f"{missing.files} uploaded files of the selected results are not in the store")
    return (
        f"{' and '.join(what)} (metadata says they exist): get them with `jatos-results pull --url URL "
        f"{studies}` or import the results archive"
    )
