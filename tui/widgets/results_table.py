"""A virtual results table: renders only the lines on screen (Line API on ScrollView).

The widget is dumb. It asks its ResultsView (store/pages/view.py) for the number of lines
and for what each line holds, draws a header, a checkbox column and the visible columns,
and keeps a cursor. Everything else (scope, filter, sort, selection) lives in the view.
It never queries: a row not fetched yet is drawn as a placeholder, and the table asks its
page for the rows on screen (RowsWanted), which fetches them in a worker.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from store import Line, ResultsView, component_duration_display, human_size, visible
from tui.probe import Probe
from tui.widgets.display import cell_text, fit_cell, header_text, short_time
from tui.widgets.fit import fit_widths, scroll_showing

CHECK_W = 4  # "[x] "
WAIT_FOR_ROWS = 0.1  # seconds a cursor move waits for its rows before placeholders are drawn
ARROW_W = 2  # "▶ "


class ResultsTable(ScrollView, can_focus=True):
    # Priority bindings, as the page's: each key is acted on when it arrives, in the order
    # typed (see ResultsScreen).
    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, priority=True, id="table.up"),
        Binding("down,j", "cursor_down", "Down", show=False, priority=True, id="table.down"),
        Binding("left,h", "column_left", "Column left", show=False, priority=True, id="table.left"),
        Binding("right", "column_right", "Column right", show=False, priority=True, id="table.right"),
        Binding("pageup", "page_up", "Page up", show=False, priority=True, id="table.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, priority=True, id="table.page-down"),
        Binding("home,g", "first", "First", show=False, priority=True, id="table.first"),
        Binding("end,G", "last", "Last", show=False, priority=True, id="table.last"),
    ]

    COMPONENT_CLASSES = {
        "results-table--header",
        "results-table--header-current",
        "results-table--cursor",
        "results-table--selected",
        "results-table--child",
        "results-table--preview",
        "results-table--odd",
    }

    cursor = reactive(0, always_update=True, repaint=False)  # drawn by watch_cursor, when its rows are in
    column = reactive(0)

    class HeaderClicked(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class CheckboxClicked(Message):
        def __init__(self, line: Line) -> None:
            super().__init__()
            self.line = line

    class ArrowClicked(Message):
        def __init__(self, line: Line) -> None:
            super().__init__()
            self.line = line

    class RowsWanted(Message):
        """Rows on screen are not fetched yet: fetch them (in a worker), then refresh."""

        def __init__(self, ids: list[int]) -> None:
            super().__init__()
            self.ids = ids

    class CellClicked(Message):
        def __init__(self, line: Line, key: str) -> None:
            super().__init__()
            self.line = line
            self.key = key

    def __init__(self, view: ResultsView, probe: Probe | None = None, **kw) -> None:
        super().__init__(**kw)
        self.view = view
        self.probe = probe or Probe()
        self._asking = False  # a RowsWanted is due after this paint
        self._waiting: Timer | None = None  # a cursor move waits for its rows until this fires
        # Drawn lines, reused while nothing that shapes them changes: a new filter mostly
        # shows rows already drawn, and drawing a line costs half a millisecond.
        self._strips: dict[tuple, tuple[object, Strip]] = {}
        self._strips_for: tuple = ()
        self._widths_for: tuple = ()
        self._fitted: list[int] = []

    # -- geometry ---------------------------------------------------------------------------

    @property
    def _lead(self) -> int:
        return CHECK_W + (ARROW_W if self.view.level == "study" else 0)

    def _widths(self) -> list[int]:
        """Each column's width on this screen (0: left out), fitted to the terminal (tui/widgets/fit.py)."""
        room = max(0, self.scrollable_content_region.width - self._lead)
        shape = (tuple(c.key for c in self.view.columns), room)
        if shape != self._widths_for:
            self._widths_for = shape
            self._fitted = fit_widths(self.view.columns, room)
        return self._fitted

    def total_width(self) -> int:
        return self._lead + sum(w + 1 for w in self._widths() if w)

    def _pinned(self) -> int:
        """Cells at the left that stay put while the columns scroll sideways: the checkbox (and
        arrow), and the columns up to the result id, so that a row scrolled right says which it is."""
        keys = [c.key for c in self.view.columns]
        if "id" not in keys:
            return self._lead
        return self._lead + sum(w + 1 for w in self._widths()[: keys.index("id") + 1] if w)

    def refresh_layout(self) -> None:
        """Call after the view changed: new size, cursor kept in range, repaint."""
        count = self.view.line_count()
        width = self.total_width()
        if width > self.scrollable_content_region.width:
            width += max(self._widths(), default=0)  # room to scroll any column to the pinned edge
        size = Size(width, count + 1)
        if size != self.virtual_size:  # a new size means a layout pass: only when it changes
            self.virtual_size = size
        if self.cursor >= count:
            self.cursor = max(0, count - 1)
        self.column = min(self.column, max(0, len(self.view.columns) - 1))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.refresh_layout()  # the columns' widths follow the terminal's

    @property
    def body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def current_line(self) -> Line | None:
        return self.view.line(self.cursor)

    def current_column_key(self) -> str | None:
        cols = self.view.columns
        return cols[self.column].key if cols else None

    # -- cursor -------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        top = self._top_showing(new)
        missing = self._missing(top)
        if missing:
            # The rows there are not fetched yet: asked for now, and the move drawn when they
            # come (a moment later) rather than a screen of placeholders first; drawn anyway
            # after WAIT_FOR_ROWS.
            self.post_message(self.RowsWanted(missing))
            if self._waiting is None:
                self._waiting = self.set_timer(WAIT_FOR_ROWS, self._show_cursor)
        elif self._waiting is None:
            self._show_cursor()

    def _top_showing(self, line: int) -> int:
        """The first line shown once the view has scrolled to show this one."""
        top = int(self.scroll_offset.y)
        if line < top:
            return line
        if line >= top + self.body_height:
            return line - self.body_height + 1
        return top

    def _show_cursor(self) -> None:
        self._waiting = None
        top = self._top_showing(self.cursor)
        if top != int(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False)
        self.refresh()

    def rows_arrived(self) -> None:
        """The page added rows this table asked for: draw them (and a move waiting for them)."""
        if self._waiting is not None:
            self._waiting.stop()
            self._show_cursor()
        else:
            self.refresh()

    def watch_column(self) -> None:
        x = scroll_showing(
            self._widths(), self._lead, self._pinned(), self.column,
            int(self.scroll_offset.x), self.scrollable_content_region.width,
        )
        if x is not None:
            self.scroll_to(x=x, animate=False)
        self.refresh()

    def move_to(self, line: int) -> None:
        self.cursor = max(0, min(line, self.view.line_count() - 1))

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self.body_height)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self.body_height)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.view.line_count() - 1)

    def action_column_left(self) -> None:
        self.column = self._next_column(-1)

    def action_column_right(self) -> None:
        self.column = self._next_column(1)

    def _next_column(self, step: int) -> int:
        """The next column shown in this direction (a column left out at this width is skipped)."""
        widths = self._widths()
        i = self.column + step
        while 0 <= i < len(widths) and not widths[i]:
            i += step
        return i if 0 <= i < len(widths) else self.column

    # -- mouse ----------------------------------------------------------------------------------

    def _column_at(self, x: int) -> int | None:
        if x >= self._pinned():
            x += int(self.scroll_offset.x)
        x -= self._lead
        for i, w in enumerate(self._widths()):
            if not w:
                continue
            if 0 <= x < w + 1:
                return i
            x -= w + 1
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            col = self._column_at(offset.x)
            if col is not None:
                self.column = col
                self.post_message(self.HeaderClicked(self.view.columns[col].key))
            return
        line_no = int(self.scroll_offset.y) + offset.y - 1
        if line_no >= self.view.line_count():
            return
        self.cursor = line_no
        line = self.view.line(line_no)
        if line is None or line.kind != "row":
            return
        x = offset.x  # the checkbox and arrow stay put while the columns scroll
        if x < CHECK_W:
            self.post_message(self.CheckboxClicked(line))
        elif x < self._lead:
            self.post_message(self.ArrowClicked(line))
        else:
            col = self._column_at(offset.x)
            if col is not None:
                self.column = col
                self.post_message(self.CellClicked(line, self.view.columns[col].key))

    # -- rendering ------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_offset.x)
        base = self.rich_style
        if y == 0:
            self.probe.painted()
            strip = self._header()
        else:
            line_no = int(self.scroll_offset.y) + y - 1
            line = self.view.line(line_no)
            if line is None:
                return Strip.blank(width, base)
            shape = (tuple(c.key for c in self.view.columns), width, scroll_x, self.app.theme, base)
            if shape != self._strips_for or len(self._strips) > 1000:
                self._strips_for = shape
                self._strips.clear()
            row = self.view.row(line.index) if line.kind == "row" else line.child
            if row is None and line.kind == "row" and not self.view.is_gone(line.row_id):
                return self._placeholder(line, line_no, width, base)
            key = (
                line.kind, line.row_id, line.index % 2, line.text, id(row), line_no == self.cursor and self.has_focus_within_screen(),
                line.row_id in self.view.selected, line.row_id in self.view.expanded,
            )
            cached = self._strips.get(key)
            if cached is not None and cached[0] is row:
                return cached[1]
            strip = self._line(line, line_no, row)
        # The checkbox (and arrow), and a row's columns up to its id, stay put while the
        # columns scroll sideways; a component result's line keeps its lead only.
        pinned = self._pinned() if y == 0 or line.kind == "row" else self._lead
        lead = strip.crop(0, pinned)
        rest = strip.crop(pinned + scroll_x, pinned + scroll_x + max(0, width - pinned))
        out = Strip.join([lead, rest]).extend_cell_length(width, base).apply_style(base)
        if y:
            self._strips[key] = (row, out)  # the row is kept so that its id() is not reused
        return out

    def _placeholder(self, line: Line, line_no: int, width: int, base: Style) -> Strip:
        """A row not fetched yet: its checkbox and "…" until the page hands the row over."""
        self.probe.placeholder()
        if not self._asking:
            self._asking = True
            self.call_later(self._ask_rows)
        strip = self._line(line, line_no, None, "…")
        return strip.crop(0, width).extend_cell_length(width, base).apply_style(base)

    def _ask_rows(self) -> None:
        self._asking = False
        ids = self._missing(int(self.scroll_offset.y))
        if ids:
            self.post_message(self.RowsWanted(ids))

    def _missing(self, top: int) -> list[int]:
        """Ids of the rows on screen from line `top` not fetched yet."""
        first = self.view.line(top)
        last = self.view.line(top + self.body_height)
        return self.view.missing(first.index if first else 0, last.index if last else len(self.view.ids) - 1)

    def _header(self) -> Strip:
        style = self._style("results-table--header")
        current = style + self._style("results-table--header-current")
        segs = [Segment(" " * self._lead, style)]
        sort_key = self.view.sort_key
        for i, (col, w) in enumerate(zip(self.view.columns, self._widths())):
            if not w:
                continue
            title = header_text(col)
            if col.key == sort_key:
                title += " ▼" if self.view.descending else " ▲"
            segs.append(Segment(fit_cell(title, w), current if i == self.column else style))
            segs.append(Segment(" ", style))
        return Strip(segs)

    def _line(self, line: Line, line_no: int, row, pending: str = "(gone)") -> Strip:
        is_cursor = line_no == self.cursor and self.has_focus_within_screen()
        if line.kind == "row":
            selected = line.row_id in self.view.selected
            style = self._style("results-table--odd") if line.index % 2 else Style()
            if selected:
                style += self._style("results-table--selected")
            if is_cursor:
                style += self._style("results-table--cursor")
            check = "[x] " if selected else "[ ] "
            segs = [Segment(check, style)]
            if self.view.level == "study":
                segs.append(Segment("▼ " if line.row_id in self.view.expanded else "▶ ", style))
            if row is None:
                segs.append(Segment(f"{line.row_id} {pending}", style))
                return Strip(segs)
            for col, w in zip(self.view.columns, self._widths()):
                if w:
                    segs.append(Segment(fit_cell(cell_text(col, row, w), w) + " ", style))
            return Strip(segs)
        style = self._style("results-table--child" if line.kind == "child" else "results-table--preview")
        if is_cursor:
            style += self._style("results-table--cursor")
        pad = " " * self._lead
        if line.kind == "child" and line.child is not None:
            c = line.child
            files = " ".join(f"{n} ({human_size(s)})" for n, s in c.files)
            text = (
                f"└ {c.id:<9} {(c.component_title or f'Component {c.component_id}')[:24]:<24} "
                f"{short_time(c.start_date):<19}  {component_duration_display(c.start_date, c.end_date):<9} "
                f"{c.state:<15} {human_size(c.data_size):>9}  {files}"
                + (f"  {c.message}" if c.message else "")
            )
            return Strip([Segment(pad + visible(text), style)])
        return Strip([Segment(pad + "    " + visible(line.text), style)])

    def has_focus_within_screen(self) -> bool:
        return self.has_focus or self.screen.focused is None

