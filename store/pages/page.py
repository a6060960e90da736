"""Which results page a view shows: a study's, a component's, a batch's, a group's or a
worker's results."""

from __future__ import annotations

from dataclasses import dataclass

from store.db.models import Batch, Component, Study
from store.pages.selection import Selection


@dataclass(frozen=True)
class Page:
    """Which results page: its kind ("study", "component", "batch", "group", "worker") and id."""

    kind: str
    id: int

    @property
    def level(self) -> str:
        return "component" if self.kind == "component" else "study"

    def selection(self) -> Selection:
        return Selection(**{self.kind: self.id})

    def heading(self) -> str:
        """What the page shows (SQL: ask in a worker, once; the count is added by title())."""
        if self.kind == "study":
            st = Study.get_or_none(Study.id == self.id)
            return f"Study results: {st.title if st else self.id}"
        if self.kind == "component":
            c = Component.get_or_none(Component.id == self.id)
            return f"Component results: {c.display_title if c else self.id}"
        if self.kind == "batch":
            b = Batch.get_or_none(Batch.id == self.id)
            return f"Batch results: {b.title if b else self.id}"
        if self.kind == "group":
            return f"Group {self.id}"
        return f"Worker {self.id}"

    def title(self, count: int | None = None, heading: str | None = None) -> str:
        """The heading (looked up unless given) with the number of results."""
        n = f" ({count})" if count is not None else ""
        return (self.heading() if heading is None else heading) + n
