"""`jatos-results health --study ID`: the study's health as text, or `--json` (its keys are
listed in the README). The store's report is the health page's (store/health/)."""

from __future__ import annotations

import argparse
import json

from tui.cli.common import add_db, add_selection, open_existing, selection_of, show
from tui.cli.labels import add_exclude_label


def add_parsers(sub) -> None:
    from store import HealthOptions

    p = sub.add_parser(
        "health", help="a study's health: counts per state, the completion funnel, flagged runs, durations",
    )
    add_db(p)
    add_selection(p)
    add_exclude_label(p)
    defaults = HealthOptions()
    p.add_argument(
        "--tiny-bytes", type=_whole(1), default=defaults.tiny_bytes, metavar="N",
        help=f"data under N bytes counts as tiny (default {defaults.tiny_bytes})",
    )
    p.add_argument(
        "--stuck-hours", type=_positive, default=defaults.stuck_hours, metavar="HOURS",
        help=f"a run still going without a heartbeat for this long is stuck (default {defaults.stuck_hours:g})",
    )
    p.add_argument("--json", action="store_true", help="the report as JSON (every id of every flagged group)")


def _whole(least: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {least} or more: {text!r}")
        return value

    return parse


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
    return value


def json_text(report: dict) -> str:
    """JSON whose characters all print: one a terminal would act on (a control character in
    a study title) is written as its \\u escape, which means the same to a JSON reader."""
    dumped = json.dumps(report, indent=2, ensure_ascii=False)
    return "".join(c if c.isprintable() or c == "\n" else json.dumps(c)[1:-1] for c in dumped)


def cmd_health(args) -> int:
    from store import HealthOptions, health_text, study_health

    sel = selection_of(args)
    with open_existing(args.db) as store:
        report = study_health(store, sel, HealthOptions(args.tiny_bytes, args.stuck_hours))
    if args.json:
        print(json_text(health_text.as_json(report)))
    else:
        for line in health_text.report_lines(report):
            show(line)
    return 0


COMMANDS = {"health": cmd_health}
