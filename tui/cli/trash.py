"""The command line's trash and erase commands (`trash`, `trash restore`, `trash empty`,
`erase`); `delete` itself is in tui/cli/commands.py."""

from __future__ import annotations

import sys

from store import local_time
from tui.cli.common import ProgressBar, add_db, add_selection, open_existing, selection_of, show


def add_parsers(sub) -> None:
    p = sub.add_parser("trash", help="list deleted results, restore them, or empty the trash")
    add_db(p)
    actions = p.add_subparsers(dest="trash_action", metavar="ACTION")
    r = actions.add_parser("restore", help="put deleted results back exactly as they were")
    add_db(r)
    r.add_argument("--op", type=int, metavar="N", help="one delete, by its number in `jatos-results trash`")
    r.add_argument("--ids", metavar="LIST", help="study results by id")
    r.add_argument("--component-result-ids", metavar="LIST", help="component results by id")
    r.add_argument("--all", action="store_true", help="everything in the trash")
    e = actions.add_parser("empty", help="remove everything in the trash for good")
    add_db(e)
    e.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = sub.add_parser(
        "erase",
        help="erase results for good from the store and the trash, leaving no recoverable byte (a withdrawal, a GDPR request)",
    )
    add_db(p)
    add_selection(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--remote", action="store_true", help="also delete them on the JATOS server given by --url")
    p.add_argument("--url", help="the JATOS server, with --remote")


def cmd_trash(args) -> int:
    from store import removals, trash

    with open_existing(args.db) as store:
        trash.expire(store)
        if args.trash_action == "restore":
            return _restore(store, args)
        if args.trash_action == "empty":
            n = len(trash.deletes())
            if not n:
                show("the trash is empty")
                return 0
            _confirm(args, f"Empty the trash: {n} deletes go for good.", "Empty the trash? [y/N] ")
            show(f"removed {trash.empty(store)} results from the trash")
            return 0
        rows = trash.deletes()
        gone = removals()
    if not rows:
        show("the trash is empty")
    else:
        days = trash.keep_days()
        show(f"{'Op':>5}  {'Deleted':<25}  {'By':<12}  What  (kept {days:g} days; `trash restore --op N` brings one back)")
        for d in rows:
            what = "study results" if d.level == "study" else "component results"
            shown = ", ".join(map(str, d.ids[:8])) + (", …" if len(d.ids) > 8 else "")
            show(f"{d.op:>5}  {local_time(d.deleted_at):<25}  {d.deleted_by[:12]:<12}  {len(d.ids)} {what}: {shown}")
    if gone:
        show("")
        show(f"{'':>5}  {'Removed for good':<25}  {'By':<12}  What  (erase and delete --purge keep no ids)")
        for r in gone:
            show(f"{'':>5}  {local_time(r.at):<25}  {r.by[:12]:<12}  {r.what()}")
    return 0


def _restore(store, args) -> int:
    from store import StoreError, parse_id_list, trash

    chosen = [x for x in (args.op is not None, args.ids, args.component_result_ids, args.all) if x]
    if len(chosen) != 1:
        raise StoreError("trash restore: name what to restore: --op N, --ids LIST, --component-result-ids LIST or --all")
    try:
        if args.ids:
            result = trash.restore(store, level="study", ids=parse_id_list(args.ids))
        elif args.component_result_ids:
            result = trash.restore(store, level="component", ids=parse_id_list(args.component_result_ids))
        else:
            result = trash.restore(store, op=args.op)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    if not (result.study_results or result.component_results):
        raise StoreError("nothing restored: " + "; ".join(result.skipped))
    show(result.line())
    return 0


def _confirm(args, question: str, prompt: str) -> None:
    from store import StoreError

    if args.yes:
        return
    if not sys.stdin.isatty():
        raise StoreError("refusing without confirmation: run in a terminal or pass --yes")
    show(question, file=sys.stderr)
    if input(prompt).strip().lower() not in ("y", "yes"):
        show("nothing changed")
        raise SystemExit(1)


def cmd_erase(args) -> int:
    from store import NothingSelected, StoreError, erase, erase_plan

    sel = selection_of(args)
    if args.remote and not args.url:
        raise StoreError("--remote needs --url, the JATOS server to delete the results on")
    with open_existing(args.db) as store:
        what = erase_plan(sel)
        if what.empty:
            raise NothingSelected()
        if args.remote:
            server = _delete_on_server(args, sel.level, what.live)
        else:
            server = (
                "They may still exist on the JATOS server they were imported from: this store cannot tell. "
                "Add --remote --url URL to delete them there too."
            )
        _confirm(
            args,
            f"Erase {what.describe()}: data, files and metadata, beyond recovery. {server}",
            "Erase for good? [y/N] ",
        )
        if args.remote:
            _delete_on_server(args, sel.level, what.live, really=True)
        with ProgressBar("erasing", True) as bar:
            result = erase(store, what, progress=bar)
    show(result.line())
    return 0


def _delete_on_server(args, level: str, ids: list[int], really: bool = False) -> str:
    from store import JatosClient, check_remote_agrees, load_token, remote_body

    with JatosClient(args.url, load_token()) as client:
        version = check_remote_agrees(client, level, ids)
        if not really:
            return f"They are deleted on {client.url} first; that cannot be undone."
        client.delete(remote_body(level, ids), version)
        show(f"deleted {len(ids)} results on {client.url}", file=sys.stderr)
    return ""


COMMANDS = {"trash": cmd_trash, "erase": cmd_erase}
