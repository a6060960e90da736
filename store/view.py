"""The model behind a results page: scope, filter, sort, selection and expanded rows.

The table widget is dumb: it asks a ResultsView how many lines there are and what each
line holds. Ids are held compactly (an `array`), rows are fetched a page at a time and
cached, so a page stays small whatever the number of results.
"""

from __future__ import annotations

from array import array
from operator import itemgetter
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable, NamedTuple

import peewee
from peewee import JOIN, fn

from . import search
from .columns import Column, columns_for
from .models import Batch, Component, ComponentResult, ResultFile, Study, StudyResult, Worker
from .rows import ComponentRow, StudyRow, component_rows, study_rows
from .selection import Selection, component_ids_of

PAGE = 100


class Line(NamedTuple):
    kind: str  # "row", "child" (a component result under an expanded row), "preview" (its data)
    index: int  # index of the row in the view
    row_id: int
    child: ComponentRow | None = None
    text: str = ""


@dataclass(frozen=True)
class Page:
    """Which results page: its kind ("study", "component", "batch", "group", "worker") and id."""

    kind: str
    id: int

    @property
    def level(self) -> str:
        return "component" if self.kind == "component" else "study"

    def selection(self) -> Selection:
        return Selection(**{self.kind: self.id})

    def title(self, count: int | None = None) -> str:
        n = f" ({count})" if count is not None else ""
        if self.kind == "study":
            st = Study.get_or_none(Study.id == self.id)
            return f"Study results: {st.title if st else self.id}{n}"
        if self.kind == "component":
            c = Component.get_or_none(Component.id == self.id)
            return f"Component results: {c.display_title if c else self.id}{n}"
        if self.kind == "batch":
            b = Batch.get_or_none(Batch.id == self.id)
            return f"Batch results: {b.title if b else self.id}{n}"
        if self.kind == "group":
            return f"Group {self.id}{n}"
        return f"Worker {self.id}{n}"


def _sort_expressions(level: str) -> dict:
    if level == "component":
        return {
            "quota": ComponentResult.quota_reached,
            "id": ComponentResult.id,
            "component_id": ComponentResult.component,
            "study_result_id": ComponentResult.study_result,
            "study_result_uuid": StudyResult.uuid,
            "study_code": StudyResult.study_code,
            "start": ComponentResult.start_date,
            "end": ComponentResult.end_date,
            "duration": ComponentResult.end_date - ComponentResult.start_date,
            "batch": Batch.title,
            "worker_id": StudyResult.worker,
            "type": Worker.worker_type,
            "group_id": StudyResult.group,
            "state": ComponentResult.state,
            "data_size": ComponentResult.data_size,
            "files_size": fn.COALESCE(
                ResultFile.select(fn.SUM(ResultFile.size)).where(ResultFile.component_result == ComponentResult.id), 0
            ),
            "message": ComponentResult.message,
        }
    return {
        "quota": StudyResult.quota_reached,
        "id": StudyResult.id,
        "uuid": StudyResult.uuid,
        "study_code": StudyResult.study_code,
        "start": StudyResult.start_date,
        "end": StudyResult.end_date,
        "last_seen": StudyResult.last_seen_date,
        "duration": fn.COALESCE(StudyResult.end_date, StudyResult.last_seen_date) - StudyResult.start_date,
        "batch": Batch.title,
        "batch_id": StudyResult.batch,
        "worker_id": StudyResult.worker,
        "type": Worker.worker_type,
        "mt_worker_id": Worker.mt_worker_id,
        "confirmation_code": StudyResult.confirmation_code,
        "group_id": StudyResult.group,
        "files": fn.EXISTS(
            ResultFile.select(ResultFile.id)
            .join(ComponentResult)
            .where(ComponentResult.study_result == StudyResult.id)
        ),
        "state": StudyResult.state,
        "message": StudyResult.message,
        "study_id": StudyResult.study,
        "study": Study.title,
    }


