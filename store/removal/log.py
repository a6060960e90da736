"""Who removed results for good, and when: each erase and each purge (a delete that skips
the trash) leaves one line, shown by `jatos-results trash`. Only counts: the ids, the
selection and the filter (often a participant's id) are what an erase must not keep."""

from __future__ import annotations

from dataclasses import dataclass

from store.db.models import RemovalRecord


@dataclass(frozen=True)
class Removal:
    action: str  # "erased" or "purged"
    level: str  # "study" or "component"
    results: int  # taken from the store
    trashed: int  # taken from the trash
    at: int  # epoch ms
    by: str

    def what(self) -> str:
        kind = "study results" if self.level == "study" else "component results"
        text = f"{self.action} {self.results} {kind}"
        return text + (f" and {self.trashed} from the trash" if self.trashed else "")


def record(store, action: str, level: str, results: int, trashed: int = 0) -> None:
    """Inside the removal's write transaction."""
    from store.removal.trash import now_ms, who

    RemovalRecord.create(action=action, level=level, results=results, trashed=trashed, at=now_ms(), by=who(store))


def removals() -> list[Removal]:
    """Newest first."""
    q = RemovalRecord.select(
        RemovalRecord.action, RemovalRecord.level, RemovalRecord.results, RemovalRecord.trashed,
        RemovalRecord.at, RemovalRecord.by,
    ).order_by(RemovalRecord.id.desc())
    return [Removal(*row) for row in q.tuples()]
