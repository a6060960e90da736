"""The results filter, shared by the command line and the results pages (jatos.md §5 "Filter").

Plain mode is JATOS's (DataTables') smart search: whitespace-separated terms must all
match somewhere in the row, "quoted phrases" stay together, !term excludes. A row is
its columns as displayed (dates also as JATOS searches them, ISO 8601 in UTC) plus the
result data of its component results. Regex mode applies one Python regular expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .columns import COMPONENT_COLUMNS, STUDY_COLUMNS
from .errors import StoreError
from .jatos_values import utc_iso
from .models import ComponentResult
from .rows import ComponentRow, StudyRow, component_rows, study_rows


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False


def parse_smart(text: str) -> list[Term]:
    """Split a smart-search string into terms, as DataTables does."""
    terms = []
    for m in re.finditer(r'(!?)"([^"]*)"|(\S+)', text):
        if m.group(3) is not None:
            word = m.group(3)
            negated = word.startswith("!") and len(word) > 1
            terms.append(Term(word[1:] if negated else word, negated))
        elif m.group(2):
            terms.append(Term(m.group(2), bool(m.group(1))))
    return [t for t in terms if t.text]


@dataclass(frozen=True)
class Filter:
    text: str
    regex: bool = False
    case_sensitive: bool = False

    def compiled(self) -> re.Pattern:
        try:
            return re.compile(self.text, 0 if self.case_sensitive else re.IGNORECASE)
        except re.error as exc:
            raise StoreError(f"invalid regular expression {self.text!r}: {exc}") from None

    def validate(self) -> None:
        if self.regex:
            self.compiled()


def study_row_text(row: StudyRow) -> str:
    parts = [c.render(row) for c in STUDY_COLUMNS]
    parts += [utc_iso(row.start_date), utc_iso(row.end_date), utc_iso(row.last_seen_date)]
    # Not columns in JATOS, but what researchers look results up by (a Prolific id, a comment).
    parts += [row.study_title, row.url_query_parameters or "", row.worker_comment or ""]
    return " ".join(p for p in parts if p)


def component_row_text(row: ComponentRow) -> str:
    parts = [c.render(row) for c in COMPONENT_COLUMNS]
    parts += [utc_iso(row.start_date), utc_iso(row.end_date), row.component_title or f"Component {row.component_id}"]
    return " ".join(p for p in parts if p)


def _data_matches(pattern: str, flags_ci: bool, level: str) -> set[int]:
    """Ids (study results, or component results) whose result data matches a regex."""
    # SQLite's REGEXP is Python's re.search; (?i) gives case-insensitivity.
    pat = ("(?i)" if flags_ci else "") + pattern
    key = ComponentResult.id if level == "component" else ComponentResult.study_result
    q = ComponentResult.select(key).where(ComponentResult.data.regexp(pat)).distinct().tuples()
    return {r[0] for r in q}


def apply(filter_: Filter, level: str, ids: Iterable[int]) -> list[int]:
    """The ids (in the given order) whose rows match the filter."""
    ids = list(ids)
    if not filter_.text.strip():
        return ids
    rows = study_rows(ids) if level == "study" else component_rows(ids)
    to_text = study_row_text if level == "study" else component_row_text
    texts = {r.id: to_text(r) for r in rows}
    ci = not filter_.case_sensitive
    if filter_.regex:
        rx = filter_.compiled()
        in_data = _data_matches(filter_.text, ci, level)
        return [i for i in ids if i in in_data or (i in texts and rx.search(texts[i]))]
    terms = parse_smart(filter_.text)
    if not terms:
        return ids
    if ci:
        texts = {k: v.lower() for k, v in texts.items()}
    keep = [i for i in ids if i in texts]
    for term in terms:
        needle = term.text.lower() if ci else term.text
        in_data = _data_matches(re.escape(term.text), ci, level)
        if term.negated:
            keep = [i for i in keep if needle not in texts[i] and i not in in_data]
        else:
            keep = [i for i in keep if needle in texts[i] or i in in_data]
    return keep