def ordered_ids(
    selection: Selection, sort_key: str | None, descending: bool, filter_: search.Filter | None = None,
    limit: int | None = None,
) -> array:
    """The ids of a selection's rows in the page's order, filtered and sorted in the database."""
    level = selection.level
    exprs = _sort_expressions(level)
    expr = exprs.get(sort_key or "id", exprs["id"])
    if level == "component":
        base = ComponentResult.id
        q = (
            ComponentResult.select(ComponentResult.id)
            .join(StudyResult, on=(ComponentResult.study_result == StudyResult.id))
            .join(Worker, on=(StudyResult.worker == Worker.id))
            .switch(StudyResult)
            .join(Batch, JOIN.LEFT_OUTER, on=(StudyResult.batch == Batch.id))
        )
    else:
        base = StudyResult.id
        q = (
            StudyResult.select(StudyResult.id)
            .join(Worker, on=(StudyResult.worker == Worker.id))
            .switch(StudyResult)
            .join(Batch, JOIN.LEFT_OUTER, on=(StudyResult.batch == Batch.id))
            .switch(StudyResult)
            .join(Study, on=(StudyResult.study == Study.id))
        )
    for cond in selection.where():
        q = q.where(cond)
    fcond = search.condition(filter_, level, scan=limit is None) if filter_ is not None else None
    if fcond is not None:
        q = q.where(fcond)
    order = [expr.desc(nulls="LAST") if descending else expr.asc(nulls="FIRST")]
    if expr is not base:
        order.append(base.desc() if descending else base.asc())
    q = q.order_by(*order)
    if limit is not None:
        q = q.limit(limit)
    cursor = StudyResult._meta.database.execute(q)  # a raw cursor: a million ids in well under a second
    rows = map(itemgetter(0), cursor)
    wanted = selection.explicit_ids()
    return array("q", rows if wanted is None else (i for i in rows if i in wanted))


def count_rows(selection: Selection) -> int:
    """How many rows a page has, without fetching them."""
    if selection.level == "component":
        q = ComponentResult.select(ComponentResult.id).join(StudyResult, on=(ComponentResult.study_result == StudyResult.id))
    else:
        q = StudyResult.select(StudyResult.id)
    if selection.worker_type or selection.batch is not None:
        q = q.switch(StudyResult).join(Worker, on=(StudyResult.worker == Worker.id))
    for cond in selection.where():
        q = q.where(cond)
    wanted = selection.explicit_ids()
    if wanted is not None:
        return sum(1 for r in q.tuples() if r[0] in wanted)
    return q.count()


