"""The results store: models, import, filter, export and delete. Never imports Textual."""

from store.db.database import Store, open_store
from store.errors import BadInput, Cancelled, DatabaseLocked, StoreError
from store.pages.selection import Selection

__all__ = ["Store", "open_store", "Selection", "StoreError", "BadInput", "Cancelled", "DatabaseLocked"]
