"""The database server out of reach while the app is open (PostgreSQL: a restart, an
administrator closing the database): the page shows one notification instead of crashing,
keeps what it shows, and when a later poll reaches the server again it says so once and
shows the store as it now is.

The server's outage is made deterministic: the test database refuses new connections
(ALLOW_CONNECTIONS false) and every connection to it is terminated, as a restart does."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from store import Selection, import_paths, open_store
from store.pages.view import Page
from tui.app import ResultsApp
from tui.screens.connection import BACK
from tui.screens.results import ResultsScreen

import jatos_fixtures as fx
from conftest import ON_POSTGRES
from ui_helpers import settle, status, table_lines, type_at_once

pytestmark = [
    pytest.mark.usefixtures("ui_env"),
    pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: an SQLite file has no server to lose"),
]


def _outage(db_path, down: bool) -> None:
    import pg_backend

    name = urlsplit(str(db_path)).path.lstrip("/")
    pg_backend.on_server(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if down else "true"}')
    if down:
        # Each gone when this returns (PostgreSQL 14's timeout: waits for the process to end).
        pg_backend.on_server("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = %s", (name,))


async def test_a_page_survives_the_server_going_away_and_coming_back(scenario, db_path, tmp_path, monkeypatch):
    app = ResultsApp(scenario, Page("study", 12))
    told: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: told.append(message))
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        page = app.screen
        shown = table_lines(app)
        assert status(app).startswith("2 of 2 shown")
        _outage(db_path, down=True)
        try:
            page.loader.poll_changes()
            await settle(pilot)
            # A filter typed meanwhile, and the next polls: no second notice, no crash.
            await type_at_once(pilot, "slash", *"FINI")
            page.loader.poll_changes()
            await settle(pilot)
            assert app.screen is page and app.is_running
            lost = [m for m in told if "cannot be reached" in m]
            assert len(lost) == 1 and len(lost[0].splitlines()) == 1, "\n---\n".join(told)
            assert table_lines(app)[1:3] == shown[1:3]  # what it showed stays
        finally:
            _outage(db_path, down=False)
        # Changed meanwhile by another process: the page shows it once it is back.
        with open_store(db_path) as other:
            import_paths(other, [fx.synthetic_archive(tmp_path / "more.zip", 3, first_id=500)])
            assert len(Selection(study=12).row_ids()) == 5
        page.loader.poll_changes()
        await settle(pilot)
        assert told.count(BACK) == 1 and told[-1] == BACK
        assert isinstance(app.screen, ResultsScreen)
        await type_at_once(pilot, "escape")  # the filter typed while the server was away
        page.loader.poll_changes()
        await settle(pilot)
        assert status(app).startswith("5 of 5 shown"), status(app)
        assert told.count(BACK) == 1
