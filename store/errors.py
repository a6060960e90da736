"""Errors the store reports to people: each one is a single clear line."""


class StoreError(Exception):
    """Something the user can act on; the command line prints it and exits 2."""


class BadInput(StoreError):
    """An input file that cannot be imported (names the file and the problem)."""


class DatabaseLocked(StoreError):
    """Another process holds the database's write lock for longer than we wait."""


class Cancelled(StoreError):
    """Work stopped on request before anything was changed."""


class NothingSelected(StoreError):
    """An export or delete of an empty selection: JATOS's own words for it."""

    def __init__(self) -> None:
        super().__init__("No results selected")


class MissingData(StoreError):
    """An export would leave out result data the store knows exists on the server: its
    metadata gave a size, but the data itself was never imported."""

    def __init__(self, message: str, component_results: int, what: str = "") -> None:
        super().__init__(message)
        self.component_results = component_results
        self.what = what or message  # what is missing and how to get it, without the command line's option
