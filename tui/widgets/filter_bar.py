"""The filter of a results page: its text and the RegEx and Aa toggles (jatos.md §5, "Filter").

The bar owns what the user set. The text is its Input's; RegEx and Aa are attributes of the
bar, and the buttons only show them (a CSS class follows each attribute, never the other way
round). Every change is checked here and told to the page as one typed message: `Changed`
with a filter to apply, or `Invalid` with the reason it cannot be applied.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Static

from store import Filter, StoreError

# Short enough for 80 columns: a field term by example, the rest in the help (?).
PLACEHOLDER = 'Filter: words, "phrases", !not, state:FINISHED (? help)'
REFUSAL = "The filter has an error: fix it or clear it first."


class ClickButton(Button, can_focus=False):
    """A button for the mouse: a click never takes the keys from the table or the filter
    (every button of a results page has a key)."""


class FilterInput(Input):
    """The filter's text box. Input's editing keys (backspace, ctrl+u, the arrows) are bindings,
    which Textual looks up when the key has bubbled back to the app, against whatever has the
    focus then: typed at once, "ctrl+u a b c" left nothing (the letters went in first) and
    "/ ctrl+u enter" lost the ctrl+u. Here each acts when the box takes its key, in order."""

    # (enter is the page's: it ends the filter)
    EDITING = {key: b.action for b in Input.BINDINGS if b.action != "submit" for key in b.key.split(",")}

    async def on_key(self, event: events.Key) -> None:
        action = self.EDITING.get(event.key)
        if action is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(action)


class FilterBar(Horizontal):
    regex: reactive[bool] = reactive(False, init=False)
    case_sensitive: reactive[bool] = reactive(False, init=False)

    class Changed(Message):
        """The filter as the user set it is valid: apply it."""

        def __init__(self, bar: FilterBar, filter_: Filter) -> None:
            super().__init__()
            self.bar = bar
            self.filter = filter_

        @property
        def control(self) -> FilterBar:
            return self.bar

    class Invalid(Message):
        """The filter as the user set it cannot be applied (an invalid regular expression)."""

        def __init__(self, bar: FilterBar, filter_: Filter, error: str) -> None:
            super().__init__()
            self.bar = bar
            self.filter = filter_
            self.error = error

        @property
        def control(self) -> FilterBar:
            return self.bar

    error = ""  # why the filter as set cannot be applied ("": it can); the page shows another filter's rows

    def compose(self) -> ComposeResult:
        yield FilterInput(placeholder=PLACEHOLDER, id="filter")
        yield ClickButton("RegEx", id="regex", classes="toggle")
        yield ClickButton("Aa", id="case", classes="toggle")

    def on_mount(self) -> None:
        # Watched rather than waiting for Input.Changed to bubble up: a keystroke reaches
        # the page some milliseconds sooner.
        self.watch(self.input, "value", self._edited, init=False)

    @property
    def input(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def filter(self) -> Filter:
        """The filter exactly as the user set it (valid or not)."""
        return Filter(self.input.value, self.regex, self.case_sensitive)

    def paste(self, text: str) -> None:
        """Text pasted elsewhere on the page: into the filter, as if typed there."""
        self.screen.set_focus(self.input)
        self.input.post_message(events.Paste(text))

    def toggle_regex(self) -> None:
        self.regex = not self.regex

    def toggle_case(self) -> None:
        self.case_sensitive = not self.case_sensitive

    def watch_regex(self, on: bool) -> None:
        self.query_one("#regex", Button).set_class(on, "-on")
        self._edited()

    def watch_case_sensitive(self, on: bool) -> None:
        self.query_one("#case", Button).set_class(on, "-on")
        self._edited()

    @on(Button.Pressed, "#regex")
    def _regex_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.toggle_regex()

    @on(Button.Pressed, "#case")
    def _case_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.toggle_case()

    def _edited(self, _value: object = None) -> None:
        f = self.filter
        try:
            f.validate()
        except StoreError as exc:
            self.error = str(exc)
            self.post_message(self.Invalid(self, f, str(exc)))
        else:
            self.error = ""
            self.post_message(self.Changed(self, f))

    def refuses(self) -> bool:
        """True, said in one line, while the filter as set has an error: the page's rows are
        then the last valid filter's (a prefix of the text, say), which no action should take
        for the filter's answer."""
        if self.error:
            self.app.notify(REFUSAL, severity="warning")
        return bool(self.error)


class FilterError(Static):
    """The line under the filter: why the rows shown are not the filter's as set."""

    invalid: reactive[str] = reactive("", init=False)  # the filter as set cannot be applied
    failed: reactive[str] = reactive("", init=False)  # the store failed on the newest request

    def on_mount(self) -> None:
        self._show()

    def watch_invalid(self) -> None:
        self._show()

    def watch_failed(self) -> None:
        self._show()

    def _show(self) -> None:
        # An invalid filter is said until the user changes it: the rows of the last valid
        # filter, still arriving, do not clear it.
        message = self.invalid or self.failed
        self.update(message)
        self.display = bool(message)

