"""Peewee models of JATOS results (jatos.md §1).

Primary keys are JATOS's own ids: researchers cite result ids, and an import of a
newer export of the same study updates rows by id. Times are epoch milliseconds,
exactly as JATOS exports them, so nothing is lost to time-zone conversion.
"""

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    DatabaseProxy,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Study(BaseModel):
    id = BigIntegerField(primary_key=True)
    uuid = CharField(null=True, index=True)
    title = TextField(default="")


class Component(BaseModel):
    id = BigIntegerField(primary_key=True)
    uuid = CharField(null=True, index=True)
    study = ForeignKeyField(Study, backref="components", on_delete="CASCADE")
    # Results archives carry no titles; a study archive (.jzip) supplies them.
    title = TextField(null=True)
    position = IntegerField(null=True)

    @property
    def display_title(self) -> str:
        return self.title if self.title else f"Component {self.id}"


class ComponentTitle(BaseModel):
    """Titles from study archives, kept by UUID for components not yet imported."""

    uuid = CharField(primary_key=True)
    title = TextField()
    position = IntegerField(null=True)


class Batch(BaseModel):
    id = BigIntegerField(primary_key=True)
    uuid = CharField(null=True)
    study = ForeignKeyField(Study, backref="batches", on_delete="CASCADE")
    title = TextField(default="")


class Worker(BaseModel):
    id = BigIntegerField(primary_key=True)
    worker_type = CharField()  # JATOS's enum string: Jatos, PersonalSingle, ..., MT, MTSandbox
    mt_worker_id = CharField(null=True)
    comment = TextField(null=True)


class GroupResult(BaseModel):
    id = BigIntegerField(primary_key=True)
    batch = ForeignKeyField(Batch, null=True, backref="groups", on_delete="SET NULL")


class StudyResult(BaseModel):
    id = BigIntegerField(primary_key=True)
    uuid = CharField(null=True, index=True)
    study_code = CharField(null=True)
    study = ForeignKeyField(Study, backref="study_results", on_delete="CASCADE")
    batch = ForeignKeyField(Batch, null=True, backref="study_results", on_delete="SET NULL")
    worker = ForeignKeyField(Worker, backref="study_results")
    group = ForeignKeyField(GroupResult, null=True, backref="study_results", on_delete="SET NULL")
    start_date = BigIntegerField(null=True)
    end_date = BigIntegerField(null=True)
    last_seen_date = BigIntegerField(null=True, index=True)
    state = CharField()  # StudyState by JATOS name (§1.7)
    message = TextField(null=True)
    url_query_parameters = TextField(null=True)  # compact JSON object text
    confirmation_code = CharField(null=True)
    quota_reached = BooleanField(default=False)
    # The row as the results page shows it, for the filter (store/search/text.py).
    search_text = TextField(null=True)
    # The participant's id from the URL query parameters (store/participants.py), indexed
    # with the study by the schema's migration (store/db/database.py).
    participant = TextField(null=True)

    class Meta:
        # A study's counts per state (a page's summary line, the frequency view) read from
        # the index alone: a table scan of a million results takes most of a second.
        indexes = ((("study", "state"), False),)


class ComponentResult(BaseModel):
    id = BigIntegerField(primary_key=True)
    study_result = ForeignKeyField(StudyResult, backref="component_results", on_delete="CASCADE")
    component = ForeignKeyField(Component, backref="component_results")
    start_date = BigIntegerField(null=True)
    end_date = BigIntegerField(null=True)
    state = CharField()  # ComponentState by JATOS name (§1.7)
    message = TextField(null=True)
    # NULL: never received data (or not imported yet); "" is different: a bare line in exports.
    data = TextField(null=True)
    # Bytes, as JATOS's dataSize; known from metadata even before the data is imported.
    data_size = BigIntegerField(default=0)
    quota_reached = BooleanField(default=False)
    search_text = TextField(null=True)


class ResultFile(BaseModel):
    component_result = ForeignKeyField(ComponentResult, backref="files", on_delete="CASCADE")
    filename = TextField()
    size = BigIntegerField()

    class Meta:
        indexes = ((("component_result", "filename"), True),)


class ListedFile(BaseModel):
    """An uploaded file that metadata alone (a metadata JSON import) says a component result
    has: kept so that an export of files can say it lacks them (store/exporting/check.py)."""

    component_result = ForeignKeyField(ComponentResult, backref="listed_files", on_delete="CASCADE")
    filename = TextField()
    size = BigIntegerField()

    class Meta:
        indexes = ((("component_result", "filename"), True),)


