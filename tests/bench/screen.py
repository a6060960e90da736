"""Screen timings on the real app (App.run_test), in a process of their own.

    python tests/bench/screen.py DB START_TIME

START_TIME is time.time() just before this process was started, so "process start to
first rows" includes Python's start-up and every import. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import time

QUERIES = {
    "rare term": "zebrafinch",
    "term in every row": "correct",
    "absent term": "qqxqqz",
    "2-character term": "q7",
    "case-sensitive term": "GREEN",  # with Aa on
    "regex with literal": r'"rt":19\d\d',
    "regex without literal": r"\d{4}x",
    # Issue #15's classes: a common two-character term, regexes without a literal, and one
    # that a backtracking engine would never finish on long runs (here it is like any other).
    "2-character term, common": "ok",
    "regex without literal, z.b.a": "z.b.a",
    "regex without literal, [0-9]{9}": "[0-9]{9}",
    "pathological regex": "(a+)+$",
}
REGEX = {"regex with literal", "regex without literal", "regex without literal, z.b.a",
         "regex without literal, [0-9]{9}", "pathological regex"}


def peak_rss_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries that
    over from the parent through fork and exec (the benchmark's own, after an import)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(db: str, t0: float) -> dict:
    from stalls import Stalls

    from store import Page, open_store
    from tui.app import ResultsApp
    from tui.screens.results import ResultsScreen

    store = open_store(db, recover=False)
    app = ResultsApp(store, Page("study", 77))
    out: dict = {}
    async with app.run_test(size=(160, 40)) as pilot:
        while not (isinstance(app.screen, ResultsScreen) and app.screen.probe.applied >= 0):
            await asyncio.sleep(0.0005)
        screen = app.screen
        probe = screen.probe  # the moments the page records (tui/probe.py)
        table = screen.query_one("#results")
        while probe.complete_paint_at < probe.applied_at:
            await asyncio.sleep(0.0005)
        out["first rows"] = time.time() - t0
        filt = screen.query_one("#filter")

        stall = Stalls()
        worst_stall = 0.0

        async def painted(need_count: bool = False, settled: bool = False) -> float:
            """When the newest request's rows were first drawn: the rows found so far, or
            (settled) the first screenful as final, or (need_count) all rows and the count."""
            while (
                probe.applied != probe.requested
                or (need_count and screen.view.partial)
                or (settled and probe.settled != probe.requested)
            ):
                await asyncio.sleep(0.0002)
            while probe.complete_paint_at < probe.applied_at:
                await asyncio.sleep(0.0002)
            return probe.complete_paint_at

        bar = screen.filter_bar

        async def clear():
            filt.value = ""
            bar.regex = bar.case_sensitive = False
            await pilot.pause()  # the bar's messages reach the page
            await painted(True)
            await pilot.pause()

        for name, term in QUERIES.items():
            await clear()
            bar.regex = name in REGEX
            bar.case_sensitive = name == "case-sensitive term"
            await pilot.pause()
            filt.focus()
            await pilot.pause()
            lat, settled = [], []
            stall.max, stall.on = 0.0, True
            for ch in term:
                before = probe.requested
                edits = probe.filter_edits
                t = time.perf_counter()
                filt.insert_text_at_cursor(ch)  # what a keystroke in the filter does
                while probe.filter_edits == edits:
                    await asyncio.sleep(0.0002)
                if probe.requested == before:  # not a valid regex yet: nothing to redraw
                    continue
                lat.append(await painted() - t)
                settled.append(await painted(settled=True) - t)
            await painted(True)
            count_after = time.perf_counter() - t
            stall.on = False
            lat.sort()
            settled.sort()
            if not lat:
                raise SystemExit(f"no redraw measured for {name}: error={screen.query_one('#filter-error').display}")
            worst_stall = max(worst_stall, stall.max)
            out[name] = {
                "stall": stall.max,
                "p50": statistics.median(lat),
                "p95": lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))],
                "settled p50": statistics.median(settled),
                "settled p95": settled[min(len(settled) - 1, int(round(0.95 * (len(settled) - 1))))],
                "count": count_after,
                "rows": len(screen.view.ids),
            }
        out["longest stall"] = worst_stall
        stall.cancel()
        await clear()
        table.focus()
        await pilot.pause()
        # Each move from the top with no rows fetched (they must come from the database):
        # the median of seven, as one sample mostly measures where the 60 Hz frame was.
        for key, action in (("page down", table.action_page_down), ("jump to end", table.action_last)):
            samples = []
            for _ in range(7):
                table.action_first()
                screen.view.reload_rows()
                await pilot.pause()
                while probe.complete_paint_at == 0:  # the top rows, fetched again
                    await asyncio.sleep(0.0002)
                t = time.perf_counter()
                action()
                while probe.complete_paint_at < t:  # drawn with the rows, fetched in a worker
                    await asyncio.sleep(0.0002)
                samples.append(probe.complete_paint_at - t)
            out[key] = statistics.median(samples)
            out[key + " worst of 7"] = max(samples)
        # Counts per value: from F on the State column to the final counts on screen, the
        # median of five, of the whole page and of the page filtered to every row.
        from textual import events

        from tui.screens.frequency import FrequencyScreen

        table.column = [c.key for c in screen.view.columns].index("state")
        for name, term in (("frequency view of State", ""), ("frequency view of State, filtered", "correct")):
            filt.value = term
            await pilot.pause()
            await painted(True)
            table.focus()
            samples = []
            for _ in range(5):
                t = time.perf_counter()
                app.post_message(events.Key("F", "F"))  # as the terminal hands it over (pilot.press waits more)
                while not (isinstance(app.screen, FrequencyScreen) and app.screen.frequency is not None):
                    await asyncio.sleep(0.0002)
                counts = app.screen.query_one("#frequency-table")
                while "FINISHED" not in counts.render_line(1).text:  # laid out, the first value drawn
                    await asyncio.sleep(0.0002)
                samples.append(time.perf_counter() - t)
                await pilot.press("escape")
                await pilot.pause()
            out[name] = statistics.median(samples)
    out["peak RSS MB"] = peak_rss_mb()
    store.close()
    return out


if __name__ == "__main__":
    sys.path.insert(0, ".")
    print(json.dumps(asyncio.run(main(sys.argv[1], float(sys.argv[2])))))
