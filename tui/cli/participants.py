"""`jatos-results participants`: which URL query parameters name a participant (a setting of
the store, so that every user of a shared store sees the same participants), how many runs
have one, and how many participants took part in a study more than once. `--params` sets
the names and recomputes every run's participant id (store/participants.py)."""

from __future__ import annotations

from tui.cli.common import add_db, open_existing, show


def add_parsers(sub) -> None:
    p = sub.add_parser("participants", help="show or set the URL query parameters that name a participant")
    add_db(p)
    p.add_argument(
        "--params", metavar="NAMES",
        help='parameter names, comma-separated, first match wins (default "PROLIFIC_PID,workerId,…")',
    )


def cmd_participants(args) -> int:
    from store import parse_participant_names, participant_summary, set_participant_parameters

    names = parse_participant_names(args.params) if args.params is not None else None
    with open_existing(args.db) as store:
        if names is not None:
            with_id = set_participant_parameters(store, names)
            show(f"participant ids now from {', '.join(names)} (else an MTurk worker's id): {with_id} study results have one")
            return 0
        s = participant_summary()
    show(f"participant ids from: {', '.join(s.names)} (else an MTurk worker's id)")
    show(f"{s.with_id} study results have a participant id; {s.participants} participants, "
         f"{s.duplicated} took part more than once in a study")
    return 0


COMMANDS = {"participants": cmd_participants}
