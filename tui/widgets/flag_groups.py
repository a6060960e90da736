"""The flagged groups of a health report, one line each: the highlighted group is chosen with
enter (or a click, or its number on the health page). The list says which group is
highlighted and which is chosen with typed messages."""

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
    class Highlighted(Message):
        def __init__(self, group: Group) -> None:
            super().__init__()
            self.group = group

    class Chosen(Message):
        def __init__(self, group: Group) -> None:
            super().__init__()
            self.group = group

    def __init__(self, **kw) -> None:
        super().__init__(markup=False, compact=True, **kw)
        self.groups: list[Group] = []

    def show(self, groups: list[Group]) -> None:
        """One line a group, numbered for its key; the first group with runs highlighted."""
        self.groups = list(groups)
        width = max((len(g.title) for g in self.groups), default=0)
        self.clear_options()
        self.add_options(
            Option(visible(f"{n}  {g.title:<{width}}  {len(g.ids):>7}"), id=g.key)
            for n, g in enumerate(self.groups, start=1)
        )
        self.highlighted = next((i for i, g in enumerate(self.groups) if g.ids), 0 if self.groups else None)

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.groups):
            self.post_message(self.Chosen(self.groups[index]))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.groups):
            self.post_message(self.Highlighted(self.groups[event.option_index]))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(event.option_index)
