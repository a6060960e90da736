"""One study result in full (`i` on a results page): every column's text unabridged, all URL
query parameters, the whole message, the label and note, and its component results with
their states and sizes. Read in a worker once the screen is up (store.result_detail)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from store import StoreError, component_duration_display, human_size, local_time, result_detail, visible
from tui.threads import off_thread


def _pairs(pairs: list[tuple[str, str]]) -> str:
    width = max((len(k) for k, _ in pairs), default=0)
    return "\n".join(f"{k + ':':<{width + 1}} {visible(v)}" for k, v in pairs)


def detail_text(d) -> dict[str, str]:
    """The sections' texts, by section id (terminal-safe: participants' text may hold escapes)."""
    label = "no label"
    if d.label is not None:
        label = _pairs([
            ("Label", d.label.label), ("Note", d.label.note), ("By", d.label.labelled_by),
            ("At", local_time(d.label.labelled_at)),
        ])
    components = []
    for c in d.components:
        files = ", ".join(f"{n} ({human_size(s)})" for n, s in c.files)
        line = (
            f"{c.id}  {c.component_title or f'Component {c.component_id}'} · {c.state} · "
            f"{component_duration_display(c.start_date, c.end_date)} · data {human_size(c.data_size)}"
            + (f" · files: {files}" if files else "")
            + (f" · {c.message}" if c.message else "")
        )
        components.append(visible(line))
    return {
        "detail-fields": _pairs(d.fields),
        "detail-params": _pairs(d.parameters) if d.parameters else "none",
        "detail-message": visible(d.row.message or "none", keep_lines=True),
        "detail-label": label,
        "detail-components": "\n".join(components) or "none",
    }


SECTIONS = (
    ("detail-fields", None),
    ("detail-params", "URL query parameters"),
    ("detail-message", "Message"),
    ("detail-label", "Label and note"),
    ("detail-components", "Component results"),
)


class DetailScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="detail.back"),
        Binding("q", "app.quit", "Quit", show=False, priority=True, id="detail.quit"),
    ]

    def __init__(self, study_result_id: int) -> None:
        super().__init__()
        self.result_id = study_result_id

    def compose(self) -> ComposeResult:
        yield Label(f"Study result {self.result_id}", id="page-title", markup=False)
        with VerticalScroll(id="detail"):
            for section, heading in SECTIONS:
                if heading:
                    yield Label(heading, classes="detail-heading")
                yield Static("…", id=section, markup=False, classes="detail-section")
        yield Footer()

    async def on_mount(self) -> None:
        self.set_focus(self.query_one("#detail"))
        try:
            d = await off_thread(self, lambda: result_detail(self.result_id))
        except StoreError as exc:
            self.query_one("#detail-fields", Static).update(str(exc))
            return
        if not self.is_attached:  # closed while it was read
            return
        self.query_one("#page-title", Label).update(
            visible(f"Study result {d.row.id} · {d.row.study_title} · {d.row.state}")
        )
        for section, text in detail_text(d).items():
            self.query_one(f"#{section}", Static).update(text)

    def action_back(self) -> None:
        self.app.pop_screen()
