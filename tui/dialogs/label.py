"""A label and a note for study results: pick include, exclude or pending, or type a label."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


@dataclass(frozen=True)
class LabelRequest:
    label: str | None  # None: keep each result's label (its note changes)
    note: str | None  # None: keep each result's note
    clear: bool = False


@dataclass(frozen=True)
class Current:
    """What the results to label carry now: their label and note where all agree."""

    label: str = ""
    note: str = ""
    labels_differ: bool = False
    notes_differ: bool = False


class LabelScreen(ModalScreen[LabelRequest | None]):
    """Opens with the label field focused (a label can be typed at once); a button puts its
    label there. Where the results' labels or notes differ, an empty field leaves each as it
    is. Answers with a LabelRequest, or None."""

    # Priority bindings act when the key arrives: tab typed at once with a label and a note
    # moves to the note before the note's keys are routed (a plain binding would act only
    # once the key had bubbled back up from the field, after them).
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", priority=True, id="dialog.cancel"),
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="label.next"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True, id="label.previous"),
    ]
    AUTO_FOCUS = "#label"

    def __init__(self, count: int, current: Current, suggested: tuple[str, ...]) -> None:
        super().__init__()
        self.count = count
        self.current = current
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        what = "this study result" if self.count == 1 else f"{self.count} study results"
        with VerticalScroll(classes="dialog", id="label-dialog"):  # scrolls on a small terminal
            yield Label(f"Label {what}", classes="dialog-title")
            with Horizontal(classes="label-choices"):
                for name in self.suggested:
                    yield Button(name, id=f"pick-{name}", compact=True)
            yield Label("Label (pick one above or type your own):")
            yield Input(self.current.label, id="label", max_length=40)
            yield Label("Note (the reason):")
            yield Input(self.current.note, id="note")
            hints = []
            if self.current.labels_differ:
                hints.append("their labels differ: an empty label keeps each one's")
            if self.current.notes_differ:
                hints.append("their notes differ: an empty note keeps each one's")
            yield Static("; ".join(hints).capitalize(), classes="dialog-text", id="label-hint")
            yield Static("", id="label-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Clear label", variant="warning", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        # Now, not when the screen is first shown: keys typed with l are already on their way.
        self.set_focus(self.query_one("#label", Input))

    @on(Button.Pressed, ".label-choices Button")
    def picked(self, event: Button.Pressed) -> None:
        self.query_one("#label", Input).value = str(event.button.label)
        self.set_focus(self.query_one("#note", Input))  # the reason next

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        label = self.query_one("#label", Input).value.strip()
        note = self.query_one("#note", Input).value.strip()
        keep_label = not label and self.current.labels_differ
        if not label and not keep_label:
            self.query_one("#label-error", Static).update("Pick or type a label (Clear label removes one).")
            return
        keep_note = not note and self.current.notes_differ
        self.dismiss(LabelRequest(None if keep_label else label, None if keep_note else note))

    @on(Button.Pressed, "#clear")
    def clear(self) -> None:
        self.dismiss(LabelRequest(None, None, clear=True))

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)
