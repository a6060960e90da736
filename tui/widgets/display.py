"""How the results table shows a cell (the store's columns give the JATOS text)."""

from __future__ import annotations

import datetime as _dt

from rich.cells import cell_len, set_cell_size

from store import Column, local_short, visible


def column_width(col: Column) -> int:
    # room for the title and a sort arrow (a glyph header has none)
    return max(col.width, len(header_text(col)) + (2 if col.header is None else 0))


def header_text(col: Column) -> str:
    """Quota reached is a narrow flag, as JATOS shows it (⚠ where a run hit the quota)."""
    return col.header if col.header is not None else col.title


def short_time(ms: int | None) -> str:
    """A time in the server's (this machine's) time zone, to the second."""
    return local_short(ms)


def time_zone_name() -> str:
    return _dt.datetime.now().astimezone().tzname() or "local time"


def cell_text(col: Column, row, width: int | None = None) -> str:
    """A cell as the table shows it: the column's own cell (an icon, a shorter time) or its
    text; in a column squeezed below its natural width, its narrow form where it has one."""
    if col.narrow is not None and width is not None and width < column_width(col):
        return col.narrow(row)
    text = col.cell(row) if col.cell is not None else col.render(row)
    if col.mark is not None and width is not None and cell_len(text) > width:
        mark = col.mark(row)  # cut before the mark, which stays: "KrAdA…×3"
        if mark.strip() and cell_len(mark.strip()) + 2 <= width:
            mark = mark.strip()
            head = text[: len(text) - len(col.mark(row))]
            return set_cell_size(head, width - cell_len(mark) - 1) + "…" + mark
    return text


def id_list(level: str, ids: list[int], shown: int = 10) -> str:
    """"Study result ids 3, 4, 7, … (12 in all)": the first ids of some results (ascending),
    as JATOS lists them when it asks before deleting."""
    what = "Study result" if level == "study" else "Component result"
    if not ids:
        return ""
    if len(ids) == 1:
        return f"{what} id {ids[0]}"
    head = ", ".join(str(i) for i in ids[:shown])
    return f"{what} ids {head}" + (f", … ({len(ids)} in all)" if len(ids) > shown else "")


def fit_cell(text: str, width: int) -> str:
    """Pad or cut to exactly `width` terminal cells (wide characters count double)."""
    text = visible(text.replace("\n", " "))  # participants' text may hold escape sequences
    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…"
    return set_cell_size(text, width)
