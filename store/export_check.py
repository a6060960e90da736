"""What an export would leave out: result data the store knows of but does not hold.

Metadata alone (a metadata JSON import) gives a component result its data size while its
data stays NULL until a results archive brings it. An export of data must say so rather
than write empty files, or an archive whose metadata.json claims data it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import MissingData
from .models import ComponentResult, StudyResult

# Kinds that carry result data. Metadata JSON and CSV carry sizes, which metadata does
# give, so they are complete without the data.
DATA_KINDS = ("data", "archive", "data-zip")
PULL_HINT_STUDIES = 3  # study ids named in the hint; more make the line too long


@dataclass(frozen=True)
class Missing:
    component_results: frozenset[int] = frozenset()
    studies: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.component_results)


def missing_data(cr_ids: list[int] | None) -> Missing:
    """The component results among cr_ids (None: all) whose data has a size but is not here."""
    # A partial index holds exactly these rows (store/database.py): no scan of the data.
    q = (
        ComponentResult.select(ComponentResult.id, StudyResult.study)
        .join(StudyResult)
        .where(ComponentResult.data.is_null() & (ComponentResult.data_size > 0))
        .tuples()
    )
    wanted = None if cr_ids is None else set(cr_ids)
    crs, studies = set(), set()
    for cr, st in q:
        if wanted is None or cr in wanted:
            crs.add(cr)
            studies.add(st)
    return Missing(frozenset(crs), tuple(sorted(studies)))


def check_missing(kind: str, cr_ids: list[int] | None, allow: bool) -> Missing:
    """Raise MissingData unless allowed; what the export leaves out otherwise."""
    if kind not in DATA_KINDS:
        return Missing()
    missing = missing_data(cr_ids)
    if missing and not allow:
        raise MissingData(missing_line(missing), len(missing))
    return missing


def missing_line(missing: Missing) -> str:
    studies = " ".join(f"--study {s}" for s in missing.studies[:PULL_HINT_STUDIES])
    if len(missing.studies) > PULL_HINT_STUDIES:
        studies += " …"
    return (
        f"{len(missing)} selected component results have data that is not in the store (its size is known "
        f"from metadata): get it with `jatos-results pull --url URL {studies}` or import the results "
        "archive; --allow-missing-data exports without it"
    )
