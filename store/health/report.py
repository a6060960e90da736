"""A study's health at a glance (issue #14): counts per state, the completion funnel, the
flagged runs and the durations, for one study or part of it. The command line prints it
(text.py), the health page shows it; both call study_health."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from store.db.database import Store
from store.db.models import Component
from store.errors import StoreError
from store.exporting.snapshot import snapshot
from store.health import counts, durations, flags
from store.health.counts import ComponentFigures
from store.health.durations import Durations
from store.health.flags import Flag
from store.health.scope import scope_of
from store.pages.selection import Selection

TINY_BYTES = 10  # data under this many bytes is "tiny" (the default)
# JATOS's browser side sends a heartbeat every two minutes while a run is open: a day
# without one is a run nobody will finish (the participant closed the tab, or sending failed).
STUCK_HOURS = 24.0


@dataclass(frozen=True)
class HealthOptions:
    tiny_bytes: int = TINY_BYTES
    stuck_hours: float = STUCK_HOURS
    now_ms: int | None = None  # "now" for stuck runs; None: the clock when the report is made


@dataclass(frozen=True)
class Health:
    study: int
    title: str
    narrowed: str  # how the scope narrows the study ("" for all of its results)
    runs: int  # study results in the scope
    study_states: dict[str, int]
    component_states: dict[str, int]
    funnel: tuple[ComponentFigures, ...]  # the study's components in study order
    flags: tuple[Flag, ...]
    durations: Durations
    options: HealthOptions = field(default_factory=HealthOptions)
    test_runs_left_out: bool = False  # JATOS's own test runs (worker type Jatos) are not counted

    def flag(self, key: str) -> Flag:
        return next(f for f in self.flags if f.key == key)


def study_health(
    store: Store, selection: Selection, options: HealthOptions = HealthOptions(),
    progress: Callable[[int, int], None] | None = None,
) -> Health:
    """The health of the study a selection names (--study, or a batch's or group's study),
    narrowed as the selection is, read from one state of the store (an import meanwhile is in
    every figure or in none). SQL: run it in a worker; `progress(done, total)` as it goes."""
    if options.tiny_bytes < 1 or options.stuck_hours <= 0:
        raise StoreError("the tiny-data threshold must be 1 byte or more, and the stuck time above 0 hours")
    now_ms = options.now_ms if options.now_ms is not None else int(time.time() * 1000)
    options = HealthOptions(options.tiny_bytes, options.stuck_hours, now_ms)
    with snapshot(store):
        return _report(selection, options, progress or (lambda done, total: None))


def _report(selection: Selection, options: HealthOptions, progress: Callable[[int, int], None]) -> Health:
    scope = scope_of(selection)
    n_components = Component.select().where(Component.study == scope.study).count()
    # Steps: the scope, each component's pass, the flags there, the runs' flags, the durations.
    total = 1 + n_components + 3
    progress(1, total)
    figures = counts.components(scope, options.tiny_bytes, lambda done, _: progress(1 + done, total))
    found = flags.component_flags(scope, figures, options.tiny_bytes)
    progress(2 + n_components, total)
    study_states = counts.study_states(scope)
    found += [flags.stuck(scope, options.now_ms, options.stuck_hours), flags.duplicate_participants(scope)]
    progress(3 + n_components, total)
    times, fast = durations.durations(scope)
    progress(total, total)
    return Health(
        scope.study, scope.title, scope.narrowed, sum(study_states.values()), study_states,
        counts.component_states(figures), tuple(figures), tuple(found + [fast]), times, options,
        selection.exclude_test_runs,
    )
