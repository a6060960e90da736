"""The model behind a results page: scope, filter, sort, selection and expanded rows.

The table widget is dumb: it asks a ResultsView how many lines there are and what each
line holds. Ids are held compactly (an `array`), rows are fetched a page at a time and
cached, so a page stays small whatever the number of results.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, NamedTuple

from store.columns import Column, columns_for
from store.pages.component_data import data_previews
from store.pages.frequency import ValueFilter, ids_with_values
from store.pages.order import ordered_ids
from store.pages.page import Page
from store.pages.rows import ComponentRow, StudyRow, component_rows, study_rows
from store.pages.selection import Selection, component_ids_of
from store.search import engine
from store.search import filter as search

PAGE = 100
FIRST_ROWS = 200  # rows a filter looks for before it counts the rest
ROW_CACHE = 1000  # rows kept fetched


@dataclass(frozen=True)
class Computed:
    """A stage of a page's answer, from ResultsView.results()."""

    filter: search.Filter
    sort_key: str | None
    descending: bool
    ids: array
    total: int | None  # rows on the page, before the filter (None: still counting)
    complete: bool = True  # False: `ids` are the first rows of the answer; more may follow
    scanned: float = 1.0  # share of the page's rows the filter has looked at
    looking: bool = False  # still looking for the first screenful
    value_filter: ValueFilter | None = None  # the rows showing a chosen value (store/pages/frequency.py)


class Line(NamedTuple):
    kind: str  # "row", "child" (a component result under an expanded row), "preview" (its data)
    index: int  # index of the row in the view
    row_id: int
    child: ComponentRow | None = None
    text: str = ""


