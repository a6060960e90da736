"""Participants: who took part in a run, as the recruitment platform names them.

Platforms put the participant's id in the study link's URL query parameters, which JATOS
keeps with each study result (Prolific's `PROLIFIC_PID`, MTurk's `workerId`, a SONA or
lab link's own name). Which parameter names count is a setting of the store (every user
of a shared store sees the same participants): the first of them a run carries is its
participant id, else the MTurk worker id JATOS records for MTurk workers.

The id is a stored, indexed column of the study result (`participant`), written by every
import with the row (store/formats/archive_rows.py) and recomputed here in one pass when
the setting changes, when an older store is first opened, and for a run restored from the
trash. A participant who took part more than once in the same study is a duplicate; runs
in different studies of a lab are not (the participant page shows them all the same).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import peewee
from peewee import fn

from store.db.idlists import chunks, id_in
from store.db.models import StoreSetting, StudyResult, Worker
from store.errors import StoreError

# Prolific, MTurk (as a query parameter), then names other platforms and lab links use.
DEFAULT_PARAMETERS = ("PROLIFIC_PID", "workerId", "participantId", "participant_id", "SONA_ID")
SETTING = "participant_parameters"
MTURK = "MTurk worker ID"  # where an id came from when no parameter names it
# Longer than any platform's id: a value past this is a participant's text, not an id (and an
# index entry must stay small on every backend).
MAX_ID = 200
MAX_NAMES = 20


def parameters() -> tuple[str, ...]:
    """The parameter names this store takes participant ids from, in order."""
    row = StoreSetting.select(StoreSetting.value).where(StoreSetting.key == SETTING).tuples().first()
    if row is None:
        return DEFAULT_PARAMETERS
    return tuple(json.loads(row[0]))


def parse_names(text: str) -> tuple[str, ...]:
    """Comma-separated parameter names, as typed; a bad list is one line (BadInput's)."""
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise StoreError("give at least one URL query parameter name, e.g. PROLIFIC_PID,workerId")
    if len(names) > MAX_NAMES:
        raise StoreError(f"at most {MAX_NAMES} parameter names")
    for n in names:
        if len(n) > 100 or not n.isprintable():
            raise StoreError(f"{n[:40]!r}: not a URL query parameter name")
    return names


def participant_of(url_query_parameters: str | None, mt_worker_id: str | None, names=DEFAULT_PARAMETERS) -> tuple[str, str]:
    """(the participant's id, where it came from), or ("", "") where nothing says."""
    try:
        params = json.loads(url_query_parameters) if url_query_parameters else {}
    except ValueError:
        params = {}
    if isinstance(params, dict):
        for name in names:
            value = params.get(name)
            if isinstance(value, list):  # a parameter given twice
                value = value[0] if value else None
            if value not in (None, "") and len(str(value)) <= MAX_ID:
                return str(value), name
    if mt_worker_id:
        return mt_worker_id, MTURK
    return "", ""


def stored_id(url_query_parameters: str | None, mt_worker_id: str | None, names) -> str | None:
    """What the `participant` column holds: the id, or NULL where there is none."""
    return participant_of(url_query_parameters, mt_worker_id, names)[0] or None


def set_parameters(store, names: tuple[str, ...]) -> int:
    """Take participant ids from these names from now on: saved, and every run's id
    recomputed in the same transaction. Returns how many runs now have a participant id."""
    with store.write():
        StoreSetting.insert(key=SETTING, value=json.dumps(list(names))).on_conflict(
            conflict_target=[StoreSetting.key], preserve=[StoreSetting.value]
        ).execute()
        recompute()
    return StudyResult.select().where(StudyResult.participant.is_null(False)).count()


def recompute(ids=None) -> None:
    """The participant id of these runs (all: None), from their parameters and the setting
    (inside the caller's transaction). One read and one UPDATE of the rows that change."""
    names = parameters()
    q = (
        StudyResult.select(StudyResult.id, StudyResult.url_query_parameters, Worker.mt_worker_id, StudyResult.participant)
        .join(Worker, on=(StudyResult.worker == Worker.id))
    )
    parts = [q] if ids is None else [q.where(id_in(StudyResult.id, chunk)) for chunk in chunks(StudyResult.id, ids)]
    changed = []
    for part in parts:
        for sr_id, params, mt_id, held in part.tuples():
            now = stored_id(params, mt_id, names)
            if now != held:
                changed.append((now, sr_id))
    db = StudyResult._meta.database
    for chunk in peewee.chunked(changed, 1000):
        db.cursor().executemany(f'UPDATE "study_result" SET participant = {db.param} WHERE id = {db.param}', chunk)


# -- conditions on StudyResult, usable in any WHERE (the filter's `participant:` terms) ------


def participant_is(value: str):
    """Runs of this participant."""
    return StudyResult.participant == value


def _others_alias():
    return StudyResult.alias("same_participant")


def participant_duplicates():
    """Runs of a participant who took part in the same study more than once."""
    other = _others_alias()
    return fn.EXISTS(
        other.select(other.id).where(
            (other.participant == StudyResult.participant)
            & (other.study == StudyResult.study)
            & (other.id != StudyResult.id)
        )
    )


def runs_in_study():
    """The SQL of a row's count of its participant's runs in its study (0 without an id)."""
    other = _others_alias()
    return (
        other.select(fn.COUNT(other.id))
        .where((other.participant == StudyResult.participant) & (other.study == StudyResult.study))
    )


@dataclass(frozen=True)
class ParticipantSummary:
    names: tuple[str, ...]
    with_id: int  # runs with a participant id
    participants: int
    duplicated: int  # participants with more than one run in a study


def summary() -> ParticipantSummary:
    with_id = StudyResult.select().where(StudyResult.participant.is_null(False))
    per_study = (
        StudyResult.select(StudyResult.participant)
        .where(StudyResult.participant.is_null(False))
        .group_by(StudyResult.study, StudyResult.participant)
        .having(fn.COUNT(StudyResult.id) > 1)
    )
    dup = StudyResult.select(fn.COUNT(fn.DISTINCT(StudyResult.participant))).where(
        StudyResult.participant.in_(per_study)
    ).scalar()
    people = with_id.select(fn.COUNT(fn.DISTINCT(StudyResult.participant))).scalar()
    return ParticipantSummary(parameters(), with_id.count(), people or 0, dup or 0)


def runs_of(participant: str) -> list:
    """Every run of this participant, in every study and batch, oldest first (page rows)."""
    from store.pages.rows import study_rows

    q = (
        StudyResult.select(StudyResult.id)
        .where(participant_is(participant))
        .order_by(StudyResult.start_date, StudyResult.id)
    )
    return study_rows([r[0] for r in q.tuples()])


def participant_of_result(study_result_id: int) -> str | None:
    """The participant id of one study result (None: none, or the result is gone)."""
    row = StudyResult.select(StudyResult.participant).where(StudyResult.id == study_result_id).tuples().first()
    return row[0] if row else None
