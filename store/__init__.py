"""The results store: the public face that the app and the command line use. Never imports Textual.

The app (`tui/`) imports the store only from here. The names that pull in more than the
database (export, import, a JATOS server's client) are imported when first used, so that a
command that needs none of them starts as fast as before.
"""

from __future__ import annotations

import importlib

from store.db.database import Store, demo_db_path, init_store, open_store
from store.errors import BadInput, Cancelled, DatabaseLocked, MissingData, NothingSelected, StoreError
from store.pages.selection import Selection, component_ids_of, parse_id_list

# name -> the module that holds it, or (module, its name there; None: the module itself)
_LAZY = {
    # a results page: its model, its rows, its order and filter
    "Page": "store.pages.page",
    "ResultsView": "store.pages.view",
    "Computed": "store.pages.view",
    "Line": "store.pages.view",
    "position": "store.pages.order",
    "Filter": "store.search.filter",
    "filter_help": ("store.search.fields", "help_lines"),
    "filter_syntax": ("store.search.fields", "SYNTAX"),
    "filter_fields": ("store.search.fields", "FIELDS"),
    "Column": "store.columns",
    "columns_for": "store.columns",
    "visible": "store.pages.visible",
    "ChangeWatch": "store.pages.changes",
    "studies": "store.pages.overview",
    "components_of": "store.pages.overview",
    "batches_of": "store.pages.overview",
    "groups_of": "store.pages.overview",
    "ComponentData": "store.pages.component_data",
    "component_data": "store.pages.component_data",
    "data_text": "store.pages.component_data",
    "existing_ids": "store.db.existing",
    "load_arrow": ("store.arrow", "arrow"),  # the native scans' library, imported ahead
    "trial_table": "store.formats.trials",
    # counts per value of a column (a frequency view), a page narrowed to chosen values
    "Frequency": "store.pages.frequency",
    "ValueCount": "store.pages.frequency",
    "ValueFilter": "store.pages.frequency",
    "value_counts": "store.pages.frequency",
    "state_counts": "store.pages.frequency",
    "ids_with_values": "store.pages.frequency",
    # values as JATOS shows them
    "human_size": "store.formats.jatos_values",
    "component_duration_display": "store.formats.jatos_values",
    "local_short": "store.formats.jatos_values",
    "local_time": "store.formats.jatos_values",
    "parse_id": "store.formats.jatos_values",
    # which runs count: labels and notes
    "set_labels": "store.labels",
    "label_list": "store.labels",
    "clear_labels": "store.labels",
    "labels_of": "store.labels",
    "label_listing": ("store.labels", "listing"),
    "unknown_labels": ("store.labels", "unknown"),
    "SUGGESTED_LABELS": ("store.labels", "SUGGESTED"),
    # participants: who took part, from the URL query parameters
    "participant_summary": ("store.participants", "summary"),
    "parse_participant_names": ("store.participants", "parse_names"),
    "set_participant_parameters": ("store.participants", "set_parameters"),
    "runs_of_participant": ("store.participants", "runs_of"),
    "participant_of_result": "store.participants",
    "participant_parameters": ("store.participants", "parameters"),
    "result_detail": ("store.pages.detail", "detail"),
    # a study's health: counts, funnel, flagged runs, durations
    "study_health": "store.health.report",
    "Health": "store.health.report",
    "HealthOptions": "store.health.report",
    "health_text": ("store.health.text", None),
    # import, export, delete, the trash, a JATOS server
    "import_paths": "store.importing.importer",
    "export": "store.exporting.export",
    "default_filename": "store.exporting.export",
    "EXPORT_KINDS": ("store.exporting.export", "KINDS"),
    "DeleteResult": "store.removal.delete",
    "delete_ids": "store.removal.delete",
    "describe": "store.removal.delete",
    "trash": ("store.removal.trash", None),
    "erase": "store.removal.erase",
    "erase_plan": ("store.removal.erase", "plan"),
    "removals": "store.removal.log",
    "ensure_demo": "store.demo",
    "JatosClient": "store.sync.jatos_api",
    "load_token": "store.sync.jatos_api",
    "pull": "store.sync.pull",
    "check_remote_agrees": "store.sync.pull",
    "remote_body": "store.sync.pull",
}

__all__ = [
    "Store", "init_store", "open_store", "demo_db_path", "Selection", "component_ids_of", "parse_id_list",
    "StoreError", "BadInput", "Cancelled", "DatabaseLocked", "NothingSelected", "MissingData", *_LAZY,
]


def __getattr__(name: str):
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    module, attr = where if isinstance(where, tuple) else (where, name)
    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value  # once
    return value
