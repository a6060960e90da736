"""What a command or a page acts on: a scope, narrowed by a filter, or explicit ids.

Scopes are those of JATOS's results pages (jatos.md §5). Unlike JATOS's API, which
unions everything it is given (issue #328), every option given here narrows the
selection: `--study 12 --batch 14` means the results of batch 14 of study 12.
A component scope, or component result ids, make a component-level selection (rows are
component results); everything else selects study results.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from operator import itemgetter

from store.db.idlists import chunks, id_in
from store.db.models import Batch, Component, ComponentResult, GroupResult, ResultLabel, Study, StudyResult, Worker
from store.errors import StoreError
from store.formats.jatos_values import parse_id_list
from store.search import engine
from store.search import filter as search
from store.search.fields import test_runs_hidden


@dataclass
class Selection:
    study: int | None = None
    component: int | None = None
    batch: int | None = None
    group: int | None = None
    worker: int | None = None
    study_result_ids: list[int] | None = None
    component_result_ids: list[int] | None = None
    filter: str | None = None
    regex: bool = False
    case_sensitive: bool = False
    worker_type: str | None = None  # a batch page opened for one link type (§5)
    exclude_labels: tuple[str, ...] = ()  # results with one of these labels are left out (store/labels.py)
    exclude_test_runs: bool = False  # leave out JATOS's own test runs (worker type Jatos), on any page

    def __post_init__(self) -> None:
        # As labels are stored (store/labels.py): "Exclude " is the label exclude.
        self.exclude_labels = tuple(dict.fromkeys(" ".join(x.split()).lower() for x in self.exclude_labels if x.strip()))

    @classmethod
    def from_text(cls, ids: str | None = None, component_result_ids: str | None = None, **kw) -> "Selection":
        try:
            sr = parse_id_list(ids) if ids is not None else None
            cr = parse_id_list(component_result_ids) if component_result_ids is not None else None
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        return cls(study_result_ids=sr, component_result_ids=cr, **kw)

    @property
    def level(self) -> str:
        return "component" if self.component is not None or self.component_result_ids is not None else "study"

    @property
    def is_everything(self) -> bool:
        return (
            self.study is None
            and self.component is None
            and self.batch is None
            and self.group is None
            and self.worker is None
            and self.study_result_ids is None
            and self.component_result_ids is None
            and not (self.filter or "").strip()
            and not self.exclude_labels
            and not self.exclude_test_runs
        )

    def search_filter(self) -> search.Filter | None:
        if not (self.filter or "").strip():
            return None
        return search.Filter(self.filter, self.regex, self.case_sensitive)

    # -- checks -------------------------------------------------------------------------

    def check_scope(self) -> None:
        """Name a scope that does not exist in one clear line."""
        for value, model, what in (
            (self.study, Study, "study"),
            (self.component, Component, "component"),
            (self.batch, Batch, "batch"),
            (self.group, GroupResult, "group"),
            (self.worker, Worker, "worker"),
        ):
            if value is not None and not model.select().where(model.id == value).exists():
                raise StoreError(f"there is no {what} with id {value} in the store")
        f = self.search_filter()
        if f:
            f.validate()

    # -- resolving ----------------------------------------------------------------------

    def _study_where(self):
        conds = []
        if self.study is not None:
            conds.append(StudyResult.study == self.study)
        if self.batch is not None:
            conds.append(StudyResult.batch == self.batch)
            # The batch page leaves out the researchers' own (Jatos) test runs.
            wt = Worker.select(Worker.id).where(Worker.worker_type != "Jatos")
            if self.worker_type == "MT":
                wt = Worker.select(Worker.id).where(Worker.worker_type.in_(["MT", "MTSandbox"]))
            elif self.worker_type:
                wt = Worker.select(Worker.id).where(Worker.worker_type == self.worker_type)
            conds.append(StudyResult.worker.in_(wt))
        if self.group is not None:
            conds.append(StudyResult.group == self.group)
        if self.worker is not None:
            conds.append(StudyResult.worker == self.worker)
        if self.exclude_test_runs:
            conds.append(test_runs_hidden())
        if self.exclude_labels:
            labelled = ResultLabel.select(ResultLabel.study_result).where(ResultLabel.label.in_(list(self.exclude_labels)))
            conds.append(StudyResult.id.not_in(labelled))
        return conds

    def where(self) -> list:
        """Conditions of the scope, for a query on this level's table (joined to StudyResult)."""
        conds = self._study_where()
        if self.level == "component" and self.component is not None:
            conds.append(ComponentResult.component == self.component)
        return conds

    def explicit_ids(self) -> set[int] | None:
        """Ids given explicitly for this level (None: no such narrowing)."""
        if self.level == "component":
            wanted = set(self.component_result_ids) if self.component_result_ids is not None else None
            if self.study_result_ids is not None:
                srs = set(self.study_result_ids)
                q = ComponentResult.select(ComponentResult.id, ComponentResult.study_result).tuples()
                in_srs = {c for c, s in q if s in srs}
                wanted = in_srs if wanted is None else wanted & in_srs
            return wanted
        return set(self.study_result_ids) if self.study_result_ids is not None else None

    def scope_ids(self, condition=None, among=None) -> array:
        """The scope's rows without the filter (meeting a condition, among some ids), ascending."""
        if self.level == "component":
            q, level_id = ComponentResult.select(ComponentResult.id).join(StudyResult), ComponentResult.id
        else:
            q, level_id = StudyResult.select(StudyResult.id), StudyResult.id
        for c in self.where():
            q = q.where(c)
        if condition is not None:
            q = q.where(condition)
        if among is not None:
            q = q.where(id_in(level_id, among))
        cursor = StudyResult._meta.database.execute(q)  # a raw cursor: no object a row
        try:
            ids = sorted(map(itemgetter(0), cursor))
        finally:
            cursor.close()
        wanted = self.explicit_ids()
        return array("q", ids if wanted is None else (i for i in ids if i in wanted))

    def row_ids(self) -> list[int]:
        """The selected rows of this level (study or component results), ascending."""
        self.check_scope()
        f = self.search_filter()
        if f is None:
            return list(self.scope_ids())
        return list(engine.complete(f, self.level, self.scope_ids))


def component_ids_of(study_result_ids: list[int]) -> list[int]:
    """The component results of these study results, ascending."""
    out: list[int] = []
    for chunk in chunks(ComponentResult.study_result, study_result_ids):
        q = ComponentResult.select(ComponentResult.id).where(id_in(ComponentResult.study_result, chunk)).tuples()
        out.extend(r[0] for r in q)
    return sorted(out)
