"""The keys of a screen, and what the filter takes (its syntax and fields, from the store)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from store import filter_fields, filter_syntax


def key_rows(bindings: Iterable[Binding], filter_actions: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """One row a key: a key bound twice (in the filter and out of it) is said once, with both
    of its meanings ("Open (in the filter: Done)")."""
    said: dict[str, str] = {}
    for b in bindings:
        key = b.key.replace("question_mark", "?").replace("slash", "/")
        if key not in said:
            said[key] = b.description
        elif b.description not in said[key]:
            other = f"in the filter: {b.description}" if b.action in filter_actions else b.description
            said[key] += f" ({other})"
    return list(said.items())


def fields_table() -> Table:
    """The filter's fields, each text wrapping inside its own column."""
    table = Table(box=None, padding=(0, 1), pad_edge=False, expand=True, show_edge=False)
    table.add_column("field", no_wrap=True)
    table.add_column("value", ratio=2)
    table.add_column("matches", ratio=4)
    table.add_column("e.g.", ratio=2, overflow="fold")  # an example is one word: folded, never cut
    for f in filter_fields.values():
        table.add_row(f"{f.name}:", f.value, f.means, f.example)
    return table


class KeysHelp:
    """`?` on a screen: its keys, from its BINDINGS (a mixin for the Screen; bind
    question_mark to "help")."""

    async def action_help(self) -> None:
        await self.app.push_screen(HelpScreen(key_rows(self.BINDINGS)))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", priority=True, id="help.close")]

    def __init__(self, bindings: list[tuple[str, str]], filter_lines: bool = False) -> None:
        super().__init__()
        self.rows = bindings
        self.filter_lines = filter_lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static("\n".join(f"{k:>14}  {d}" for k, d in self.rows), id="help-text", markup=False)
            if self.filter_lines:
                yield Label("Filter (/)", classes="dialog-title")
                yield Static("\n".join(filter_syntax), id="help-filter", markup=False)
                yield Static(fields_table(), id="help-fields")
            yield Button("Close", id="close")

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