class ResultsView:
    """Scope, filter, sort, selection and expansion of one results page."""

    def __init__(self, page: Page, columns: list[Column] | None = None):
        self.page = page
        self.level = page.level
        self.all_columns = columns_for(self.level, "worker" if page.kind == "worker" else "study")
        self.columns = columns or [c for c in self.all_columns if c.default_visible]
        self.filter = search.Filter("")
        self.sort_key: str | None = None  # None: JATOS's default, id descending
        self.descending = True
        self.ids = array("q")
        self.total = 0
        self.selected: set[int] = set()
        self.expanded: dict[int, list[Line]] = {}  # row id -> its child and preview lines
        self.partial = False  # only the first rows of a filter are known yet
        self._dirty_total = True
        self._cache: OrderedDict[int, dict[int, StudyRow | ComponentRow]] = OrderedDict()

    # -- computing ----------------------------------------------------------------------

    def compute(self, filter_: search.Filter | None = None, sort_key=..., descending=None, limit: int | None = None) -> tuple:
        """Work out ids for a filter and sort (may be slow: run it in a worker). Pure: no state changes.

        With `limit`, only the first rows (to show at once); the total is then None."""
        f = self.filter if filter_ is None else filter_
        key = self.sort_key if sort_key is ... else sort_key
        desc = self.descending if descending is None else descending
        base = self.page.selection()
        ids = ordered_ids(base, key, desc, f if f.active else None, limit)
        if limit is not None:
            return f, key, desc, ids, None
        total = len(ids) if not f.active else self._count(base)
        return f, key, desc, ids, total

    def completed(self, first: tuple) -> tuple | None:
        """A limited compute() that found fewer rows than its limit is the whole answer,
        unless it left out a scan of the data (then None)."""
        if search.needs_scan(first[0]):
            return None
        total = self._count(self.page.selection()) if first[0].active else len(first[3])
        return first[:4] + (total,)

    def _count(self, base: Selection) -> int:
        if self.total and not self._dirty_total:
            return self.total
        return count_rows(base)

    def apply(self, computed: tuple) -> None:
        """Take the result of compute() (on the UI thread). A partial result (total None)
        shows the first rows while the rest is still being counted."""
        self.filter, self.sort_key, self.descending, self.ids, total = computed
        self.partial = total is None
        if total is not None:
            self.total = total
            self._dirty_total = False
        self._cache.clear()
        self.expanded = {k: v for k, v in self.expanded.items() if self.index_of(k) is not None}
        self._relayout()

    def refresh(self) -> None:
        self.apply(self.compute())

    def reload_rows(self) -> None:
        """Forget cached rows (after another process changed the database)."""
        self._cache.clear()
        self._dirty_total = True
        for rid in list(self.expanded):
            self.expanded[rid] = self._child_lines(rid)
        self._relayout()

    # -- rows ---------------------------------------------------------------------------

    def row(self, index: int) -> StudyRow | ComponentRow | None:
        if not 0 <= index < len(self.ids):
            return None
        page_no = index // PAGE
        page = self._cache.get(page_no)
        if page is None:
            chunk = list(self.ids[page_no * PAGE : (page_no + 1) * PAGE])
            rows = study_rows(chunk) if self.level == "study" else component_rows(chunk)
            page = {r.id: r for r in rows}
            self._cache[page_no] = page
            if len(self._cache) > 20:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(page_no)
        return page.get(self.ids[index])

    def index_of(self, row_id: int) -> int | None:
        try:
            return self.ids.index(row_id)
        except ValueError:
            return None

    # -- lines (rows plus expanded children) ---------------------------------------------

    def _relayout(self) -> None:
        """Positions of expanded rows, so that line lookups need not walk every row."""
        spots = []
        for rid, lines in self.expanded.items():
            idx = self.index_of(rid)
            if idx is not None:
                spots.append((idx, rid, len(lines)))
        spots.sort()
        self._spots = spots

    def line_count(self) -> int:
        return len(self.ids) + sum(n for _, _, n in getattr(self, "_spots", []))

    def line(self, y: int) -> Line | None:
        extra = 0
        for idx, rid, n in getattr(self, "_spots", []):
            first_line = idx + extra
            if y <= first_line:
                break
            if y <= first_line + n:
                return self.expanded[rid][y - first_line - 1]
            extra += n
        index = y - extra
        if 0 <= index < len(self.ids):
            return Line("row", index, self.ids[index])
        return None

    def line_of_index(self, index: int) -> int:
        extra = sum(n for idx, _, n in getattr(self, "_spots", []) if idx < index)
        return index + extra

    def toggle_expanded(self, row_id: int) -> bool:
        if self.level != "study":
            return False
        if row_id in self.expanded:
            del self.expanded[row_id]
        else:
            self.expanded[row_id] = self._child_lines(row_id)
        self._relayout()
        return row_id in self.expanded

    def _child_lines(self, row_id: int) -> list[Line]:
        index = self.index_of(row_id) or 0
        children = component_rows(component_ids_of([row_id]))
        previews = _previews([c.id for c in children])
        lines: list[Line] = []
        for c in children:
            lines.append(Line("child", index, row_id, c))
            for text in previews.get(c.id, ["no data"]):
                lines.append(Line("preview", index, row_id, c, text))
        if not children:
            lines.append(Line("preview", index, row_id, None, "no component results"))
        return lines

    # -- selection ------------------------------------------------------------------------

    def toggle(self, row_id: int) -> None:
        self.selected.symmetric_difference_update({row_id})

    def select_all(self) -> None:
        """Every row of the page, whatever the filter (JATOS's "All")."""
        self.selected.update(ordered_ids(self.page.selection(), None, True))

    def select_filtered(self) -> None:
        self.selected.update(self.ids)

    def select_ids(self, ids: Iterable[int]) -> None:
        self.selected.update(ids)

    def deselect_all(self) -> None:
        self.selected.clear()

    def selected_in_order(self) -> list[int]:
        return sorted(self.selected)

    def status(self) -> str:
        shown = f"first {len(self.ids)} (counting…)" if self.partial else str(len(self.ids))
        text = f"{shown} of {self.total} shown · {len(self.selected)} selected"
        if self.filter.text.strip():
            mode = []
            if self.filter.regex:
                mode.append("RegEx")
            if self.filter.case_sensitive:
                mode.append("Aa")
            text += f" · filter: {self.filter.text}" + (f" ({', '.join(mode)})" if mode else "")
        return text

    def sort_label(self) -> str:
        if self.sort_key is None:
            return ""
        col = next((c for c in self.all_columns if c.key == self.sort_key), None)
        return f"{col.title if col else self.sort_key} {'▼' if self.descending else '▲'}"

    def cycle_sort(self, key: str) -> tuple:
        """The next sort for a column: ascending, descending, back to the default."""
        if self.sort_key != key:
            return key, False
        if not self.descending:
            return key, True
        return None, True


def _previews(cr_ids: list[int], max_lines: int = 3, max_chars: int = 400) -> dict[int, list[str]]:
    """The first lines of each component result's data (JATOS shows a short preview)."""
    out: dict[int, list[str]] = {}
    for chunk in peewee.chunked(cr_ids, 200):
        q = ComponentResult.select(ComponentResult.id, fn.SUBSTR(ComponentResult.data, 1, max_chars * max_lines)).where(
            ComponentResult.id.in_(chunk)
        )
        for cid, head in q.tuples():
            if head is None:
                continue
            if head == "":
                out[cid] = ["(empty)"]
                continue
            lines = head.split("\n")
            shown = [ln[:max_chars] for ln in lines[:max_lines]]
            if len(lines) > max_lines or len(head) >= max_chars * max_lines:
                shown[-1] = shown[-1] + " …"
            out[cid] = shown
    return out

