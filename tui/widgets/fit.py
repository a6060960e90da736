"""Column widths that fit the terminal: each column's room as the registry (store/columns.py)
says it may give it up.

Every column starts at its natural width (tui/widgets/display.py). While the row is wider
than the screen, columns give up room step by step in the order of their ranks: a squeeze
narrows a column to its `min_width` (its text then ends in "…"), a drop leaves it out of the
table. Room that the last step freed beyond what was needed goes back to the columns
squeezed last. Columns with neither (the result id, the state) keep their width: the
table scrolls sideways to what does not fit.
"""

from __future__ import annotations

from store import Column
from tui.widgets.display import column_width


def fit_widths(columns: list[Column], room: int) -> list[int]:
    """Each column's width in `room` cells (0: left out); every column is followed by a space."""
    natural = [column_width(c) for c in columns]
    widths = list(natural)
    excess = sum(w + 1 for w in widths) - room
    steps = sorted(
        [(c.squeeze, 0, -i) for i, c in enumerate(columns) if c.min_width is not None]
        + [(c.drop, 1, -i) for i, c in enumerate(columns) if c.drop is not None]
    )  # by rank; at one rank squeezes before drops, the rightmost column first
    squeezed: list[int] = []
    for _, drop, neg in steps:
        if excess <= 0:
            break
        i = -neg
        if widths[i] == 0:
            continue
        if drop:
            excess -= widths[i] + 1
            widths[i] = 0
            continue
        floor = min(columns[i].min_width, natural[i])
        give = min(widths[i] - floor, excess)
        if give > 0:
            widths[i] -= give
            excess -= give
            squeezed.append(i)
    for i in reversed(squeezed):  # a drop may have freed more than was needed
        if excess >= 0:
            break
        if widths[i]:
            back = min(natural[i] - widths[i], -excess)
            widths[i] += back
            excess += back
    return widths


def scroll_showing(widths: list[int], lead: int, pinned: int, column: int, left: int, room: int) -> int | None:
    """The sideways scroll that shows this column whole (None: it is shown), with the scrolled
    part starting at a column's edge: a column cut at its left ("t time") reads as another.
    Cells before `pinned` stay put; `lead` is where the first column starts."""
    if not 0 <= column < len(widths):
        return None
    starts = [lead + sum(w + 1 for w in widths[:i] if w) for i in range(len(widths))]
    x0, x1 = starts[column], starts[column] + widths[column]
    if x0 < pinned or (pinned + left <= x0 and x1 <= left + room):
        return None
    if x0 < pinned + left:
        return max(0, x0 - pinned)
    need = x1 - room
    return min((x - pinned for x, w in zip(starts, widths) if w and x - pinned >= need), default=need)
