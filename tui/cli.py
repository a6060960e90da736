"""The `jatos-results` command line. It calls the same store functions as the results pages."""

from __future__ import annotations

import argparse
import os
import sys
import time

PROG = "jatos-results"
ZIP_KINDS = ("archive", "data-zip", "files")


def show(*parts, file=None, flush: bool = False, end: str = "\n") -> None:
    """print(), with control characters made visible: titles, messages and file names come
    from participants and servers, and an escape sequence must not reach the terminal."""
    from store.visible import visible

    print(visible(" ".join(str(p) for p in parts)), file=file or sys.stdout, flush=flush, end=end)


def _add_db(p: argparse.ArgumentParser, top: bool = False) -> None:
    p.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None if top else argparse.SUPPRESS,
        help="database file or URL (default: $JATOS_RESULTS_DB, else one SQLite file in your data directory)",
    )


def _add_scope(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("selection (every option narrows it; none means everything)")
    g.add_argument("--study", type=_id, metavar="ID", help="results of this study")
    g.add_argument("--component", type=_id, metavar="ID", help="component results of this component")
    g.add_argument("--batch", type=_id, metavar="ID", help="results of this batch (without Jatos test runs)")
    g.add_argument("--group", type=_id, metavar="ID", help="results of this group")
    g.add_argument("--worker", type=_id, metavar="ID", help="results of this worker")


def _add_selection(p: argparse.ArgumentParser) -> None:
    _add_scope(p)
    g = p.add_argument_group("ids and filter")
    g.add_argument("--ids", metavar="LIST", help='study result ids and ranges, as JATOS takes them: "1-10, 12"')
    g.add_argument("--component-result-ids", metavar="LIST", help="component result ids and ranges")
    g.add_argument("--filter", metavar="TEXT", help='JATOS smart search: all terms, "phrases", !exclude')
    g.add_argument("--regex", action="store_true", help="the filter is one regular expression")
    g.add_argument("--case-sensitive", action="store_true", help="the filter is case-sensitive")


def _add_merge_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--replace",
        action="store_true",
        help="where the store's version of a result is newer or disagrees, take the incoming one all the same",
    )
    p.add_argument("--include-deleted", action="store_true", help="bring back results deleted or erased here")


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (and exit 2), as every other error."""

    def error(self, message: str):
        show(f"{self.prog}: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def _id(text: str) -> int:
    """A JATOS id on the command line (argparse says the message in its one line)."""
    from store.jatos_values import parse_id

    try:
        return parse_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="See, filter, select, export and delete JATOS study results from a terminal.",
    )
    _add_db(parser, top=True)
    _add_scope(parser)
    parser.add_argument("--no-mouse", action="store_true", help="do not capture the mouse (lets the terminal select text)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import JATOS results archives, metadata JSON or study archives (.jzip)")
    _add_db(p)
    p.add_argument("files", nargs="+", metavar="FILE", help=".zip/.jrzip results archive, data or files zip, folder, metadata .json, .jzip")
    _add_merge_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    from store.export import KINDS

    p = sub.add_parser("export", help="export selected results in a JATOS format")
    _add_db(p)
    p.add_argument("kind", choices=KINDS, help="data (plain text), archive, data-zip, files, metadata-json, metadata-csv, file")
    _add_selection(p)
    p.add_argument(
        "-o", "--output", metavar="PATH", help="output file, - for standard output (default: JATOS's file name in this folder)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument(
        "--allow-missing-data",
        action="store_true",
        help="export even if some result data is known only from metadata: it is left out, and the summary says so",
    )
    p.add_argument("--columns", metavar="LIST", help='metadata-csv columns by title, comma-separated, or "all"')
    p.add_argument(
        "--raw-csv",
        action="store_true",
        help="metadata-csv: keep cells that start like a spreadsheet formula (=, +, -, @) as they are",
    )
    p.add_argument("--file", metavar="NAME", help="with kind 'file': the file's name")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("delete", help="delete selected results with their data and files")
    _add_db(p)
    _add_selection(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--purge", action="store_true", help="delete for good, without keeping them in the trash for undo")
    p.add_argument("--remote", action="store_true", help="also delete them on the JATOS server given by --url")
    p.add_argument("--url", help="the JATOS server, with --remote")

    from tui import cli_trash

    cli_trash.add_parsers(sub, _add_db, _add_selection)

    p = sub.add_parser("pull", help="fetch results from a JATOS server (3.8.1 or later) into the store")
    _add_db(p)
    p.add_argument("--url", required=True, help="the JATOS server, e.g. https://jatos.example.org")
    p.add_argument("--study", type=_id, action="append", default=[], metavar="ID", help="a study id (repeatable)")
    p.add_argument("--study-uuid", action="append", default=[], metavar="UUID", help="a study UUID (repeatable)")
    p.add_argument("--prune", action="store_true", help="also remove results that were deleted on the server")
    p.add_argument("--watch", type=float, metavar="SECONDS", help="keep pulling at this interval until interrupted")
    p.add_argument("--rounds", type=int, metavar="N", help=argparse.SUPPRESS)  # bound --watch (tests)
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per read (default 30)")
    p.add_argument(
        "--deadline", type=float, default=1800.0, metavar="SECONDS", help="per request, start to end (default 1800)"
    )
    _add_merge_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("studies", help="list the studies in the store")
    _add_db(p)

    p = sub.add_parser("demo", help="create (once) a demo database and open it")
    _add_db(p)
    p.add_argument("--no-open", action="store_true", help="only create the demo database")
    return parser


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


def _selection(args):
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
    )


def cmd_import(args) -> int:
    from store import open_store
    from store.importer import import_paths

    with open_store(args.db) as store:
        bar = ProgressBar("importing", not args.quiet, min_total=5_000_000)
        try:
            summary = import_paths(
                store, args.files, progress=bar, replace=args.replace, include_deleted=args.include_deleted
            )
        finally:
            bar.finish()
    show(summary.line())
    return 0


def cmd_export(args) -> int:
    from store import open_store
    from store.export import default_filename, export

    sel = _selection(args)
    if args.kind == "file" and not args.output:
        args.output = args.file
    out = args.output or default_filename(args.kind)
    # To standard output only the export's bytes go: the summary goes to stderr with the notes.
    to_stdout = out == "-"
    from store import StoreError

    if to_stdout and args.kind in ZIP_KINDS and sys.stdout.isatty():
        raise StoreError(f"{args.kind} is a zip file: send it to a file or a pipe, not to the terminal")
    with open_store(args.db) as store:
        bar = ProgressBar(f"exporting {args.kind}", not args.quiet, min_total=2000)
        try:
            result = export(
                store,
                args.kind,
                sel,
                sys.stdout.buffer if to_stdout else out,
                force=args.force,
                columns=args.columns,
                filename=args.file,
                progress=bar,
                allow_missing_data=args.allow_missing_data,
                raw_csv=args.raw_csv,
            )
        finally:
            bar.finish()
    if result.without_components:
        show(
            f"note: {result.without_components} selected study results have no component results; "
            "JATOS never exports those, and neither does this file",
            file=sys.stderr,
        )
    show(result.line(), file=sys.stderr if to_stdout else sys.stdout)
    return 0


def cmd_delete(args) -> int:
    from store import StoreError, open_store
    from store.delete import delete_ids, describe
    from store.errors import NothingSelected

    sel = _selection(args)
    if args.remote and not args.url:
        raise StoreError("--remote needs --url, the JATOS server to delete the results on")
    with open_store(args.db) as store:
        ids = sel.row_ids()
        if not ids:
            raise NothingSelected()
        client = None
        api_version = None
        where = ""
        if args.remote:
            from store.jatos_api import JatosClient, load_token
            from store.pull import check_remote_agrees

            client = JatosClient(args.url, load_token())
            api_version = check_remote_agrees(client, sel.level, ids)
            where = f" on {client.url} and in this store"
        from tui.display import id_list

        question = f"Delete {describe(sel.level, ids)}{where} ({id_list(sel.level, ids)}): result data, files and metadata."
        if args.remote:
            question += " Deleting on the server cannot be undone."
        if args.purge:
            undo = "There is no undo."
        else:
            undo = "They go to the trash here (`jatos-results trash restore` brings them back)."
        try:
            if not args.yes:
                if not sys.stdin.isatty():
                    raise StoreError("refusing to delete without confirmation: run in a terminal or pass --yes")
                show(question, file=sys.stderr)
                if sel.is_everything:
                    answer = input(f"This is EVERYTHING in the store. Type {len(ids)} to confirm: ")
                    ok = answer.strip() == str(len(ids))
                else:
                    ok = input(f"{undo} Delete? [y/N] ").strip().lower() in ("y", "yes")
                if not ok:
                    show("nothing deleted")
                    return 1
            if client is not None:
                from store.pull import remote_body

                deleted = client.delete(remote_body(sel.level, ids), api_version)
                n = f"{len(deleted)} component results" if deleted is not None else "the results"
                show(f"deleted {n} on {client.url}")
        finally:
            if client is not None:
                client.close()
        result = delete_ids(store, sel.level, ids, purge=args.purge)
    show(result.line())
    return 0


def cmd_pull(args) -> int:
    from store import open_store
    from store.jatos_api import JatosClient, load_token
    from store.pull import pull

    token = load_token()
    rounds = 0
    with open_store(args.db) as store, JatosClient(args.url, token, timeout=args.timeout, deadline=args.deadline) as client:
        while True:
            bar = ProgressBar("downloading", not args.quiet, min_total=2)
            try:
                summary = pull(
                    store,
                    client,
                    args.study,
                    args.study_uuid,
                    prune=args.prune,
                    progress=bar,
                    replace=args.replace,
                    include_deleted=args.include_deleted,
                )
            finally:
                bar.finish()
            stamp = time.strftime("%H:%M:%S ") if args.watch else ""
            show(stamp + summary.line(), flush=True)
            rounds += 1
            if not args.watch or (args.rounds and rounds >= args.rounds):
                return 0
            time.sleep(args.watch)


def cmd_studies(args) -> int:
    from store import open_store
    from store.jatos_values import local_time
    from store.overview import studies

    with open_store(args.db) as store:
        rows = studies()
    if not rows:
        show(f"no studies in {store.location}; import a results archive with `{PROG} import FILE`")
        return 0
    show(f"{'ID':>8}  {'Results':>8}  {'Last activity':<25}  Title")
    for s in rows:
        show(f"{s.id:>8}  {s.study_results:>8}  {local_time(s.last_activity):<25}  {s.title}")
    return 0


def cmd_demo(args) -> int:
    from store import open_store
    from store.database import demo_db_path
    from store.demo import ensure_demo

    target = args.db or str(demo_db_path())
    with open_store(target) as store:
        created = ensure_demo(store)
        show(f"{'created' if created else 'using'} demo database {store.location}", file=sys.stderr)
    if args.no_open:
        return 0
    return open_app(target, args)


def open_app(db, args) -> int:
    from tui.app import run_app

    return run_app(db, args)


def main(argv: list[str] | None = None) -> int:
    from store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    bad = [k for k, v in vars(args).items() if _not_text(v)]
    if bad:
        option = "--" + bad[0].replace("_", "-")
        show(f"{PROG}: {option}: not valid UTF-8 text", file=sys.stderr)
        return 2
    commands = {
        "import": cmd_import,
        "export": cmd_export,
        "delete": cmd_delete,
        "studies": cmd_studies,
        "pull": cmd_pull,
        "demo": cmd_demo,
    }
    from tui.cli_trash import COMMANDS

    commands.update(COMMANDS)
    try:
        if args.command is None:
            return open_app(args.db, args)
        return commands[args.command](args)
    except StoreError as exc:
        show(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `… -o - | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a full disk, a folder we may not write: still one line
        where = f"{exc.filename}: " if exc.filename else ""
        show(f"{PROG}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        show(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # not foreseen: one line, the details in a log
        log = _log_crash()
        show(f"{PROG}: unexpected error ({type(exc).__name__}); the details are in {log}", file=sys.stderr)
        return 2


def _not_text(value) -> bool:
    """An argument that is not valid UTF-8 (Python keeps such bytes as lone surrogates)."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def _log_crash() -> str:
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


if __name__ == "__main__":
    sys.exit(main())

