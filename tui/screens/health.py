"""A study's health (H on a results page): counts per state, the completion funnel, the
flagged groups and the durations' histogram, read in a worker with its progress shown.

Choosing a group (its number, or enter on it) returns to the results page with its runs
selected, where `l` labels them, `e` exports them, `x` deletes them. The page's rows are left
as they are (not narrowed to the group): its filter stays what the researcher typed.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from store import Cancelled, Health, Selection, StoreError, health_text, study_health, visible
from tui.dialogs.help import KeysHelp
from tui.threads import closing
from tui.widgets.flag_groups import FlagGroups, Group
from tui.widgets.progress import Progress

GROUP_KEYS = "1234567"  # one key a group (the report has seven)


class HealthScreen(KeysHelp, Screen[Group | None]):
    class Progressed(Message):
        """A step of the report read (from its worker)."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="health.back"),
        Binding("r", "refresh_report", "Refresh", priority=True, id="health.refresh"),
        Binding("question_mark", "help", "Help", priority=True, id="health.help"),
        Binding("q", "app.quit", "Quit", show=False, priority=True, id="health.quit"),
        *[
            Binding(key, f"choose({n})", f"Group {key}", show=False, priority=True, id=f"health.group-{key}")
            for n, key in enumerate(GROUP_KEYS)
        ],
    ]
    AUTO_FOCUS = "#health-flags"

    def __init__(self, selection: Selection, heading: str) -> None:
        """`heading` names the page it came from, shown until the report names the study."""
        super().__init__()
        self.selection = selection
        self.heading = heading
        self.report: Health | None = None  # the report shown (None while it is read)
        self._closing = False
        self._chosen_early: int | None = None  # a group's key typed before the report came

    def compose(self) -> ComposeResult:
        yield Label(visible(f"Study health — {self.heading}"), id="page-title", markup=False)
        yield Progress(id="progress-bar")
        yield Static("", id="health-error", classes="error", markup=False)
        with VerticalScroll(id="health-body"):
            yield Static("", id="health-states", markup=False)
            yield Label("Flagged runs: a number (or enter) selects the group's runs", classes="health-heading")
            yield FlagGroups(id="health-flags")
            yield Static("", id="health-why", markup=False)
            yield Label("Completion funnel (runs)", classes="health-heading")
            yield Static("", id="health-funnel", markup=False)
            yield Label("Durations of finished runs (log scale)", classes="health-heading")
            yield Static("", id="health-durations", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.read_report()

    def on_unmount(self) -> None:
        self._closing = True  # a report still being read stops at its next step

    # -- reading the report, in a worker ----------------------------------------------------------

    def read_report(self) -> None:
        progress = self.query_one(Progress)
        progress.start("Reading the study's health")
        self.query_one("#health-error", Static).update("")
        app, store, selection = self.app, self.app.store, self.selection

        def advance(done: int, total: int) -> None:
            if self._closing:
                raise Cancelled("the health page was closed")
            # Posted, not called: the report goes on while the screen draws the step.
            self.post_message(self.Progressed(done, total))

        def work() -> None:
            try:
                report = study_health(store, selection, progress=advance)
            except Cancelled:
                return
            except StoreError as exc:
                app.call_from_thread(self._failed, str(exc))
                return
            app.call_from_thread(self._show, report)

        self.run_worker(closing(store, work), thread=True, exclusive=True, group="health")

    @on(Progressed)
    def _advance(self, event: Progressed) -> None:
        if self.is_attached:  # closed meanwhile: nothing to show it on
            self.query_one(Progress).advance(event.done, event.total)

    def _failed(self, message: str) -> None:
        if self.is_attached:
            self.query_one(Progress).stop()
            self.query_one("#health-error", Static).update(visible(message))

    def _show(self, report: Health) -> None:
        if not self.is_attached:
            return
        self.query_one(Progress).stop()
        self.report = report
        self.query_one("#page-title", Label).update(visible(health_text.scope_line(report)))
        self.query_one("#health-states", Static).update(visible(
            f"Study results by state: {health_text.states_line(report.study_states)}\n"
            f"Component results by state: {health_text.states_line(report.component_states)}", keep_lines=True,
        ))
        self.query_one("#health-funnel", Static).update(visible("\n".join(health_text.funnel_lines(report)), keep_lines=True))
        self.query_one(FlagGroups).show([Group(f.key, f.title, f.explanation, f.ids) for f in report.flags])
        d = report.durations
        lines = [*health_text.duration_lines(d), *health_text.histogram_lines(d)]
        self.query_one("#health-durations", Static).update("\n".join(lines))
        if self._chosen_early is not None:
            self.action_choose(self._chosen_early)

    # -- keys -------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_refresh_report(self) -> None:
        self.read_report()

    def action_choose(self, index: int) -> None:
        if self.report is None:
            self._chosen_early = index  # chosen as soon as the groups are known
            return
        self._chosen_early = None
        self.query_one(FlagGroups).choose(index)

    @on(FlagGroups.Highlighted)
    def group_highlighted(self, event: FlagGroups.Highlighted) -> None:
        group = event.group
        ids = f"\nids: {health_text.ids_text(group.ids, shown=12)}" if group.ids else ""
        self.query_one("#health-why", Static).update(visible(f"{group.title}: {group.explanation}", keep_lines=False) + ids)

    @on(FlagGroups.Chosen)
    def group_chosen(self, event: FlagGroups.Chosen) -> None:
        if not event.group.ids:
            self.app.notify(f"No runs in “{event.group.title}”.", severity="warning")
            return
        self.dismiss(event.group)
