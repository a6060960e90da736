"""The data viewer's trials tab: one component result's trials (store.trial_table) as the
table shows them, worked out in the viewer's worker: terminal-safe cells, each column as wide
as its widest cell up to a cap, so that a long stimulus does not push the others off screen."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len

from store import trial_table, visible

MAX_WIDTH = 40  # a column's cells beyond this end in "…" (the export has them whole)
MAX_ROWS = 10_000  # rows shown; the summary says when there are more
FRAMEWORKS = {"jspsych": "jsPsych", "labjs": "lab.js", "osweb": "OSWeb", "psychojs": "PsychoJS"}


@dataclass(frozen=True)
class TrialsShown:
    summary: str
    columns: list[str]
    widths: list[int]
    rows: list[list[str]]


def _fit(text: str) -> str:
    text = visible(text)
    if cell_len(text) <= MAX_WIDTH:
        return text
    kept, width = [], 0
    for ch in text:
        width += cell_len(ch)
        if width > MAX_WIDTH - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def trials_shown(data: str | None) -> TrialsShown:
    t = trial_table(data, MAX_ROWS)
    if t.reason is not None:
        return TrialsShown(f"No trials: {visible(t.reason)}. The trials export leaves this component result out.", [], [], [])
    columns = [_fit(c) for c in t.columns]
    rows = [[_fit(cell) for cell in row] for row in t.rows]
    widths = [max([cell_len(c), *(cell_len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    what = f"{t.count} trial{'s' if t.count != 1 else ''}"
    if t.count > len(rows):
        what = f"the first {len(rows)} of {t.count} trials"
    made_by = FRAMEWORKS.get(t.framework, "")
    summary = f"{what}, {len(columns)} columns ({made_by + ', ' if made_by else ''}{t.shape})"
    return TrialsShown(summary[0].upper() + summary[1:], columns, widths, rows)
