"""Opening a store: which database, where its files root is, and the write transaction.

`--db PATH_OR_URL` or `JATOS_RESULTS_DB` choose the database; without either it is one
SQLite file in the user's data directory. A PostgreSQL URL opens through Peewee's URL
support (the driver must be installed). MySQL is refused: it failed most of the suite.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from pathlib import Path

import peewee
from platformdirs import user_data_path

from store.db import postgres, sqlite
from store.db.models import ALL_MODELS, PendingFileOp, StoreSetting, database
from store.disk import files, journal, permissions
from store.errors import DatabaseLocked, StoreError

DEFAULT_LOCK_TIMEOUT = 10.0
URL_SCHEMES = ("sqlite://", "postgres://", "postgresql://", "postgresql+pool://")
UNSUPPORTED_SCHEMES = ("mysql://", "mysql+pool://", "mariadb://")


def default_db_path() -> Path:
    return user_data_path("jatos-results") / "results.sqlite3"


def demo_db_path() -> Path:
    return user_data_path("jatos-results") / "demo.sqlite3"


def lock_timeout() -> float:
    try:
        return float(os.environ.get("JATOS_RESULTS_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


class Store:
    """An open database plus its files root."""

    def __init__(self, db: peewee.Database, files_root: Path, location: str, is_sqlite: bool):
        self.db = db
        self.files_root = files_root
        self.location = location
        self.is_sqlite = is_sqlite
        self.has_index = False  # SQLite's FTS5 search index (store/db/sqlite.py)

    # -- transactions -------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self, announce: bool = True):
        """One write transaction; waits for another writer, then says so clearly. `announce`
        False: it changes nothing a page shows (the file journal's bookkeeping), so open
        pages are not told (PostgreSQL's NOTIFY)."""
        try:
            if self.is_sqlite:
                ctx = self.db.atomic("IMMEDIATE")
            else:
                ctx = self.db.atomic()
            outermost = not self.db.in_transaction()
            with ctx:
                if outermost and not self.is_sqlite:
                    postgres.queue_for_writing(self.db, lock_timeout())
                yield
                if outermost and announce and not self.is_sqlite:
                    postgres.announce_change(self.db)  # open pages reload (store/pages/changes.py)
        except (peewee.OperationalError, sqlite3.OperationalError) as exc:  # raw cursors raise the latter
            if sqlite.is_lock_error(exc) or postgres.is_lock_timeout(exc):
                raise DatabaseLocked(
                    f"{self.location}: the database is locked by another process "
                    f"(waited {lock_timeout():g} s); try again when it has finished"
                ) from None
            if sqlite.is_full_error(exc):
                # SQLite rolled the transaction back itself (then "cannot rollback" follows).
                raise StoreError(f"no space left on the device of {self.location}; nothing was changed") from None
            self._server_error(exc)
            raise
        except Exception as exc:  # peewee's error or, from a raw cursor, psycopg2's
            self._server_error(exc)
            raise

    def _server_error(self, exc: BaseException) -> None:
        """A server's refusal or a lost connection in a write, as one line (the server rolled back)."""
        if self.is_sqlite:
            return
        if postgres.is_not_allowed(exc):
            raise StoreError(f"{self.location}: this database user may read the store but not change it") from None
        if postgres.is_connection_lost(exc):
            self.db.close()  # the next statement connects afresh
            raise StoreError(f"{self.location}: the connection to the server was lost; nothing was changed") from None

    def ping(self) -> None:
        """Ask the server something (raises while it is out of reach)."""
        self.db.execute_sql("SELECT 1").close()

    def unreachable(self, exc: BaseException) -> bool:
        """Whether this error says the database server is out of reach (PostgreSQL: down or
        restarting); the next statement connects afresh. Never so for an SQLite file."""
        if self.is_sqlite or not postgres.is_unreachable(exc):
            return False
        self.db.close()
        return True

    def bulk_change(self, component_result_ids, study_result_ids, defer_merging: bool = False):
        """Wrap a bulk write of these rows so the search index is updated once, not per row."""
        if self.is_sqlite and self.has_index:
            return sqlite.suspended_index(self.db, component_result_ids, study_result_ids, defer_merging)
        return _NoIndex()

    def analyze(self) -> None:
        """After a bulk import: PostgreSQL's row estimates for the results tables, made afresh
        (SQLite plans without them). A role that does not own the tables is skipped with a notice."""
        if not self.is_sqlite:
            self.db.execute_sql('ANALYZE "study_result", "component_result"').close()

    def own_paths(self) -> list[Path]:
        """The files that are the store: nothing may be written over them."""
        paths = [self.files_root]
        if self.is_sqlite:
            db = Path(self.location)
            paths += [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        return paths

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- recovery -----------------------------------------------------------------------

    def recover(self) -> None:
        """Finish file work that a killed process left half-way (store/disk/files.py)."""
        pending = list(
            PendingFileOp.select(PendingFileOp.id, PendingFileOp.kind, PendingFileOp.staging, PendingFileOp.paths)
            .tuples()
        )

        def done(row_id: int) -> None:
            with self.write(announce=False):
                PendingFileOp.delete().where(PendingFileOp.id == row_id).execute()

        files.recover(self.files_root, pending, done, lambda row_id: journal.clear_paths(self, row_id))


class _NoIndex(contextlib.nullcontext):
    """A store without a search index: nothing to suspend or to index."""

    def __init__(self):
        super().__init__(self)

    def index_now(self, component_result_ids, study_result_ids) -> None:
        pass

    def unindex(self, component_result_ids, study_result_ids) -> None:
        pass


def _files_root_for(path: Path) -> Path:
    return path.with_name(path.stem + "-files")


def init_store(target: str | os.PathLike, files_root: str | os.PathLike | None = None, group: str | None = None) -> Store:
    """Make the store's tables (`jatos-results init-db`): for a server database, an
    administrator's step, once; `files_root` is then recorded as its files root, and
    `group` (a lab's OS group) may read and write it (store/disk/files.py `share_root`)."""
    return open_store(target, create=True, named_root=files_root, group=group)


def open_store(
    target: str | os.PathLike | None = None, *, recover: bool = True, create: bool = False, named_root=None,
    group: str | None = None,
) -> Store:
    """Open the store named by a path or URL, the environment, or the default. An SQLite
    file is made (or brought up to date) as it opens; a server database's tables only by
    `create` (init_store): an everyday user needs no right to create tables."""
    if target is None:
        target = os.environ.get("JATOS_RESULTS_DB") or default_db_path()
    text = str(target)
    timeout = lock_timeout()
    if text.startswith(UNSUPPORTED_SCHEMES):
        raise StoreError(
            f"{_mask_url(text)}: MySQL/MariaDB is not supported; use an SQLite file or a postgresql:// URL"
        )
    if text.startswith(URL_SCHEMES) and not text.startswith("sqlite://"):
        from playhouse.db_url import connect

        try:
            db = postgres.reconnecting(connect(text))
            db.connect()
        except Exception as exc:  # driver missing, server down, bad credentials
            raise StoreError(f"cannot open database {_mask_url(text)}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        root = Path(named_root).expanduser().resolve() if named_root else postgres.files_root(db)
        store = Store(db, root, _mask_url(text), is_sqlite=False)
    else:
        path = Path(text[len("sqlite:///"):] if text.startswith("sqlite:///") else text).expanduser()
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a database file")
        try:
            db = sqlite.make_database(path, timeout)
            db.connect()
        except (OSError, peewee.DatabaseError) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from None
        store = Store(db, _files_root_for(path), str(path), is_sqlite=True)
    database.initialize(store.db)
    if not (store.is_sqlite or create or _current(store)):
        store.close()
        raise StoreError(
            f"{store.location}: has no jatos-results tables, or older ones; an administrator makes them "
            f"once with `jatos-results init-db URL`"
        )
    if group is not None:
        if store.is_sqlite:
            store.close()
            raise StoreError("--group is for a server database: an SQLite store is one user's file")
        permissions.share_root(store.files_root, group)
    files.private_mkdir(store.files_root)
    permissions.tighten_once(store.files_root)
    _create_schema(store, named_root)
    if recover:
        store.recover()
    return store


PARTICIPANT = "participant"  # a column newer than the first release (store/participants.py)
SEARCH_TEXT_FORM = "search_text_form"  # how the rows' search texts are written (store/search/text.py)
REWRITE_SAID_EVERY = 5.0  # seconds between the lines that say how far a store's rewrite has got
log = logging.getLogger(__name__)  # the command line shows its lines on stderr

# The rows whose data is known from metadata only (store/exporting/check.py): normally none
# or few, so an export finds them without reading the table.
MISSING_DATA_INDEX = (
    "CREATE INDEX IF NOT EXISTS component_result_missing_data ON component_result (study_result_id) "
    "WHERE data IS NULL AND data_size > 0"
)


def _schema_is_current(store: Store) -> bool:
    """Read-only: a store that has everything needs no write transaction to open, so a
    reader never waits for a writer (WAL lets it read while another process imports)."""
    from store.db.models import FILTER_INDEXES, ComponentResult, StudyResult

    tables = set(store.db.get_tables())
    if any(m._meta.table_name not in tables for m in ALL_MODELS):
        return False
    for table in {m._meta.table_name for m, _, _ in FILTER_INDEXES}:
        made = {i.name for i in store.db.get_indexes(table)}
        if any(name not in made for m, name, _ in FILTER_INDEXES if m._meta.table_name == table):
            return False  # made by an older version: create_tables adds them
    for model in (StudyResult, ComponentResult):
        if "search_text" not in {c.name for c in store.db.get_columns(model._meta.table_name)}:
            return False
    if PARTICIPANT not in {c.name for c in store.db.get_columns(StudyResult._meta.table_name)}:
        return False
    if StoreSetting._meta.table_name not in tables:
        return False
    from store.search.text import FORM

    if _search_text_form() != FORM:
        return False  # written by an older version: rewritten once (_migrate)
    if not store.is_sqlite:
        return postgres.has_trigram_indexes(store.db)
    for index in ("component_result_missing_data", "study_result_study_id_state"):  # the second: a model's Meta
        cursor = store.db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (index,))
        if cursor.fetchone() is None:
            return False
    store.has_index = sqlite.has_search_index(store.db)
    # Without the index: either this SQLite lacks FTS5 (nothing to do), or it was
    # never made (a write makes it).
    return store.has_index or not sqlite.can_index(store.db)


def _current(store: Store) -> bool:
    try:
        return _schema_is_current(store)
    except peewee.DatabaseError as exc:
        store.close()
        raise StoreError(f"cannot use database {store.location}: {exc}") from None


def _create_schema(store: Store, named_root=None) -> None:
    if _current(store) and named_root is None:
        return
    deadline = time.monotonic() + lock_timeout()
    while True:
        try:
            with store.write():
                store.db.create_tables([*ALL_MODELS, StoreSetting], safe=True)
                _migrate(store)
                if store.is_sqlite:
                    store.db.execute_sql(MISSING_DATA_INDEX)
                    store.has_index = sqlite.install_search_index(store.db)
                else:
                    postgres.name_files_root(named_root)
                    postgres.make_trigram_indexes(store.db)
            return
        except DatabaseLocked:
            if time.monotonic() > deadline:
                raise
        except peewee.DatabaseError as exc:
            raise StoreError(f"cannot use database {store.location}: {exc}") from None


def _migrate(store: Store) -> None:
    """Columns added since the first release, for databases made by an older version."""
    from store import participants
    from store.db.models import ComponentResult, StudyResult
    from store.search import text as search_text

    added = False
    for model in (StudyResult, ComponentResult):
        have = {c.name for c in store.db.get_columns(model._meta.table_name)}
        if "search_text" not in have:
            store.db.execute_sql(f'ALTER TABLE "{model._meta.table_name}" ADD COLUMN search_text TEXT')
            added = True
    have = {c.name for c in store.db.get_columns(StudyResult._meta.table_name)}
    if PARTICIPANT not in have:
        store.db.execute_sql(f'ALTER TABLE "study_result" ADD COLUMN {PARTICIPANT} TEXT').close()
    # Duplicates are looked up by participant within a study; the participant page by participant.
    store.db.execute_sql(
        f'CREATE INDEX IF NOT EXISTS "study_result_participant_study" ON "study_result" ({PARTICIPANT}, study_id)'
    ).close()
    if PARTICIPANT not in have:
        participants.recompute()
    # Last: the texts are rendered from rows that must have every column by now.
    if added or _search_text_form() != search_text.FORM:
        rows = StudyResult.select().count() + ComponentResult.select().count()
        if rows:  # a minute for a million: say why the store takes long to open, this once
            log.info("this version writes the filter's text of each result another way: rewriting %s (once)…", f"{rows:,}")
        search_text.refresh_all(_rewrite_progress())
        StoreSetting.insert(key=SEARCH_TEXT_FORM, value=search_text.FORM).on_conflict(
            conflict_target=[StoreSetting.key], preserve=[StoreSetting.value]
        ).execute()



def _rewrite_progress():
    said = time.monotonic()

    def progress(done: int, total: int) -> None:
        nonlocal said
        if time.monotonic() - said >= REWRITE_SAID_EVERY and done < total:
            said = time.monotonic()
            log.info("rewritten %s of %s", f"{done:,}", f"{total:,}")

    return progress


def _search_text_form() -> str | None:
    row = StoreSetting.get_or_none(StoreSetting.key == SEARCH_TEXT_FORM)
    return row.value if row else None


def _mask_url(url: str) -> str:
    """Hide a password in a database URL."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url
