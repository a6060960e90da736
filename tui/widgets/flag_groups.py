"""The flagged groups of a health report, one line each: the highlighted group is chosen with
enter (or a click, or its number on the health page), and the list says so with a typed message."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from store import visible


@dataclass(frozen=True)
class Group:
    """A flagged group as the list shows it (a store Flag's parts, so the list needs no store)."""

    key: str
    title: str
    explanation: str
    ids: tuple[int, ...]


class FlagGroups(OptionList):
    class Chosen(Message):
        def __init__(self, group: Group) -> None:
            super().__init__()
            self.group = group

    def __init__(self, **kw) -> None:
        super().__init__(markup=False, **kw)
        self.groups: list[Group] = []

    def show(self, groups: list[Group]) -> None:
        """One line a group, numbered for its key; the first group with runs highlighted."""
        self.groups = list(groups)
        self.clear_options()
        self.add_options(
            Option(visible(f"{n}  {g.title} ({len(g.ids)}): {g.explanation}"), id=g.key)
            for n, g in enumerate(self.groups, start=1)
        )
        self.highlighted = next((i for i, g in enumerate(self.groups) if g.ids), 0 if self.groups else None)

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.groups):
            self.post_message(self.Chosen(self.groups[index]))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(event.option_index)
