"""Runs whose data is suspicious: each flag a named group of study result ids with one line
that says why. The component results are read again only if counts.py's sums found
something to flag there, and then once for every such flag together; the other flags read
the study results (a tenth of the data)."""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from dataclasses import dataclass

from peewee import Case, fn

from store.db.models import ComponentResult, ListedFile, StudyResult
from store.exporting.check import file_only_on_server
from store.health.counts import CR, ComponentFigures, looks_json, looks_other, missing_data, of_scope, tiny_data
from store.health.scope import Scope
from store.participants import parameters, participant_duplicates

RUNNING = ("STARTED", "DATA_RETRIEVED")


@dataclass(frozen=True)
class Flag:
    key: str  # stable: the JSON output's and the tests' name for it
    title: str
    explanation: str  # one line: why these runs are flagged
    ids: tuple[int, ...]  # study result ids, ascending


def component_flags(scope: Scope, figures: list[ComponentFigures], tiny_bytes: int) -> list[Flag]:
    """Finished without data, data in another format, reloaded, data not in the store."""
    with_data = [c.id for c in figures if c.sized]
    # A component none of whose runs leave data (instructions, a consent page) is not flagged.
    tiny = tiny_data(tiny_bytes) & CR.component.in_(with_data) if any(c.tiny and c.sized for c in figures) else None
    reloaded = (CR.state == "RELOADED") if any(c.states.get("RELOADED") for c in figures) else None
    missing = missing_data() if any(c.missing for c in figures) else None
    mixed, odd_ones = None, []
    for c in figures:
        if c.json and c.other:
            # The less common kind is the odd one; on a tie, the data that is not JSON.
            json_is_odd = c.json < c.other
            odd_ones.append(f"{c.title}: {min(c.json, c.other)} {'JSON' if json_is_odd else 'not JSON'} "
                            f"among {max(c.json, c.other)} {'not JSON' if json_is_odd else 'JSON'}")
            odd = (CR.component == c.id) & (looks_json(tiny_bytes) if json_is_odd else looks_other(tiny_bytes))
            mixed = odd if mixed is None else mixed | odd
    found: dict[str, set[int]] = defaultdict(set)
    wanted = {k: v for k, v in (("tiny", tiny), ("mixed", mixed), ("reloaded", reloaded), ("missing", missing)) if v is not None}
    if wanted:
        hits = CR.select(CR.study_result, *[Case(None, [(cond, 1)], 0) for cond in wanted.values()])
        q = of_scope(hits, scope, [c.id for c in figures]).where(functools.reduce(operator.or_, wanted.values())).tuples()
        for sr, *hits in q:
            for key, hit in zip(wanted, hits):
                if hit:
                    found[key].add(sr)
    found["missing"] |= _files_not_in_store(scope)
    return [
        Flag(
            "finished-without-data", "Finished without data",
            f"FINISHED runs with no, empty or tiny data (under {tiny_bytes} bytes) in a finished component where other runs left data",
            tuple(sorted(found["tiny"])),
        ),
        Flag(
            "mixed-formats", "Data in another format",
            "data that is JSON where most of its component's data is not, or the other way round (told by its first "
            "character)" + (": " + "; ".join(odd_ones) if odd_ones else ""),
            tuple(sorted(found["mixed"])),
        ),
        Flag(
            "reloaded", "Reloaded components",
            "runs with a RELOADED component result: the participant reloaded a page of the study",
            tuple(sorted(found["reloaded"])),
        ),
        Flag(
            "not-in-store", "Data not in the store",
            "runs with data or files the server has (metadata says so) that are not in the store yet: "
            "`jatos-results pull` or import the results archive",
            tuple(sorted(found["missing"])),
        ),
    ]


def _files_not_in_store(scope: Scope) -> set[int]:
    q = (
        ListedFile.select(ComponentResult.study_result)
        .join(ComponentResult)
        .join(StudyResult)
        .where(file_only_on_server(), *scope.conditions)
        .distinct()
        .tuples()
    )
    return {sr for (sr,) in q}


def stuck(scope: Scope, now_ms: int, stuck_hours: float) -> Flag:
    """Runs still going whose browser has sent no heartbeat (last seen) for stuck_hours."""
    seen = fn.COALESCE(StudyResult.last_seen_date, StudyResult.start_date)
    q = (
        StudyResult.select(StudyResult.id)
        .where(*scope.conditions, StudyResult.state.in_(list(RUNNING)), seen < now_ms - int(stuck_hours * 3_600_000))
        .order_by(StudyResult.id)
        .tuples()
    )
    return Flag(
        "stuck", "Stuck",
        f"STARTED or DATA_RETRIEVED runs not seen (no heartbeat) for {stuck_hours:g} hours or more",
        tuple(r[0] for r in q),
    )


def duplicate_participants(scope: Scope) -> Flag:
    """The scope's runs of a participant who ran the study more than once: the store's
    participant id (store/participants.py, the first of the URL query parameters the store
    is set to read, else the MTurk worker id) and its own test of a duplicate, in SQL."""
    q = StudyResult.select(StudyResult.id, StudyResult.participant).where(*scope.conditions, participant_duplicates())
    runs = q.order_by(StudyResult.id).tuples()
    ids, people = [], set()
    for sr, pid in runs:
        ids.append(sr)
        people.add(pid)
    who = f" ({len(people)} participant{'' if len(people) == 1 else 's'})" if people else ""
    return Flag(
        "duplicate-participants", "Participated more than once",
        f"runs of participants who ran this study more than once{who}: "
        f"the same participant id (URL parameter {', '.join(parameters())}, else MTurk worker id)",
        tuple(ids),
    )
