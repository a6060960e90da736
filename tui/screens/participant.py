"""Every run of one participant (`P` on a results page), across studies and batches: study,
batch, result id, state, start and duration, oldest first; read in a worker. `enter` (or `i`)
shows a run in full (tui/screens/detail.py)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from store import (
    columns_for,
    local_short,
    participant_of_result,
    participant_parameters,
    runs_of_participant,
    visible,
)
from tui.dialogs.help import KeysHelp
from tui.screens.detail import DetailScreen
from tui.threads import off_thread
from tui.widgets.display import cell_text

COLUMNS = ("Study", "Batch", "Result ID", "State", "Start time", "Duration", "Label")


_DURATION = next(c for c in columns_for("study") if c.key == "duration")


def run_cells(r) -> tuple[Text, ...]:
    """Text, never markup: titles and labels are whatever the study's authors typed."""
    return tuple(Text(cell) for cell in (
        visible(f"{r.study_title} ({r.study_id})"), visible(r.batch_title or "none"), str(r.id), r.state,
        local_short(r.start_date), cell_text(_DURATION, r), visible(r.label or ""),
    ))


async def open_participant(page, study_result_id: int) -> None:
    """The participant page of this study result's participant, or one line saying it has none."""
    participant, names = await off_thread(
        page, lambda: (participant_of_result(study_result_id), participant_parameters())
    )
    if participant is None:
        page.app.notify(
            f"Study result {study_result_id} has no participant id (URL query parameters looked for: "
            f"{', '.join(names)}; `jatos-results participants --params` sets them)",
            severity="warning",
        )
        return
    await page.app.push_screen(ParticipantScreen(participant))


class ParticipantScreen(KeysHelp, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="participant.back"),
        Binding("enter,i", "open", "Details", priority=True, id="participant.open"),
        Binding("question_mark", "help", "Help", priority=True, id="participant.help"),
        Binding("q", "app.quit", "Quit", show=False, priority=True, id="participant.quit"),
        # Priority like enter, so that keys typed at once act in order (frequency.py says why).
        Binding("down,j", "move(1)", "Down", show=False, priority=True, id="participant.down"),
        Binding("up,k", "move(-1)", "Up", show=False, priority=True, id="participant.up"),
    ]

    def __init__(self, participant: str) -> None:
        super().__init__()
        self.participant = participant
        self.run_ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield Label(visible(f"Participant {self.participant}"), id="page-title", markup=False)
        table = DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        self.set_focus(table)
        runs = await off_thread(self, lambda: runs_of_participant(self.participant))
        if not self.is_attached:
            return
        self.run_ids = [r.id for r in runs]
        for r in runs:
            table.add_row(*run_cells(r), key=str(r.id))
        studies = len({r.study_id for r in runs})
        self.query_one("#page-title", Label).update(visible(
            f"Participant {self.participant} · {len(runs)} run{'s' if len(runs) != 1 else ''} "
            f"in {studies} stud{'ies' if studies != 1 else 'y'}"
        ))

    async def action_open(self) -> None:
        table = self.query_one("#runs", DataTable)
        if self.run_ids and 0 <= table.cursor_row < len(self.run_ids):
            await self.app.push_screen(DetailScreen(self.run_ids[table.cursor_row]))

    def action_move(self, step: int) -> None:
        """j and k, as on the results pages."""
        table = self.query_one("#runs", DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_back(self) -> None:
        self.app.pop_screen()
