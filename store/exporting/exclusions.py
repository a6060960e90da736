"""The exclusion report: every labelled study result of a selection, one CSV line each, with
the reason and who decided when (what a methods section reports). A component-level
selection reports the study results its component results belong to.

It lists the labelled results whatever `--exclude-label` says: they are what it reports.
The participant id is the store's (store/participants.py): the first URL query parameter of
the store's list the run carries, else the MTurk worker id JATOS keeps; the column beside
it names where it came from.
"""

from __future__ import annotations

import csv
import dataclasses
import io

from store.errors import NothingSelected
from store.formats.jatos_values import local_time
from store.labels import labels_of
from store.pages.rows import study_rows
from store.pages.selection import Selection
from store.participants import parameters, participant_of

HEADER = (
    "Result ID", "Study ID", "Worker ID", "Participant ID", "Participant ID from",
    "Label", "Note", "Labelled by", "Labelled at",
)


def write_report(fh, selection: Selection, inert, owners) -> int:
    """The report of the selection's labelled results (`inert` neutralises formula cells,
    `owners` gives the study results of component results); returns how many lines it wrote."""
    ids = dataclasses.replace(selection, exclude_labels=()).row_ids()
    if not ids:
        raise NothingSelected()
    if selection.level == "component":  # the study results of the selected component results
        ids = sorted(owners(ids))
    # No labelled result among them: the header alone, a report that nobody was left out.
    labels = labels_of(ids)
    names = parameters()
    text = io.StringIO()
    w = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(HEADER)
    for r in study_rows(sorted(labels)):
        lab = labels[r.id]
        pid, source = participant_of(r.url_query_parameters, r.mt_worker_id, names)
        cells = [
            str(r.id), str(r.study_id), str(r.worker_id), pid, source,
            lab.label, lab.note, lab.labelled_by, local_time(lab.labelled_at),
        ]
        w.writerow([inert(c) for c in cells])
    fh.write(text.getvalue().encode("utf-8"))
    return len(labels)
