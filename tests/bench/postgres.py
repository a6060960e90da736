"""The benchmark on PostgreSQL (`run.py --backend postgresql --pg URL`): each data set built
into a database of its own on that server (reused next time, as the SQLite files are), the
same parts measured on it, and issue #16's figures set beside SQLite's of the same run.

URL names a database on the server where its role may create databases (e.g.
postgresql://postgres@127.0.0.1:5432/postgres); the sets go into `jr_bench_<set>` and the
import measure into `jr_bench_<set>_import`.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Issue #16: on PostgreSQL, beside SQLite in the same run.
TARGETS = {
    "first rows": ("≤", 1.0, "s"),
    "rare-term filter, final answer": ("≤", 0.2, "s"),
    "term in every row, final answer": ("≤", 1.0, "s"),
    "plain-text export vs SQLite": ("≥", 0.5, "x"),
    "import vs SQLite": ("≥", 0.8, "x"),
}
BUILT = "bench_set"  # a store_setting row: the set was built to the end


def label(name: str) -> str:
    return f"{name} (PostgreSQL)"


def _url(server: str, database: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path="/" + database))


def _on_server(server: str, sql: str, params=()) -> list:
    import psycopg2

    con = psycopg2.connect(server)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        con.close()


def _recreate(server: str, database: str, files: Path) -> str:
    import shutil

    from store import init_store

    _on_server(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _on_server(server, f'CREATE DATABASE "{database}"')
    shutil.rmtree(files, ignore_errors=True)
    url = _url(server, database)
    init_store(url, files).close()
    return url


def build(name: str, server: str, out: Path) -> str:
    """The set's database (built once: a later run finds it marked as built)."""
    import datasets

    from store import open_store
    from store.db.models import StoreSetting
    from store.importing.importer import import_sources

    database = f"jr_bench_{name.lower()}"
    if _on_server(server, "SELECT 1 FROM pg_database WHERE datname = %s", (database,)):
        url = _url(server, database)
        with open_store(url, recover=False):
            if StoreSetting.select().where(StoreSetting.key == BUILT).exists():
                return url
    url = _recreate(server, database, out / f"{name}-pg-files")
    print(f"building {name} on PostgreSQL …", flush=True)
    with open_store(url) as store:
        t = time.perf_counter()
        import_sources(store, [datasets.build_source(name, **datasets.SETS[name])])
        with store.write():
            StoreSetting.insert(key=BUILT, value=name).execute()
    print(f"built {name} on PostgreSQL in {time.perf_counter() - t:.1f} s", flush=True)
    return url


def fresh(name: str, server: str, out: Path):
    """For the import measure: an empty database, made afresh each call."""
    return lambda: _recreate(server, f"jr_bench_{name.lower()}_import", out / f"{name}-pg-import-files")


def figures(pg: dict, sqlite: dict, worst_final_answer) -> dict:
    """Issue #16's five figures from the parts' results on both backends."""
    out = {}
    if "first rows" in pg:
        out["first rows"] = pg["first rows"]
    for key, query in (("rare-term filter, final answer", "rare term"), ("term in every row, final answer", "term in every row")):
        if query in pg.get("filters", {}):
            out[key] = worst_final_answer(pg, query)
    if "plain-text export MB/s" in pg and "plain-text export MB/s" in sqlite:
        out["plain-text export vs SQLite"] = pg["plain-text export MB/s"] / sqlite["plain-text export MB/s"]
    if "import of the archive" in pg and "import of the archive" in sqlite:
        out["import vs SQLite"] = pg["import of the archive"] / sqlite["import of the archive"]
    return out
