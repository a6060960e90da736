"""The command line's trials export (`export trials`): its options, beside the other kinds'."""

from __future__ import annotations

from store import StoreError


def add_trial_options(p) -> None:
    p.add_argument(
        "--format", choices=("csv", "parquet"), dest="trial_format",
        help="trials: the table's format (default: by the output's suffix, .parquet or else CSV)",
    )
    p.add_argument(
        "--strict", action="store_true",
        help="trials: stop, writing nothing, if some result data gives no trials (by default they are left out and counted)",
    )


def check_trial_output(args, to_stdout: bool, isatty: bool) -> None:
    """The trials' options only with trials; Parquet is binary: to a file or a pipe, never to the terminal."""
    if args.kind != "trials" and (args.trial_format or args.strict):
        raise StoreError(f"--{'format' if args.trial_format else 'strict'} is for the trials export (export trials …)")
    if args.kind == "trials" and to_stdout and isatty and args.trial_format == "parquet":
        raise StoreError("Parquet is a binary file: send it to a file or a pipe, not to the terminal")
