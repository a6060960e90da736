"""What every command of the command line shares: its options, its one-line output and
errors, its progress bar and its crash log."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

PROG = "jatos-results"


def show(*parts, file=None, flush: bool = False, end: str = "\n") -> None:
    """print(), with control characters made visible: titles, messages and file names come
    from participants and servers, and an escape sequence must not reach the terminal."""
    from store import visible

    print(visible(" ".join(str(p) for p in parts)), file=file or sys.stdout, flush=flush, end=end)


def add_db(p: argparse.ArgumentParser, top: bool = False) -> None:
    p.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None if top else argparse.SUPPRESS,
        help="database file or URL (default: $JATOS_RESULTS_DB, else one SQLite file in your data directory)",
    )


def add_scope(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("selection (every option narrows it; none means everything)")
    g.add_argument("--study", type=jatos_id, metavar="ID", help="results of this study")
    g.add_argument("--component", type=jatos_id, metavar="ID", help="component results of this component")
    g.add_argument("--batch", type=jatos_id, metavar="ID", help="results of this batch (without Jatos test runs)")
    g.add_argument("--group", type=jatos_id, metavar="ID", help="results of this group")
    g.add_argument("--worker", type=jatos_id, metavar="ID", help="results of this worker")


def add_selection(p: argparse.ArgumentParser) -> None:
    add_scope(p)
    g = p.add_argument_group("ids and filter")
    g.add_argument("--ids", metavar="LIST", help='study result ids and ranges, as JATOS takes them: "1-10, 12"')
    g.add_argument("--component-result-ids", metavar="LIST", help="component result ids and ranges")
    g.add_argument(
        "--filter", metavar="TEXT",
        help='JATOS smart search (all terms, "phrases", !exclude) with field terms: state:FINISHED, '
        'type:"Personal Single", started:2024-05-01..2024-05-07, (a | b), ... (see the README)',
    )
    g.add_argument("--regex", action="store_true", help="the filter is one regular expression")
    g.add_argument("--case-sensitive", action="store_true", help="the filter is case-sensitive")
    g.add_argument(
        "--exclude-test-runs", action="store_true", help="leave out JATOS's own test runs (worker type Jatos)"
    )


def add_merge_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--replace",
        action="store_true",
        help="where the store's version of a result is newer or disagrees, take the incoming one all the same",
    )
    p.add_argument("--include-deleted", action="store_true", help="bring back results deleted or erased here")


def open_existing(db: str | None):
    """The store a command reads or changes, which must be there already: only import, pull
    and demo make one (a mistyped --db made an empty store, folders and all, and said it held
    no studies). A server's database (a URL) is the server's to find."""
    from store import StoreError, open_store

    named = db if db is not None else os.environ.get("JATOS_RESULTS_DB") or None
    path = named.removeprefix("sqlite:///") if named is not None else None
    if path is not None and "://" not in path and not Path(path).expanduser().exists():
        how = "--db" if db is not None else "JATOS_RESULTS_DB"
        raise StoreError(f"no store at {named}: check {how} (jatos-results import … --db {named} makes one)")
    return open_store(db)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (and exit 2), as every other error."""

    def error(self, message: str):
        show(f"{self.prog}: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def jatos_id(text: str) -> int:
    """A JATOS id on the command line (argparse says the message in its one line)."""
    from store import parse_id

    try:
        return parse_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class ProgressBar:
    """A one-line progress bar on stderr, only on a terminal and only for long work."""

    def __init__(self, label: str, enabled: bool = True, min_total: int = 0):
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.min_total = min_total
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.min_total:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        frac = done / total if total else 1.0
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        sys.stderr.write(f"\r{self.label} [{bar}] {frac * 100:5.1f}%")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    # `with ProgressBar(...) as bar:` clears the line whatever the work ends with.
    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.finish()


def selection_of(args):
    from store import Selection

    return Selection.from_text(
        ids=getattr(args, "ids", None),
        component_result_ids=getattr(args, "component_result_ids", None),
        study=args.study,
        component=args.component,
        batch=args.batch,
        group=args.group,
        worker=args.worker,
        filter=getattr(args, "filter", None),
        regex=getattr(args, "regex", False),
        case_sensitive=getattr(args, "case_sensitive", False),
        exclude_labels=tuple(getattr(args, "exclude_label", None) or ()),
        exclude_test_runs=getattr(args, "exclude_test_runs", False),
    )


def not_text(value) -> bool:
    """An argument that is not valid UTF-8 (Python keeps such bytes as lone surrogates)."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def log_crash() -> str:
    """The traceback, in a file readable by its owner only (it may quote personal data)."""
    import traceback

    from platformdirs import user_state_path

    folder = user_state_path("jatos-results")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "crash.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(time.strftime("%Y-%m-%d %H:%M:%S ") + " ".join(sys.argv[:2]) + "\n")
        fh.write(traceback.format_exc() + "\n")
    return str(path)
