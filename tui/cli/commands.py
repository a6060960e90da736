"""The `jatos-results` command line. It calls the same store functions as the results pages."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from tui.cli import health as cli_health
from tui.cli import participants as cli_participants
from tui.cli.common import (
    PROG,
    Parser,
    ProgressBar,
    add_db,
    add_merge_options,
    add_scope,
    add_selection,
    jatos_id,
    log_crash,
    not_text,
    open_existing,
    selection_of,
    show,
)

ZIP_KINDS = ("archive", "data-zip", "files")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="See, filter, select, export and delete JATOS study results from a terminal.",
    )
    add_db(parser, top=True)
    add_scope(parser)
    parser.add_argument("--no-mouse", action="store_true", help="do not capture the mouse (lets the terminal select text)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import JATOS results archives, metadata JSON or study archives (.jzip)")
    add_db(p)
    p.add_argument("files", nargs="+", metavar="FILE", help=".zip/.jrzip results archive, data or files zip, folder, metadata .json, .jzip")
    add_merge_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    from store import EXPORT_KINDS as KINDS
    from tui.cli import labels as cli_labels
    from tui.cli import trials as cli_trials

    p = sub.add_parser("export", help="export selected results in a JATOS format")
    add_db(p)
    p.add_argument(
        "kind", choices=KINDS,
        help="data (plain text), archive, data-zip, files, metadata-json, metadata-csv, file, exclusion-report (labels, CSV), "
        "trials (a row per trial, CSV or Parquet)",
    )
    add_selection(p)
    cli_labels.add_exclude_label(p)
    cli_trials.add_trial_options(p)
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
        help="metadata-csv, trials: keep cells that start like a spreadsheet formula (=, +, -, @) as they are",
    )
    p.add_argument("--file", metavar="NAME", help="with kind 'file': the file's name")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("delete", help="delete selected results with their data and files")
    add_db(p)
    add_selection(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--purge", action="store_true", help="delete for good, without keeping them in the trash for undo")
    p.add_argument("--remote", action="store_true", help="also delete them on the JATOS server given by --url")
    p.add_argument("--url", help="the JATOS server, with --remote")

    from tui.cli import trash as cli_trash

    cli_trash.add_parsers(sub)
    cli_labels.add_parsers(sub)
    cli_participants.add_parsers(sub)
    cli_health.add_parsers(sub)

    p = sub.add_parser("pull", help="fetch results from a JATOS server (3.8.1 or later) into the store")
    add_db(p)
    p.add_argument("--url", required=True, help="the JATOS server, e.g. https://jatos.example.org")
    p.add_argument("--study", type=jatos_id, action="append", default=[], metavar="ID", help="a study id (repeatable)")
    p.add_argument("--study-uuid", action="append", default=[], metavar="UUID", help="a study UUID (repeatable)")
    p.add_argument("--prune", action="store_true", help="also remove results that were deleted on the server")
    p.add_argument("--watch", type=float, metavar="SECONDS", help="keep pulling at this interval until interrupted")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per read (default 30)")
    p.add_argument(
        "--deadline", type=float, default=1800.0, metavar="SECONDS", help="per request, start to end (default 1800)"
    )
    add_merge_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("studies", help="list the studies in the store")
    add_db(p)

    p = sub.add_parser("init-db", help="make the tables of a server database (an administrator's step, once)")
    p.add_argument("target", metavar="URL", help="the database: a postgresql:// URL (an SQLite file is made as it opens)")
    p.add_argument("--files", metavar="FOLDER", help="where its uploaded files live, recorded for every user of it")
    p.add_argument("--group", metavar="GROUP", help="the OS group of the database's users: they share the files folder")

    p = sub.add_parser("demo", help="create (once) a demo database and open it")
    add_db(p)
    p.add_argument("--no-open", action="store_true", help="only create the demo database")
    return parser


def cmd_import(args) -> int:
    from store import import_paths, open_store

    with open_store(args.db) as store:
        with ProgressBar("importing", not args.quiet, min_total=5_000_000) as bar:
            summary = import_paths(
                store, args.files, progress=bar, replace=args.replace, include_deleted=args.include_deleted
            )
    show(summary.line())
    return 0


def cmd_export(args) -> int:
    from store import default_filename, export

    sel = selection_of(args)
    if args.kind == "file" and not args.output:
        args.output = args.file
    out = args.output or default_filename(args.kind, fmt=args.trial_format)
    # To standard output only the export's bytes go: the summary goes to stderr with the notes.
    to_stdout = out == "-"
    from store import StoreError

    if to_stdout and args.kind in ZIP_KINDS and sys.stdout.isatty():
        raise StoreError(f"{args.kind} is a zip file: send it to a file or a pipe, not to the terminal")
    from tui.cli.trials import check_trial_output

    check_trial_output(args, to_stdout, sys.stdout.isatty())
    with open_existing(args.db) as store:
        from store import unknown_labels

        for label in unknown_labels(args.exclude_label):
            show(f"note: no study result is labelled {label!r}: --exclude-label {label} leaves out nothing", file=sys.stderr)
        with ProgressBar(f"exporting {args.kind}", not args.quiet, min_total=2000) as bar:
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
                strict=args.strict,
                trial_format=args.trial_format,
            )
    if result.without_components:
        show(
            f"note: {result.without_components} selected study results have no component results; "
            "JATOS never exports those, and neither does this file",
            file=sys.stderr,
        )
    show(result.line(), file=sys.stderr if to_stdout else sys.stdout)
    return 0


def cmd_delete(args) -> int:
    from store import NothingSelected, StoreError, delete_ids, describe

    sel = selection_of(args)
    if args.remote and not args.url:
        raise StoreError("--remote needs --url, the JATOS server to delete the results on")
    with open_existing(args.db) as store:
        ids = sel.row_ids()
        if not ids:
            raise NothingSelected()
        client = None
        api_version = None
        where = ""
        if args.remote:
            from store import JatosClient, check_remote_agrees, load_token

            client = JatosClient(args.url, load_token())
            api_version = check_remote_agrees(client, sel.level, ids)
            where = f" on {client.url} and in this store"
        from tui.widgets.display import id_list

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
                from store import remote_body

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
    from store import JatosClient, load_token, open_store, pull

    token = load_token()
    with open_store(args.db) as store, JatosClient(args.url, token, timeout=args.timeout, deadline=args.deadline) as client:
        while True:
            with ProgressBar("downloading", not args.quiet, min_total=2) as bar:
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
            stamp = time.strftime("%H:%M:%S ") if args.watch else ""
            show(stamp + summary.line(), flush=True)
            if not args.watch:
                return 0
            time.sleep(args.watch)


def cmd_studies(args) -> int:
    from store import local_time, studies

    with open_existing(args.db) as store:
        rows = studies()
    if not rows:
        show(f"no studies in {store.location}; import a results archive with `{PROG} import FILE`")
        return 0
    show(f"{'ID':>8}  {'Results':>8}  {'Last activity':<25}  Title")
    for s in rows:
        show(f"{s.id:>8}  {s.study_results:>8}  {local_time(s.last_activity):<25}  {s.title}")
    return 0


def cmd_init_db(args) -> int:
    from store import StoreError, init_store

    with init_store(args.target, args.files, args.group) as store:
        if store.is_sqlite and args.files:
            raise StoreError("--files is for a server database: an SQLite store's files are in the folder beside it")
        shared = f", shared by group {args.group}" if args.group else ""
        show(f"{store.location}: ready; uploaded files in {store.files_root}{shared}")
    return 0


def cmd_demo(args) -> int:
    from store import demo_db_path, ensure_demo, open_store

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


class _StderrHandler(logging.StreamHandler):
    """Writes to stderr as it is when a line is said, not as it was when made."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _show_store_notices() -> None:
    """What the store says it is doing at length (rewriting an older store): a line on stderr."""
    logger = logging.getLogger("store")
    if not logger.handlers:  # main() may run more than once in a process
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(f"{PROG}: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    from store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    _show_store_notices()
    bad = [k for k, v in vars(args).items() if not_text(v)]
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
        "init-db": cmd_init_db,
    }
    from tui.cli.labels import COMMANDS as LABEL_COMMANDS
    from tui.cli.trash import COMMANDS

    commands.update(COMMANDS)
    commands.update(LABEL_COMMANDS)
    commands.update(cli_participants.COMMANDS)
    commands.update(cli_health.COMMANDS)
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
        log = log_crash()
        show(f"{PROG}: unexpected error ({type(exc).__name__}); the details are in {log}", file=sys.stderr)
        return 2




