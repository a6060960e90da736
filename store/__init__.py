"""The results store: models, import, filter, export and delete. Never imports Textual."""

from .database import Store, open_store
from .errors import BadInput, Cancelled, DatabaseLocked, StoreError
from .selection import Selection

__all__ = ["Store", "open_store", "Selection", "StoreError", "BadInput", "Cancelled", "DatabaseLocked"]
