"""The benchmark: builds the data sets, measures, prints a table, writes JSON and RESULTS.md.

    .venv/bin/python tests/bench/run.py            # S and M (about 20 minutes, ~3 GB of disk)
    .venv/bin/python tests/bench/run.py --sets S   # one set
    .venv/bin/python tests/bench/run.py --sets tiny --no-results   # a quick smoke run
    .venv/bin/python tests/bench/run.py --parts filters            # the filter's final answers beside grep
    .venv/bin/python tests/bench/run.py --sets S --backend postgresql --pg postgresql://postgres@127.0.0.1:5432/postgres

Data sets are built once into tests/bench/out/ (ignored by git) and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import postgres as pg_bench  # noqa: E402

TARGETS = {
    "S": {
        "first rows": ("≤", 1.0, "s"), "keystroke p50": ("≤", 0.030, "s"), "keystroke p95": ("≤", 0.100, "s"),
        "exact count, term in every row": ("≤", 0.6, "s"), "longest stall": ("≤", 0.050, "s"),
        "page down": ("≤", 0.020, "s"), "jump to end": ("≤", 0.020, "s"), "peak RSS": ("≤", 200, "MB"),
        "plain-text export vs cp": ("≥", 0.6, "x"), "archive export vs zip": ("≥", 1.0, "x"),
        "import of the archive": ("≥", 15, "MB/s"), "delete 10k study results": ("≤", 2.0, "s"),
        "frequency view of State": ("≤", 0.1, "s"),
        "trials export csv MB/s": ("≥", 20, "MB/s"), "trials export csv peak RSS": ("≤", 300, "MB"),
        "trials export parquet MB/s": ("≥", 20, "MB/s"), "trials export parquet peak RSS": ("≤", 300, "MB"),
        "health page": ("≤", 2.0, "s"), "health page, longest stall": ("≤", 0.050, "s"),
    },
    "M": {
        "first rows": ("≤", 1.5, "s"), "keystroke p50": ("≤", 0.050, "s"), "keystroke p95": ("≤", 0.150, "s"),
        "exact count, term in every row": ("≤", 1.5, "s"), "longest stall": ("≤", 0.050, "s"),
        "page down": ("≤", 0.020, "s"), "jump to end": ("≤", 0.020, "s"), "peak RSS": ("≤", 400, "MB"),
        "frequency view of State": ("≤", 0.5, "s"),
    },
}
TARGETS["tiny"] = TARGETS["S"]
for _name in ("S", "M", "tiny"):
    TARGETS[pg_bench.label(_name)] = pg_bench.TARGETS

# The filter's query classes (issue #15): (query, regex, case-sensitive). Those named as in
# screen.py's QUERIES are the same queries, and the screen's final answer is shown beside them.
FILTER_CLASSES = {
    "rare term": ("zebrafinch", False, False),
    "term in every row": ("correct", False, False),
    "absent term": ("qqxqqz", False, False),
    "2-character term": ("q7", False, False),
    "2-character term, common": ("ok", False, False),
    "case-sensitive term": ("GREEN", False, True),
    "regex with literal": (r'"rt":19\d\d', True, False),
    "regex without literal": (r"\d{4}x", True, False),
    "regex without literal, z.b.a": ("z.b.a", True, False),
    "regex without literal, [0-9]{9}": ("[0-9]{9}", True, False),
    "pathological regex": ("(a+)+$", True, False),
}
FINAL_ANSWER = {"S": 0.5, "M": 2.0, "tiny": 0.5}  # seconds, every query class
# Field terms (issue #13): answered on the store's indexes, with targets of their own and no
# grep beside them (grep cannot read a state or a start time).
FIELD_CLASSES = {
    "field term, state": ("state:FINISHED", False, False),
    "field term, a week of start times": ("started:2023-11-15..2023-11-21", False, False),
}
FIELD_ANSWER = {"S": 0.1, "M": 0.5, "tiny": 0.1}  # seconds
GREP_TIMES = 3.0  # the final answer within this many times grep -ciE on the same data


FILTERS_NOTE = (
    "From the query to the final answer (every matching row and the count) on the study's page: in the app\n"
    "(screen.py: from the last keystroke to the count on screen), by the page's engine without the screen, and\n"
    "on the command line (`Selection.row_ids()`); beside `grep -ciE` over the plain-text export of the same data\n"
    "(grep counts lines of result data; the filter also reads each row's displayed columns, so grep is also\n"
    "timed on a file of everything a study page's filter reads). The target's ratio is to grep on the export.\n"
    "Medians of three.\n\n"
)


def timed(fn, *args, **kw):
    t = time.perf_counter()
    result = fn(*args, **kw)
    return time.perf_counter() - t, result


def build(name: str, out: Path) -> Path:
    from store import open_store
    from store.importing.importer import import_sources

    db = out / f"{name}.sqlite3"
    if db.exists():
        # Opened once before any timing: a store an earlier version built is brought up to
        # date here (its search texts rewritten), not during the first measured part.
        with open_store(db):
            pass
        return db
    tmp = out / f"{name}.building.sqlite3"
    for p in out.glob(f"{name}.building*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    print(f"building {name} …", flush=True)
    source = datasets.build_source(name, **datasets.SETS[name])
    with open_store(tmp) as store:
        seconds, _ = timed(import_sources, store, [source])
    print(f"built {name} in {seconds:.1f} s", flush=True)
    tmp.rename(db)
    files = tmp.with_name(tmp.stem + "-files")
    if files.exists():
        files.rename(db.with_name(db.stem + "-files"))
    return db


def files_and_exports(name: str, db: Path | str, out: Path, fresh_store=None) -> dict:
    """`fresh_store()`: where the import measure imports (a new SQLite file unless given)."""
    from store import Selection, open_store
    from store.exporting.export import export
    from store.removal.delete import delete_ids

    res: dict = {}
    work = out / f"{name}-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    with open_store(db) as store:
        # plain text, and cp of a file of the same size, in the same run; the best of three
        # each, as a single cp of 300 MB varies fourfold with the state of the page cache
        export(store, "data", Selection(), work / "warm.txt", force=True)  # warm the cache
        t_txt = min(timed(export, store, "data", Selection(), work / "all.txt", force=True)[0] for _ in range(3))
        size = (work / "all.txt").stat().st_size
        t_cp = min(
            timed(subprocess.run, ["cp", str(work / "all.txt"), str(work / "copy.txt")], check=True)[0] for _ in range(3)
        )
        res["plain-text export MB/s"] = size / t_txt / 1e6
        res["cp MB/s"] = size / t_cp / 1e6
        res["plain-text export vs cp"] = t_cp / t_txt
        # archive, and the zip command on the same data.txt files
        t_zip_ours, _ = timed(export, store, "archive", Selection(), work / "archive.zip", force=True)
    subprocess.run(["unzip", "-q", str(work / "archive.zip"), "-d", str(work / "unpacked")], check=True)
    (work / "unpacked" / "metadata.json").unlink()
    t_zip_cmd, _ = timed(
        subprocess.run, ["zip", "-q", "-r", str(work / "zipcmd.zip"), "."], cwd=work / "unpacked", check=True
    )
    res["archive export MB/s"] = size / t_zip_ours / 1e6
    res["zip command MB/s"] = size / t_zip_cmd / 1e6
    res["archive export vs zip"] = t_zip_cmd / t_zip_ours
    # import of the archive into a fresh store
    from store.importing.importer import import_paths

    fresh = fresh_store() if fresh_store else work / "imported.sqlite3"
    # The exports above left about 1.5 GB of files for the kernel to write out: the import's
    # own writes waited behind them (26.9 s against 23.3 s in a run of its own).
    os.sync()
    with open_store(fresh) as store:
        t_imp, summary = timed(import_paths, store, [work / "archive.zip"])
        res["import of the archive"] = summary.bytes / t_imp / 1e6
        res["import seconds"] = t_imp
        ids = Selection(study=77).row_ids()[:10_000]
        t_del, _ = timed(delete_ids, store, "study", ids)
        res["delete 10k study results"] = t_del
    shutil.rmtree(work / "unpacked", ignore_errors=True)
    return res


def screen(db: Path | str) -> dict:
    t0 = time.time()
    r = subprocess.run(
        [sys.executable, str(HERE / "screen.py"), str(db), str(t0)], cwd=ROOT, capture_output=True, text=True
    )
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    raw = json.loads(r.stdout.strip().splitlines()[-1])
    res = {"first rows": raw["first rows"], "longest stall": raw["longest stall"],
           "page down": raw["page down"], "page down, worst of 7": raw["page down worst of 7"],
           "jump to end": raw["jump to end"], "jump to end, worst of 7": raw["jump to end worst of 7"],
           "peak RSS": raw["peak RSS MB"], "queries": {}}
    classes = [raw[k] for k in raw if isinstance(raw[k], dict)]
    res["queries"] = {k: raw[k] for k in raw if isinstance(raw[k], dict)}
    # The worst query class. "keystroke" is the first redraw after it (the rows found so
    # far); "first screenful" is when the rows on screen are final.
    res["keystroke p50"] = max(q["p50"] for q in classes)
    res["keystroke p95"] = max(q["p95"] for q in classes)
    res["first screenful p50"] = max(q["settled p50"] for q in classes)
    res["first screenful p95"] = max(q["settled p95"] for q in classes)
    res["exact count, term in every row"] = raw["term in every row"]["count"]
    for key in ("frequency view of State", "frequency view of State, filtered"):  # F to the counts on screen
        res[key] = raw[key]
    return res


def health_page(db: Path) -> dict:
    """Issue #14: from H on the study's page to the health report's figures on screen (health.py)."""
    r = subprocess.run([sys.executable, str(HERE / "health.py"), str(db)], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    raw = json.loads(r.stdout.strip().splitlines()[-1])
    raw.pop("health flags")
    return raw


def plain_text(name: str, db: Path, out: Path) -> Path:
    """The plain-text export of the set's data, for grep (made once; the files part makes S's)."""
    from store import Selection, open_store
    from store.exporting.export import export

    path = out / f"{name}-work" / "all.txt"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        with open_store(db) as store:
            export(store, "data", Selection(), path, force=True)
    return path


def filter_text(name: str, db: Path, out: Path) -> Path:
    """Everything a study page's filter reads: each study result's displayed
    text, then each component result's data (M's data is small, its displayed text is not)."""
    import sqlite3

    path = out / f"{name}-work" / "filter-text.txt"
    if not path.exists() or path.stat().st_mtime < Path(db).stat().st_mtime:  # the store changed since
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            with open(path, "wb") as fh:
                for sql in ("SELECT CAST(search_text AS BLOB) FROM study_result WHERE search_text IS NOT NULL",
                            "SELECT CAST(data AS BLOB) FROM component_result WHERE data IS NOT NULL"):
                    for (text,) in con.execute(sql):
                        fh.write(text + b"\n")
        finally:
            con.close()
    return path


def grep_form(query: str, regex: bool) -> str:
    """The query as grep -E takes it: a term escaped, a regex's \\d spelt [0-9]."""
    if not regex:
        return "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in query)
    return query.replace("\\d", "[0-9]")


def grep_seconds(query: str, regex: bool, case_sensitive: bool, text: Path) -> tuple[float, int]:
    """grep -ciE (-cE with Aa on) over the plain-text export: the median of three, and its count."""
    args = ["grep", "-cE" if case_sensitive else "-ciE", "--", grep_form(query, regex), str(text)]
    runs = [timed(subprocess.run, args, capture_output=True, text=True) for _ in range(3)]
    return statistics.median(t for t, _ in runs), int(runs[0][1].stdout.strip() or 0)


def filters(name: str, db: Path | str, out: Path, same_data: Path | None = None) -> dict:
    """Each query class's final answer (the engine's, run to the end and as the page runs it)
    beside grep -ciE on the plain-text export of the same data, one timing at a time.
    `same_data`: the SQLite file of the same set, whose texts grep reads (PostgreSQL)."""
    text, everything = plain_text(name, same_data or db, out), filter_text(name, same_data or db, out)
    r = subprocess.run(
        [sys.executable, str(HERE / "filters.py"), str(db), json.dumps(FILTER_CLASSES | FIELD_CLASSES)],
        cwd=ROOT, capture_output=True, text=True,
    )
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    res = json.loads(r.stdout.strip().splitlines()[-1])
    for q, spec in FILTER_CLASSES.items():
        res[q]["grep"], res[q]["grep lines"] = grep_seconds(*spec, text)
        res[q]["grep all"], _ = grep_seconds(*spec, everything)
    return {"filters": res}


def filter_table(results: dict) -> str:
    lines = [
        "| set | query class | query | final answer: app (keystroke to count) / page engine / command line "
        "| first partial answer (page engine) | grep -ciE: export (lines) / all the filter reads "
        "| worst / grep: export / all | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, res in results.items():
        screen_counts = {q: v["count"] for q, v in res.get("queries", {}).items()}
        for q, v in res.get("filters", {}).items():
            if q in FIELD_CLASSES:
                lines.append(field_line(name, q, v))
                continue
            app = screen_counts.get(q) if FILTER_CLASSES.get(q, (None,))[0] == screen_query(q) else None
            worst = worst_final_answer(res, q)
            ratio = worst / v["grep"] if v["grep"] else float("inf")
            ratio_all = worst / v["grep all"] if v.get("grep all") else float("inf")
            bound = FINAL_ANSWER.get(name, 2.0)
            ok = worst <= bound and ratio <= GREP_TIMES
            shown = f"{app:.2f} s" if app is not None else "—"
            lines.append(
                f"| {name} | {q} | `{v['query']}`{' (Aa)' if v['case sensitive'] else ''} | "
                f"{shown} / {v['page']:.2f} s / {v['complete']:.2f} s ({v['rows']} rows) | {v['first'] * 1000:.1f} ms | "
                f"{v['grep']:.2f} s ({v['grep lines']}) / {v.get('grep all', 0):.2f} s | {ratio:.1f} / {ratio_all:.1f} x | "
                f"≤ {bound:g} s, ≤ {GREP_TIMES:g} x grep {'✓' if ok else '✗'} |"
            )
    return "\n".join(lines)


def field_line(name: str, q: str, v: dict) -> str:
    worst, bound = max(v["page"], v["complete"]), FIELD_ANSWER.get(name, 0.5)
    return (
        f"| {name} | {q} | `{v['query']}` | — / {v['page']:.3f} s / {v['complete']:.3f} s ({v['rows']} rows) | "
        f"{v['first'] * 1000:.1f} ms | — | — | ≤ {bound:g} s {'✓' if worst <= bound else '✗'} |"
    )


def worst_final_answer(res: dict, q: str) -> float:
    """A query class's final answer: the slowest of the app's, the page engine's and the
    command line's."""
    v = res["filters"][q]
    app = res.get("queries", {}).get(q, {}).get("count") if FILTER_CLASSES.get(q, (None,))[0] == screen_query(q) else None
    return max([v["page"], v["complete"]] + ([app] if app is not None else []))


def screen_query(q: str) -> str | None:
    """The query screen.py types for this class, if it has the class."""
    import screen as screen_bench

    return getattr(screen_bench, "QUERIES", {}).get(q)


def verdict(name: str, key: str, value: float) -> str:
    target = TARGETS[name].get(key)
    if target is None:
        return ""
    op, bound, unit = target
    ok = value <= bound if op == "≤" else value >= bound
    return f"{op} {bound:g} {unit} {'✓' if ok else '✗'}"


def fmt(key: str, value: float) -> str:
    if "peak RSS" in key:
        return f"{value:.0f} MB"
    if "vs" in key:
        return f"{value:.2f} x"
    if "MB/s" in key or key == "import of the archive":
        return f"{value:.1f} MB/s"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def table(results: dict) -> str:
    lines = ["| set | measure | figure | target |", "|---|---|---|---|"]
    for name, res in results.items():
        for key, value in res.items():
            if key in ("queries", "filters"):
                continue
            lines.append(f"| {name} | {key} | {fmt(key, value)} | {verdict(name, key, value)} |")
        for q, v in res.get("queries", {}).items():
            lines.append(
                f"| {name} | keystroke, {q} (p50 / p95; first screenful p50 / p95; exact count) | "
                f"{v['p50']*1000:.1f} / {v['p95']*1000:.1f} ms; "
                f"{v.get('settled p50', v['p50'])*1000:.1f} / {v.get('settled p95', v['p95'])*1000:.1f} ms; "
                f"{v['count']*1000:.0f} ms ({v['rows']} rows); longest stall {v.get('stall', 0)*1000:.0f} ms | |"
            )
    return "\n".join(lines)


def on_postgres(name: str, db: Path, sqlite_res: dict, parts: list[str], server: str, out: Path) -> dict:
    """The same parts on PostgreSQL, and issue #16's figures beside SQLite's of this run."""
    url = pg_bench.build(name, server, out)
    res = screen(url) if "screen" in parts else {}
    if name != "M" and "files" in parts:
        res.update(files_and_exports(f"{name}-pg", url, out, pg_bench.fresh(name, server, out)))
    if "filters" in parts:
        res.update(filters(name, url, out, same_data=db))
    res.update(pg_bench.figures(res, sqlite_res, worst_final_answer))
    label = pg_bench.label(name)
    print(table({label: res}), filter_table({label: res}), sep="\n\n", flush=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="S,M")
    ap.add_argument("--out", default=str(HERE / "out"))
    ap.add_argument("--no-results", action="store_true", help="do not rewrite RESULTS.md")
    ap.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md from the saved figures")
    ap.add_argument(
        "--parts", default="screen,files,filters,trials,health",
        help="screen (the app), files (exports, import, delete), filters (final answers beside grep), "
        "trials (the trials export: MB/s and peak RSS), health (the health page)",
    )
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                    help="postgresql: each set measured on PostgreSQL too, beside SQLite (needs --pg)")
    ap.add_argument("--pg", metavar="URL", help="a PostgreSQL database whose role may create databases")
    args = ap.parse_args()
    if args.backend == "postgresql" and not args.pg:
        ap.error("--backend postgresql needs --pg URL")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in [] if args.report_only else args.sets.split(","):
        db = build(name, out)
        parts = args.parts.split(",")
        res = screen(db) if "screen" in parts else {}
        if name != "M" and "files" in parts:
            res.update(files_and_exports(name, db, out))
        if "filters" in parts:
            res.update(filters(name, db, out))
        if name != "M" and "trials" in parts:
            from trials_export import trials_export

            res.update(trials_export(db))
        if "health" in parts:
            res.update(health_page(db))
        results[name] = res
        print(table({name: res}), filter_table({name: res}), sep="\n\n", flush=True)
        if args.backend == "postgresql":
            results[pg_bench.label(name)] = on_postgres(name, db, res, parts, args.pg, out)
    # Keep the figures of sets not run this time (each set's latest run is reported).
    saved = out / "results.json"
    merged = json.loads(saved.read_text()) if saved.exists() else {}
    for name, res in results.items():  # a part not run keeps its last figures
        merged[name] = {**merged.get(name, {}), **res}
    results = {k: merged[k] for k in sorted(merged, key=lambda k: ("S", "M", "tiny").index(k) if k in ("S", "M", "tiny") else 9)}
    text = table(results) + "\n\n## Filters: the final answer beside grep\n\n" + FILTERS_NOTE + filter_table(results)
    saved.write_text(json.dumps(results, indent=2))
    print(text)
    if not args.no_results:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        import sqlite3

        head = (
            f"# Benchmark results\n\n{dt.date.today().isoformat()} on {machine}, SQLite {sqlite3.sqlite_version}.\n"
            "Made by `tests/bench/run.py`; each part (screen; exports, import and delete) from its latest run.\n"
            "The machines are noisy: a run can be 15% (at times 50%) slower than the one before.\n"
            "Keystroke p50 / p95 are the worst query class; each class is listed below it.\n"
            "\"keystroke\" is from the keystroke to the first repaint that shows the new filter's rows: all of\n"
            "the first screenful, or, while a search reads row by row, the rows found so far in the page's\n"
            "order with how far it has got. \"first screenful\" is from the keystroke to the repaint whose\n"
            "first screenful of rows is final. Screen times include Textual's frame pacing (60 frames a second).\n\n"
        )
        (HERE / "RESULTS.md").write_text(head + text + "\n")


if __name__ == "__main__":
    main()
