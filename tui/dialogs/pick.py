"""Choose one item of a study (a component, batch or group): its page opens in the dialog's place."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option


class PickScreen(ModalScreen[None]):
    """Choose one item (a component, batch or group of a study): its page takes this one's place."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", priority=True, id="pick.cancel"),
        Binding("enter", "choose", "Open", priority=True, id="pick.open"),
        # The list's moves are priority like enter: one the list took would wait in its queue
        # while enter, read at once, opened the option the highlight had left.
        Binding("down,j", "move(1)", "Down", show=False, priority=True, id="pick.down"),
        Binding("up,k", "move(-1)", "Up", show=False, priority=True, id="pick.up"),
    ]

    def __init__(self, title: str, items: list[tuple[int, str]], page: Callable[[int], Screen]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.page = page

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.items:
                yield OptionList(*[Option(text, id=str(i)) for i, text in self.items], id="pick")
            else:
                yield Label("Nothing to choose from.")
                yield Button("Close", id="close")

    def action_move(self, step: int) -> None:
        if self.items:
            option_list = self.query_one("#pick", OptionList)
            option_list.action_cursor_down() if step > 0 else option_list.action_cursor_up()

    async def action_choose(self) -> None:
        if not self.items:
            self.dismiss(None)
            return
        option_list = self.query_one("#pick", OptionList)
        if option_list.highlighted is not None:
            await self._open(option_list.get_option_at_index(option_list.highlighted).id)

    @on(OptionList.OptionSelected)
    async def chosen(self, event: OptionList.OptionSelected) -> None:
        await self._open(event.option.id)  # a click

    async def _open(self, option_id: str | None) -> None:
        # Replaced, and the page mounted, before the next key is routed: it is the page's.
        await self.app.switch_screen(self.page(int(option_id)))

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
