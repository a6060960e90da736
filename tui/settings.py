"""Small per-user settings: which columns each page kind shows, between runs."""

from __future__ import annotations

import json
import os

from platformdirs import user_config_path


def _path():
    return user_config_path("jatos-results") / "columns.json"


def load_columns(page_kind: str) -> list[str] | None:
    try:
        data = json.loads(_path().read_text())
    except (OSError, ValueError):
        return None
    keys = data.get(page_kind)
    return keys if isinstance(keys, list) else None


def save_columns(page_kind: str, keys: list[str]) -> None:
    path = _path()
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[page_kind] = keys
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)
