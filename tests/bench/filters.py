"""The filter engine's final answer per query class, without the screen, in a process of
its own: the command line's answer (`Selection.row_ids()`, run to the end) and the results
page's (`stages()` of the study's page, from the call to its complete stage, with the time
to its first stage).

    python tests/bench/filters.py DB '{"class": ["query", regex, case_sensitive], ...}'

Each figure is the median of three runs, one at a time. Prints one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import time


def timings(query: str, regex: bool, case_sensitive: bool) -> dict:
    from store import Selection
    from store.pages.view import Page, ResultsView
    from store.search.filter import Filter

    complete, page, first = [], [], []
    for _ in range(3):
        t = time.perf_counter()
        rows = len(Selection(filter=query, regex=regex, case_sensitive=case_sensitive).row_ids())
        complete.append(time.perf_counter() - t)
        # A page of its own each time: it keeps the rows its field terms leave for the next
        # keystroke, which would answer the second run at once.
        view = ResultsView(Page("study", 77))
        base = view.base_ids(view.sort_key, view.descending)  # held once per sort, as on the page
        t = time.perf_counter()
        stages = iter(view.results(Filter(query, regex, case_sensitive)))
        next(stages)
        first.append(time.perf_counter() - t)
        for last in stages:  # noqa: B007 (the last stage is the answer)
            pass
        page.append(time.perf_counter() - t)
    return {
        "query": query, "regex": regex, "case sensitive": case_sensitive, "rows": rows, "base": len(base),
        "complete": statistics.median(complete), "page": statistics.median(page), "first": statistics.median(first),
    }


def main(db: str, classes: dict) -> dict:
    from store import open_store

    store = open_store(db, recover=False)
    try:
        return {name: timings(*spec) for name, spec in classes.items()}
    finally:
        store.close()


if __name__ == "__main__":
    sys.path.insert(0, ".")
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2]))))