class PendingFileOp(BaseModel):
    """Journal of file-system work decided by a committed transaction (see store/disk/files.py)."""

    kind = CharField()  # "import" or "delete"
    staging = TextField()  # staging directory name under the files root
    paths = TextField(default="[]")  # for "delete": result folders to remove, as JSON
    created = BigIntegerField()


class TrashEntry(BaseModel):
    """A deleted result kept for undo (store/removal/trash.py): its rows as JSON, its files under
    the files root's `.deleted/<op>/` folder. One row a deleted study result (or component
    result, for a component-level delete); one `op` a delete."""

    op = BigIntegerField(index=True)
    level = CharField()  # "study" or "component"
    result_id = BigIntegerField(index=True)
    # The scope fields, so that erase finds trashed results by study, batch, group or worker.
    study = BigIntegerField(null=True)
    batch = BigIntegerField(null=True)
    group = BigIntegerField(null=True)
    worker = BigIntegerField(null=True)
    component = BigIntegerField(null=True)
    deleted_at = BigIntegerField()
    deleted_by = TextField(default="")
    folders = TextField(default="[]")  # result folders moved into the trash, as JSON
    rows = TextField()  # the rows as JSON (store/removal/trash.py)


class ResultLabel(BaseModel):
    """A researcher's decision on a study result (store/labels.py): a label (include, exclude,
    pending or any word typed) and the reason. JATOS knows nothing of it, so no import or
    pull writes this table; no foreign key either, so that nothing cascades into it: a label
    outlives its result's delete (undo brings both back) and goes with its erase."""

    study_result = BigIntegerField(primary_key=True)
    label = CharField(index=True)  # lower case: "Exclude" and "exclude" are one decision
    note = TextField(default="")
    labelled_by = TextField(default="")  # the login name, or the database user on a server
    labelled_at = BigIntegerField()  # epoch ms


class RemovalRecord(BaseModel):
    """Who erased or purged results, when, and how many (store/removal/log.py): never which,
    nor by what selection (an erase keeps nothing of the participant)."""

    action = CharField()  # "erased" or "purged"
    level = CharField()
    results = IntegerField()
    trashed = IntegerField(default=0)
    at = BigIntegerField()
    by = TextField(default="")  # the login name, or the database user on a server


class Tombstone(BaseModel):
    """A result deleted or erased here: a later import or pull skips it unless told not to."""

    level = CharField()  # "study" or "component"
    result_id = BigIntegerField()
    reason = CharField()  # "deleted" or "erased"
    at = BigIntegerField()

    class Meta:
        primary_key = CompositeKey("level", "result_id")


class StoreSetting(BaseModel):
    """A store's own settings: on a server database `files_root`, the folder of its uploaded
    files, which every user of the database reads and writes; on every store
    `participant_parameters` (store/participants.py)."""

    key = CharField(primary_key=True)
    value = TextField()


# The filter's field terms (store/search/fields.py) on indexes: `state:FINISHED` on a study's
# page (or anywhere) reads (state, study) alone, its ids in order, as fast as a free term; a
# date range reads a slice of (study, start) on a study's page, of start elsewhere (SQLite
# plans without statistics: it takes the index that uses most of the condition; the index
# on study alone stays, as it hands a study's rows over in id order, unsorted); a test
# run's worker is found among the few Jatos workers. Named, so that opening a store can
# tell they are made (store/db/database.py).
FILTER_INDEXES = (
    (StudyResult, "study_result_state_study", (StudyResult.state, StudyResult.study)),
    (StudyResult, "study_result_study_start", (StudyResult.study, StudyResult.start_date)),
    (StudyResult, "study_result_start_date", (StudyResult.start_date,)),
    (Worker, "worker_worker_type", (Worker.worker_type,)),
)
for _model, _name, _fields in FILTER_INDEXES:
    _model.add_index(_model.index(*_fields, name=_name))


ALL_MODELS = [
    Study,
    Component,
    ComponentTitle,
    Batch,
    Worker,
    GroupResult,
    StudyResult,
    ComponentResult,
    ResultFile,
    ListedFile,
    PendingFileOp,
    TrashEntry,
    Tombstone,
    ResultLabel,
    RemovalRecord,
]
