"""Render the README's pictures from the real app on the demo data.

    .venv/bin/python screenshots/make_screenshots.py

Writes one SVG per main view into this folder. The demo is built with a fixed clock and
shown in UTC, so the pictures change only when the app does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (150, 36)
NOW_MS = 1_764_000_000_000  # 2025-11-24 16:00 UTC


async def shoot(app, name: str, keys: list[str], size: tuple[int, int] = SIZE) -> None:
    async with app.run_test(size=size) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    tmp = Path(tempfile.mkdtemp())
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
    os.chdir(tmp)
    sys.path.insert(0, str(HERE.parent))
    from store import Page, ensure_demo, open_store
    from tui.app import ResultsApp

    store = open_store("demo.sqlite3")
    ensure_demo(store, now_ms=NOW_MS)
    study = lambda: ResultsApp(store, Page("study", 12))  # noqa: E731
    await shoot(ResultsApp(store), "home", [])
    await shoot(study(), "study_results", ["j", "j", "enter", "space"])
    await shoot(study(), "filter_regex", ["ctrl+r", "slash", *"Prolific|Schöne", "enter"])
    await shoot(study(), "columns_menu", ["c"])
    await shoot(study(), "frequency_view", [*["right"] * 8, "F"])  # the State column's counts
    await shoot(study(), "export_dialog", ["space", "j", "space", "e"])
    await shoot(study(), "delete_confirmation", ["space", "j", "space", "j", "space", "x"])
    await shoot(ResultsApp(store, Page("component", 63)), "data_viewer", ["j", "enter"])
    await shoot(study(), "study_results_80x24", ["j"], size=(80, 24))
    await shoot(study(), "detail_view", ["j", "j", "i"], size=(100, 36))
    await shoot(study(), "participant", ["slash", *"Prolific", "enter", "P"], size=(100, 24))
    await shoot(study(), "health", ["H"])
    store.close()


if __name__ == "__main__":
    asyncio.run(main())