class ResultsView:
    """Scope, filter, sort, selection and expansion of one results page."""

    def __init__(self, page: Page, columns: list[Column] | None = None):
        self.page = page
        self.level = page.level
        self.all_columns = columns_for(self.level, "worker" if page.kind == "worker" else "study")
        self.columns = columns or [c for c in self.all_columns if c.default_visible]
        self.filter = search.Filter("")
        self.hide_test_runs = False  # JATOS's own test runs (worker type Jatos) left out of the page
        self.sort_key: str | None = None  # None: JATOS's default, id descending
        self.descending = True
        self.ids = array("q")
        self.total = 0
        self.selected: set[int] = set()
        self.expanded: dict[int, list[Line]] = {}  # row id -> its child and preview lines
        self.partial = False  # only the first rows of a filter are known yet
        self.looking = False  # ... and not all of the first screenful
        self.scanned = 1.0  # share of the page's rows the filter has looked at
        self._version = 0  # data version: bumped when another process changes the store
        self._bases: dict[tuple, array] = {}
        self._narrowed: tuple = ((), array("q"), None)  # (key, rows, keep) of the last field terms
        self.value_filter: ValueFilter | None = None
        self._having: dict[ValueFilter, set[int]] = {}  # the rows showing a value filter's values
        # Rows by id, the most recently used last: a new filter mostly shows rows seen before.
        self._cache: OrderedDict[int, StudyRow | ComponentRow] = OrderedDict()
        self._gone: set[int] = set()  # fetched and not found

    # -- computing ----------------------------------------------------------------------

    def selection(self, hide_test_runs: bool | None = None) -> Selection:
        """The page's scope, as every question about its rows asks it: the rows, their order
        and count, select-all, export and delete of all."""
        hide = self.hide_test_runs if hide_test_runs is None else hide_test_runs
        return dataclasses.replace(self.page.selection(), exclude_test_runs=hide)

    def base_ids(self, sort_key: str | None, descending: bool) -> array:
        """The page's rows in this order, unfiltered: held once per sort (8 bytes a row), so
        that a filter only has to say which of them match. Safe to call from a worker."""
        version, hide = self._version, self.hide_test_runs  # read once: the screen's thread sets it
        key = (sort_key, descending, hide)
        ids = self._bases.get(key)
        if ids is None:
            ids = ordered_ids(self.selection(hide), sort_key, descending)
            if version == self._version:  # not computed across a change of the data
                self._bases = {k: v for k, v in self._bases.items() if k[0] == sort_key} | {key: ids}
        return ids

    def narrowed(self, base: array, value_filter: ValueFilter | None) -> array:
        """The page's rows (in order) that show the value filter's values (SQL: in a worker)."""
        if value_filter is None:
            return base
        version, having = self._version, self._having.get(value_filter)
        if having is None:
            having = set(ids_with_values(self.page.selection(), value_filter.column, value_filter.values))
            if version == self._version:
                self._having = {value_filter: having}
        return array("q", (i for i in base if i in having))

    def results(
        self, filter_: search.Filter | None = None, sort_key=..., descending=None, first: int = FIRST_ROWS,
        cancelled: Callable[[], bool] = lambda: False, value_filter=...,
    ) -> Iterator[Computed]:
        """Ids for a filter, a value filter and sort, in stages (may be slow: run it in a
        worker; pure: no state changes): the rows found so far while the first `first` are
        looked for, the first `first`, then all of them. Each stage is for apply()."""
        f = self.filter if filter_ is None else filter_
        key = self.sort_key if sort_key is ... else sort_key
        desc = self.descending if descending is None else descending
        vf = self.value_filter if value_filter is ... else value_filter
        if not f.active and vf is None and (key, desc, self.hide_test_runs) not in self._bases:
            # The page's first rows at once; holding all of them takes a moment on a big page.
            head = ordered_ids(self.selection(), key, desc, limit=first)
            if len(head) == first:
                yield Computed(f, key, desc, head, None, False, 0.0, False)
        whole = self.base_ids(key, desc)
        base = self.narrowed(whole, vf)
        if not f.active:
            yield Computed(f, key, desc, base, len(whole), value_filter=vf)
            return
        f.validate()
        selection, total = self.selection(), len(whole)
        base, keep = self._narrow(f, key, desc, base, selection, vf)

        def order(ids):  # a rare term's rows, from the whole index: narrowed as the base is
            ordered = self.narrowed(ordered_ids(selection, key, desc, among=ids), vf)
            return ordered if keep is None else keep(ordered)

        for found in engine.stages(f, self.level, base, first, order, cancelled):
            looking = not found.complete and len(found.ids) < first
            yield Computed(f, key, desc, found.ids, total, found.complete, found.scanned, looking, vf)

    def _narrow(
        self, f: search.Filter, key, desc, base: array, selection: Selection, vf: ValueFilter | None
    ) -> tuple[array, Callable | None]:
        """The page's rows that meet the filter's field terms (engine.narrowed), kept for the
        next keystroke: typing free terms after `state:FINISHED` narrows once."""
        p = search.plan(f)
        if p.tree is None:
            return base, None
        wanted = (p.tree, p.case_sensitive, key, desc, selection.exclude_test_runs, vf, self._version)
        if self._narrowed[0] != wanted:
            by_id = ("desc" if desc else "asc") if key in (None, "id") else None  # ordered_ids's id order
            narrowed = engine.narrowed(f, self.level, base, selection.scope_ids, by_id)
            self._narrowed = (wanted, *narrowed)
        return self._narrowed[1], self._narrowed[2]

    def compute(self, filter_: search.Filter | None = None, sort_key=..., descending=None) -> Computed:
        """The whole answer of results()."""
        last = None
        for last in self.results(filter_, sort_key, descending):  # noqa: B007 (the last one is the answer)
            pass
        return last

    def apply(self, computed: Computed) -> None:
        """Take a stage of results() (on the UI thread). An incomplete one shows the first
        rows while the rest is still being looked for."""
        c = computed
        self.filter, self.sort_key, self.descending, self.ids = c.filter, c.sort_key, c.descending, c.ids
        self.value_filter = c.value_filter
        self.total = c.total
        self.partial = not c.complete
        self.scanned, self.looking = c.scanned, c.looking
        self.expanded = {k: v for k, v in self.expanded.items() if self.index_of(k) is not None}
        self._relayout()

    def refresh(self) -> None:
        self.apply(self.compute())

    def reload_rows(self) -> None:
        """Forget fetched rows (after another process changed the database). The expanded
        rows' lines stay until child_lines() fetched anew are set with set_expanded()."""
        self._cache.clear()
        self._gone.clear()
        self._version += 1
        self._bases = {}
        self._having = {}
        self._relayout()

    # -- rows: fetched in a worker, drawn from what was fetched ---------------------------

    @property
    def version(self) -> int:
        """Hand it back with rows fetched in a worker: add_rows drops rows older than a reload."""
        return self._version

    def row(self, index: int) -> StudyRow | ComponentRow | None:
        """The row at `index` if fetched, else None (no SQL: the table draws from this)."""
        if not 0 <= index < len(self.ids):
            return None
        row = self._cache.get(self.ids[index])
        if row is not None:
            self._cache.move_to_end(row.id)
        return row

    def is_gone(self, row_id: int) -> bool:
        """Fetched and not found: another process deleted it."""
        return row_id in self._gone

    def missing(self, first: int, last: int, ids: array | None = None) -> list[int]:
        """The ids at indexes first..last (of `ids`, or the shown ones) not fetched yet,
        widened to whole pages of PAGE rows: one query fetches each page."""
        ids = self.ids if ids is None else ids
        lo, hi = max(0, first) // PAGE * PAGE, (max(0, last) // PAGE + 1) * PAGE
        return [i for i in ids[lo:hi] if i not in self._cache and i not in self._gone]

    def fetch(self, ids: list[int]) -> list[StudyRow | ComponentRow]:
        """The rows of these ids (SQL: in a worker; pure)."""
        return study_rows(ids) if self.level == "study" else component_rows(ids)

    def add_rows(self, ids: list[int], rows: list, version: int) -> None:
        """Rows fetch(ids) found, on the UI thread; those of ids not found are gone."""
        if version != self._version:
            return  # fetched before the data changed
        for r in rows:
            self._cache[r.id] = r
        self._gone.update(set(ids).difference(r.id for r in rows))
        while len(self._cache) > ROW_CACHE:
            self._cache.popitem(last=False)

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

    def set_expanded(self, row_id: int, lines: list[Line] | None) -> None:
        """Show a row's child_lines() under it, or (None) fold it."""
        if lines is None:
            self.expanded.pop(row_id, None)
        elif self.level == "study":
            self.expanded[row_id] = lines
        self._relayout()

    def child_lines(self, row_id: int) -> list[Line]:
        """A row's component results and the start of their data (SQL: in a worker)."""
        index = self.index_of(row_id) or 0
        children = component_rows(component_ids_of([row_id]))
        previews = data_previews([c.id for c in children])
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

    def all_ids(self) -> array:
        """Every row of the page, whatever the filter (JATOS's "All"; SQL: in a worker)."""
        return ordered_ids(self.selection(), None, True)

    def select_filtered(self) -> None:
        self.selected.update(self.ids)

    def select_ids(self, ids: Iterable[int]) -> None:
        self.selected.update(ids)

    def deselect_all(self) -> None:
        self.selected.clear()

    def selected_in_order(self) -> list[int]:
        return sorted(self.selected)

    def status(self) -> str:
        of = f" of {self.total}" if self.total is not None else ""
        if self.looking:
            shown = f"{len(self.ids)} found so far, searching {self.scanned:.0%}{of}"
        elif self.partial:
            shown = f"first {len(self.ids)} (counting…){of} shown"
        else:
            shown = f"{len(self.ids)}{of} shown"
        text = f"{shown} · {len(self.selected)} selected"
        if self.hide_test_runs:
            text += " · test runs hidden"
        if self.filter.text.strip():
            mode = []
            if self.filter.regex:
                mode.append("RegEx")
            if self.filter.case_sensitive:
                mode.append("Aa")
            text += f" · filter: {self.filter.text}" + (f" ({', '.join(mode)})" if mode else "")
        if self.value_filter is not None:
            text += f" · {self.value_filter.label()}"
        return text

    def counted_ids(self) -> array | None:
        """The rows counts per value are for: the page's as filtered (None: its whole scope,
        counted by its conditions). Only once the page's answer is final."""
        return self.ids if self.filter.active or self.value_filter is not None else None

    def scope_ids(self) -> array:
        """The page's rows whatever the filter, as held for its sort (SQL only if not held:
        in a worker)."""
        return self.base_ids(self.sort_key, self.descending)

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
