"""The health page (issue #14) on the real app, in a process of its own:

    python tests/bench/health.py DB

From the key H on the study's results page to the report's figures on screen (three times,
the page closed in between), the longest the screen stalled meanwhile, and the store's
report alone (study_health, three times). Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time


async def main(db: str) -> dict:
    from stalls import Stalls

    from store import Page, Selection, open_store, study_health
    from tui.app import ResultsApp
    from tui.screens.health import HealthScreen
    from tui.screens.results import ResultsScreen

    store = open_store(db, recover=False)
    out: dict = {}
    app = ResultsApp(store, Page("study", 77))
    async with app.run_test(size=(160, 40)) as pilot:
        while not (isinstance(app.screen, ResultsScreen) and app.screen.probe.applied >= 0):
            await asyncio.sleep(0.001)
        await app.workers.wait_for_complete()
        stall = Stalls()
        samples = []
        for _ in range(3):
            stall.on = True
            t = time.perf_counter()
            await pilot.press("H")
            screen = app.screen
            assert isinstance(screen, HealthScreen)
            while screen.report is None:
                await asyncio.sleep(0.001)
            await pilot.pause()  # the figures drawn
            samples.append(time.perf_counter() - t)
            stall.on = False
            await pilot.press("escape")
            await app.workers.wait_for_complete()
        stall.cancel()
        out["health page"] = statistics.median(samples)
        out["health page, first"] = samples[0]
        out["health page, longest stall"] = stall.max
        flags = {f.key: len(f.ids) for f in screen.report.flags}
    reports = []
    for _ in range(3):
        t = time.perf_counter()
        study_health(store, Selection(study=77))
        reports.append(time.perf_counter() - t)
    out["health report (store)"] = statistics.median(reports)
    out["health flags"] = flags
    store.close()
    return out


if __name__ == "__main__":
    sys.path.insert(0, ".")
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
