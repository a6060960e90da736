"""Which runs count: a label (include, exclude, pending, or any word a researcher types) and
a note with the reason, on study results, with who set them and when.

Labels live in their own table (models.ResultLabel), keyed by study result id: JATOS has no
such thing, so an import or a pull never writes or erases one. A label stays while its
result is in the trash (undo brings both back) and goes when the result goes for good
(purge, erase, the trash emptied: store/removal/trash.py). The label and the note are
columns of the results pages (store/columns.py) and part of the row's search text, which
is written with the label (store/importing/writes.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from store.db.database import Store
from store.db.existing import existing_ids
from store.db.idlists import chunks, id_in
from store.db.models import ResultLabel, StudyResult
from store.errors import NothingSelected, StoreError
from store.importing import writes
from store.removal.trash import now_ms, who

SUGGESTED = ("include", "exclude", "pending")
MAX_LABEL = 40  # a label is a category: a word or two (the note holds the reason)


@dataclass(frozen=True)
class LabelRecord:
    study_result: int
    label: str
    note: str
    labelled_by: str
    labelled_at: int


@dataclass
class LabelResult:
    labelled: int = 0
    cleared: int = 0
    skipped: int = 0  # results without a label whose note alone was to change

    def line(self) -> str:
        if self.cleared:
            return f"cleared the labels of {self.cleared} study results"
        text = f"labelled {self.labelled} study results"
        if self.skipped:
            text += f"; {self.skipped} have no label, so their note was left alone (give a label)"
        return text


def normalise(label: str) -> str:
    """A label as stored: trimmed, lower case (one decision, however it was typed)."""
    text = " ".join((label or "").split()).lower()
    if not text:
        raise StoreError("a label is needed: pick include, exclude or pending, or type one")
    if len(text) > MAX_LABEL:
        raise StoreError(f"a label is at most {MAX_LABEL} characters (the note holds the reason)")
    if not text.isprintable():
        raise StoreError("a label cannot hold control characters")
    return text


def label_list(text: str) -> tuple[str, ...]:
    """Labels named in one text, comma-separated: the export dialog's field and each
    --exclude-label take the same."""
    return tuple(x.strip() for x in text.split(",") if x.strip())


def clean_note(note: str) -> str:
    # One line: the note is a table cell, a CSV cell and part of the search text.
    text = " ".join((note or "").split())
    if not text.isprintable():
        raise StoreError("a note cannot hold control characters")
    return text


def set_labels(store: Store, ids: list[int], label: str | None, note: str | None = None) -> LabelResult:
    """Label these study results (`label` None: keep each one's label, change its note);
    `note` None keeps each one's note. Results not in the store are left out."""
    if not ids:
        raise NothingSelected()
    label = normalise(label) if label is not None else None
    note = clean_note(note) if note is not None else None
    if label is None and note is None:
        raise StoreError("nothing to change: give a label, a note, or --clear")
    result = LabelResult()
    with store.write():
        present = existing_ids("study", ids)
        if not present:
            raise StoreError("none of these study results is in the store")
        held = labels_of(present)
        at, by = now_ms(), who(store)
        rows = []
        for i in present:
            old = held.get(i)
            if label is None and old is None:
                result.skipped += 1
                continue
            rows.append((
                i, label if label is not None else old.label,
                note if note is not None else (old.note if old else ""), by, at,
            ))
        writes.write_labels(rows, [])
    result.labelled = len(rows)
    return result


def clear_labels(store: Store, ids: list[int]) -> LabelResult:
    """Remove the label and note of these study results."""
    if not ids:
        raise NothingSelected()
    with store.write():
        labelled = sorted(labels_of(ids))
        writes.write_labels([], labelled)
    return LabelResult(cleared=len(labelled))


def labels_of(ids) -> dict[int, LabelRecord]:
    out: dict[int, LabelRecord] = {}
    for chunk in chunks(ResultLabel.study_result, sorted(set(ids))):
        q = ResultLabel.select().where(id_in(ResultLabel.study_result, chunk)).tuples()
        out.update((r[0], LabelRecord(*r)) for r in q)
    return out


def listing(study: int | None = None, label: str | None = None) -> list[tuple[LabelRecord, int]]:
    """Every label of results in the store, (record, study id), by study result id."""
    q = (
        ResultLabel.select(ResultLabel, StudyResult.study)
        .join(StudyResult, on=(ResultLabel.study_result == StudyResult.id))
        .order_by(ResultLabel.study_result)
    )
    if study is not None:
        q = q.where(StudyResult.study == study)
    if label is not None:
        q = q.where(ResultLabel.label == normalise(label))
    return [(LabelRecord(*t[:5]), t[5]) for t in q.tuples()]


def unknown(labels) -> list[str]:
    """Those of these labels no study result carries (a typo excludes nothing: say so)."""
    wanted = [" ".join(x.split()).lower() for x in labels]
    held = {r[0] for r in ResultLabel.select(ResultLabel.label).where(ResultLabel.label.in_(wanted)).distinct().tuples()}
    return [x for x in wanted if x not in held]
