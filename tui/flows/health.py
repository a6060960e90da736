"""The study's health from a results page: H opens it for the page's study (a batch's or a
group's page: that batch or group; a filter typed: the rows it finds), and a group chosen
there comes back as the page's selection, for `l` to label."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING

from store import StoreError
from tui.screens.health import HealthScreen
from tui.widgets.flag_groups import Group

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen

KINDS = ("study", "batch", "group")  # pages whose rows are one study's study results


class HealthFlow:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen

    async def start(self) -> None:
        screen = self.screen
        page = screen.page
        if page.kind not in KINDS:
            screen.app.notify(
                "Study health is about one study's results: open it from the study's (or a batch's) results page.",
                severity="warning",
            )
            return
        f = await self.page_filter()
        if screen.filter_bar.refuses():
            return
        # The page's scope (test runs hidden or not) from the one place that says it.
        selection = dataclasses.replace(
            screen.view.selection(), filter=f.text or None, regex=f.regex, case_sensitive=f.case_sensitive,
        )
        heading = screen.loader.heading or f"{page.kind} {page.id}"
        await screen.app.push_screen(HealthScreen(selection, heading), self.chosen)

    async def page_filter(self):
        """The filter as typed (its rows may still be on their way), else the last valid one,
        whose rows the page shows. Keys typed into the filter just before H may still wait in
        its queue: they are typed first (a callback queued behind them), and the keys after H
        wait for this action."""
        bar = self.screen.filter_bar
        typed_in = asyncio.Event()
        if bar.input.call_later(typed_in.set):
            await typed_in.wait()
        typed = bar.filter
        try:
            typed.validate()
        except StoreError:
            return self.screen.view.filter
        return typed

    def chosen(self, group: Group | None) -> None:
        """The group's runs become the page's selection (in place of what was selected)."""
        if group is None:
            return
        view = self.screen.view
        shown = set(view.ids)  # only runs the page shows (a value chosen with F narrows it further)
        ids = [i for i in group.ids if i in shown]
        view.deselect_all()
        view.select_ids(ids)
        self.screen.selection_changed()
        left = len(group.ids) - len(ids)
        more = f" ({left} more not shown on this page)" if left else ""
        self.screen.app.notify(f"Selected the {len(ids)} study results of “{group.title}”{more}: l labels them.")
