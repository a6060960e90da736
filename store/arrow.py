"""pyarrow and its compute module, imported when first needed: a tenth of a second that the
app's start does not wait for."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def arrow():
    import pyarrow
    import pyarrow.compute

    return pyarrow, pyarrow.compute
