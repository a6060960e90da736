"""Component result data as a tidy trial table: one row per trial, flattened columns,
the result's metadata first (issue #14's trials export, the store-independent core).

- `read_trials(data)` → `Trials`: the format detected, rows or a reason (reading.py);
- `flatten`, `ColumnUnion`: nested objects as `a.b` columns, columns in first-seen order;
- `TrialCsvWriter`, `write_trials_csv`, `learn_columns`, `left_out_summary`: the table;
- `trial_table`: one component result's trials as text cells (the data viewer's tab);
- `write_trials_parquet` (parquet_writer.py, pyarrow imported only there): the same as Parquet.
"""

from store.formats.trials.csv_writer import META_COLUMNS, TrialCsvWriter, trial_column_name
from store.formats.trials.flatten import ColumnUnion, flatten
from store.formats.trials.reading import Trials, guess_framework, read_trials
from store.formats.trials.table import (
    TrialExport,
    TrialTable,
    UnreadableData,
    learn_columns,
    left_out_summary,
    trial_table,
    write_trials_csv,
    write_trials_parquet,
)

__all__ = [
    "META_COLUMNS",
    "ColumnUnion",
    "TrialCsvWriter",
    "TrialExport",
    "TrialTable",
    "Trials",
    "UnreadableData",
    "flatten",
    "guess_framework",
    "learn_columns",
    "left_out_summary",
    "read_trials",
    "trial_column_name",
    "trial_table",
    "write_trials_csv",
    "write_trials_parquet",
]
