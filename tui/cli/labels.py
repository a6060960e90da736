"""The command line's labels: `label LABEL …` (or `--clear`, or a note alone) on a selection of
study results, and `labels`, the listing. The store's functions are the app's (store/labels.py)."""

from __future__ import annotations

from store import StoreError, label_list, local_time
from tui.cli.common import add_db, add_selection, jatos_id, open_existing, selection_of, show


def add_parsers(sub) -> None:
    p = sub.add_parser("label", help="label selected study results (include, exclude, pending or any word) with a note")
    add_db(p)
    p.add_argument("label", nargs="?", metavar="LABEL", help="include, exclude, pending, or any label (case is ignored)")
    p.add_argument("--note", metavar="TEXT", help="the reason; without LABEL, changes the note and keeps the label")
    p.add_argument("--clear", action="store_true", help="remove the label and note of the selected results")
    add_selection(p)

    p = sub.add_parser("labels", help="list labelled study results with their notes, who and when")
    add_db(p)
    p.add_argument("--study", type=jatos_id, metavar="ID", help="of this study")
    p.add_argument("--label", metavar="LABEL", help="only this label")


def add_exclude_label(p) -> None:
    p.add_argument(
        "--exclude-label", action="extend", type=label_list, default=[], metavar="LABEL[,LABEL…]",
        help="leave out study results with these labels (comma-separated, repeatable); the exclusion report "
        "lists them all the same",
    )


def cmd_label(args) -> int:
    from store import clear_labels, set_labels

    if args.clear and (args.label is not None or args.note is not None):
        raise StoreError("--clear removes the label and the note: give it no LABEL or --note")
    if not args.clear and args.label is None and args.note is None:
        raise StoreError("give a label (include, exclude, pending or your own), a --note, or --clear")
    sel = selection_of(args)
    if sel.level != "study":
        raise StoreError("labels belong to study results: select them with --ids, --study, --batch, --filter, …")
    if sel.is_everything:
        # Labelling every result is never what a missing option meant.
        raise StoreError("say which study results: --ids, --study, --batch, --group, --worker or --filter")
    with open_existing(args.db) as store:
        ids = sel.row_ids()
        if args.clear:
            result = clear_labels(store, ids)
        else:
            result = set_labels(store, ids, args.label, args.note)
    show(result.line())
    return 0


def cmd_labels(args) -> int:
    from store import Selection, label_listing

    with open_existing(args.db):
        if args.study is not None:
            Selection(study=args.study).check_scope()  # a study that is not there, as every command says it
        rows = label_listing(study=args.study, label=args.label)
    if not rows:
        show("no labelled study results" + (f" in study {args.study}" if args.study is not None else ""))
        return 0
    show(f"{'Result':>8}  {'Study':>6}  {'Label':<12}  {'By':<12}  {'When':<25}  Note")
    for r, study in rows:
        show(f"{r.study_result:>8}  {study:>6}  {r.label:<12}  {r.labelled_by:<12}  {local_time(r.labelled_at):<25}  {r.note}")
    return 0


COMMANDS = {"label": cmd_label, "labels": cmd_labels}
