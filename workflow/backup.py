"""``gongkai backup`` and ``gongkai restore``: a consistent, checked copy of the whole database.

The backup is one ZIP file: ``manifest.json`` (format, schema revision, source database kind,
per-table row counts and SHA-256, the SHA-256 of the whole content) and one JSON-lines file per
table under ``tables/`` (one JSON array of column values per row, in primary-key order).
Attachments are rows of ``attachments`` (their bytes live in the database), so they are in it.

* Consistent: every table is read in ONE transaction — REPEATABLE READ, read only, on PostgreSQL
  (one snapshot); one deferred read transaction on SQLite (WAL readers see one snapshot).
* Portable: values are encoded by column type (bytes as base64, dates and times ISO 8601,
  decimals as text), so a SQLite backup restores into PostgreSQL and back.
* Checked: restore verifies the whole file against the manifest BEFORE it writes anything, then
  migrates an EMPTY target to the backup's schema revision and inserts every row in one
  transaction (a failure leaves the target as it was), then moves PostgreSQL's id sequences past
  the restored ids. The audit trail's triggers refuse UPDATE/DELETE only, so its rows insert as
  they were and ``gongkai audit verify`` passes on the copy.

Not in the backup: files outside the database (the secret key, the audit key, the settings TOML)
and the scheduler heartbeats (runtime state of the processes of the source installation).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import Connection, Date, LargeBinary, Numeric, Table, func, inspect, select, text
from sqlalchemy.types import DateTime, TypeDecorator

from db.models import Base
from db.session import Database
from workflow.errors import DomainError
from workflow.i18n_labels import N_

FORMAT = "gongkai-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
EXCLUDED = frozenset({"scheduler_heartbeats"})  # runtime state of the source's processes
BATCH = 1000
KINDS = frozenset({"plain", "bytes", "datetime", "date", "decimal"})



class BackupError(DomainError):
    """A backup that cannot be written, or a file / target that a restore refuses."""

    status, code = 400, "backup_error"


# --------------------------------------------------------------------------- values

def _kind(column: Any) -> str:
    column_type = column.type
    if isinstance(column_type, TypeDecorator):  # UTCDateTime: judge by the stored type
        column_type = column_type.impl
    if isinstance(column_type, LargeBinary):
        return "bytes"
    if isinstance(column_type, DateTime):
        return "datetime"
    if isinstance(column_type, Date):
        return "date"
    if isinstance(column_type, Numeric) and column_type.asdecimal:
        return "decimal"
    return "plain"


def _encode(kind: str, value: Any) -> Any:
    if value is None or kind == "plain":
        return value
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "datetime":
        if value.tzinfo is None:  # a column without time zone: stored as UTC by convention
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if kind == "date":
        return value.isoformat()
    return str(value)  # decimal


def _decode(kind: str, value: Any) -> Any:
    if value is None or kind == "plain":
        return value
    if kind == "bytes":
        return base64.b64decode(value.encode("ascii"), validate=True)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return Decimal(value)


def tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [table for table in Base.metadata.sorted_tables if table.name not in EXCLUDED]


def schema_revision(connection: Connection) -> list[str]:
    """The Alembic revision(s) the database is at (empty when it has no schema)."""
    if not inspect(connection).has_table("alembic_version"):
        return []
    return sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))


def content_hash(table_hashes: list[tuple[str, str]]) -> str:
    """One SHA-256 over every table's name and SHA-256, in backup order."""
    digest = hashlib.sha256()
    for name, sha in table_hashes:
        digest.update(f"{name}:{sha}\n".encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- backup

@dataclass(frozen=True)
class BackupSummary:
    """What a backup wrote (or a restore restored)."""

    path: Path
    revision: list[str]
    counts: dict[str, int]
    sha256: str

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _snapshot(database: Database) -> Connection:
    """A connection inside one consistent read transaction."""
    if database.is_postgres:
        connection = database.engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                                                  postgresql_readonly=True)
    else:
        connection = database.engine.connect()
    connection.begin()
    if database.is_sqlite:
        # a WAL reader's snapshot starts at its first read: take it now, before any table is read
        connection.execute(text("SELECT count(*) FROM sqlite_master"))
    return connection


def backup(database: Database, output: Path, *, progress: Callable[[int], Any] | None = None,
           on_total: Callable[[int], Any] | None = None, created_at: datetime | None = None) -> BackupSummary:
    """Write a consistent backup of ``database`` to ``output`` (a new file; written atomically)."""
    output = Path(output)
    if output.exists():
        raise BackupError(N_("备份文件已存在：%(path)s。请指定一个新的文件名。"), path=str(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    counts: dict[str, int] = {}
    hashes: list[tuple[str, str]] = []
    described: list[dict[str, Any]] = []
    with _snapshot(database) as connection:
        revision = schema_revision(connection)
        if not revision:
            raise BackupError(N_("数据库尚未初始化（没有数据表），无法备份。"))
        totals = {table.name: connection.scalar(select(func.count()).select_from(table)) or 0 for table in tables()}
        if on_total is not None:
            on_total(sum(totals.values()))
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                for table in tables():
                    columns = list(table.columns)
                    kinds = [_kind(column) for column in columns]
                    digest, rows = hashlib.sha256(), 0
                    with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as member:
                        for row in _rows(connection, table):
                            line = (json.dumps([_encode(k, v) for k, v in zip(kinds, row)], ensure_ascii=False,
                                               separators=(",", ":")) + "\n").encode("utf-8")
                            member.write(line)
                            digest.update(line)
                            rows += 1
                            if progress is not None:
                                progress(1)
                    counts[table.name] = rows
                    hashes.append((table.name, digest.hexdigest()))
                    described.append({"name": table.name, "rows": rows, "sha256": digest.hexdigest(),
                                      "columns": [column.name for column in columns], "kinds": kinds})
                manifest = {"format": FORMAT, "version": FORMAT_VERSION, "schema_revision": revision,
                            "source": database.dialect,
                            "created_at": (created_at or datetime.now(timezone.utc)).isoformat(),
                            "tables": described, "content_sha256": content_hash(hashes)}
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return BackupSummary(output, revision, counts, manifest["content_sha256"])


def _rows(connection: Connection, table: Table) -> Iterator[Any]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*order))
    yield from result


# --------------------------------------------------------------------------- restore

def _corrupt(path: Path, detail: str) -> BackupError:
    return BackupError(N_("备份文件已损坏或不是 Gongkai 备份：%(path)s（%(detail)s）。没有写入任何数据。"),
                       path=str(path), detail=detail)


def read_manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    """The manifest of an opened backup, checked for format and shape."""
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (KeyError, ValueError, zipfile.BadZipFile, zlib.error, OSError) as error:
        raise _corrupt(path, f"manifest: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(path, "manifest: not a Gongkai backup")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(N_("不支持的备份格式版本：%(version)s。"), version=str(manifest.get("version")))
    try:
        _tables = [(entry["name"], int(entry["rows"]), str(entry["sha256"]), list(entry["columns"]),
                    list(entry["kinds"])) for entry in manifest["tables"]]
        revision = [str(r) for r in manifest["schema_revision"]]
        str(manifest["content_sha256"])
    except (KeyError, TypeError, ValueError) as error:
        raise _corrupt(path, f"manifest: {error}") from error
    if not revision:
        raise _corrupt(path, "manifest: no schema revision")
    if any(kind not in KINDS for *_rest, kinds in _tables for kind in kinds):
        raise _corrupt(path, "manifest: unknown column kind")
    return manifest


def _lines(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(f"tables/{name}.jsonl") as member:
        yield from member


def verify_file(path: Path, *, progress: Callable[[int], Any] | None = None) -> dict[str, Any]:
    """Check every table file against the manifest (counts, SHA-256, whole-content hash); returns the manifest."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = read_manifest(archive, path)
            hashes: list[tuple[str, str]] = []
            for entry in manifest["tables"]:
                digest, rows = hashlib.sha256(), 0
                for line in _lines(archive, entry["name"]):
                    digest.update(line)
                    rows += 1
                    if progress is not None:
                        progress(1)
                if rows != entry["rows"] or digest.hexdigest() != entry["sha256"]:
                    raise _corrupt(path, f"{entry['name']}: content does not match the manifest")
                hashes.append((entry["name"], entry["sha256"]))
    except BackupError:
        raise
    except FileNotFoundError as error:
        raise BackupError(N_("备份文件不存在：%(path)s。"), path=str(path)) from error
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
        raise _corrupt(path, f"{type(error).__name__}: {error}") from error
    if content_hash(hashes) != manifest["content_sha256"]:
        raise _corrupt(path, "content SHA-256 does not match the manifest")
    return manifest


def _ensure_empty_target(database: Database, revision: list[str]) -> None:
    """Refuse a target holding any row; migrate an empty one to the backup's revision."""
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config, upgrade
    scripts = ScriptDirectory.from_config(alembic_config(database))
    for rev in revision:
        try:
            if scripts.get_revision(rev) is None:
                raise KeyError(rev)
        except Exception as error:  # alembic raises several kinds for an unknown id
            raise BackupError(N_("备份的数据库结构版本 %(revision)s 比本程序新，请先升级 Gongkai 再恢复。"),
                              revision=", ".join(revision)) from error
    with database.engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        current = schema_revision(connection)
        for table in Base.metadata.sorted_tables:
            if table.name in present and table.name not in EXCLUDED:
                if connection.scalar(select(func.count()).select_from(table)):
                    raise BackupError(N_("目标数据库不是空的（表 %(table)s 中已有数据）。恢复只能写入一个空数据库："
                                      "请新建一个空数据库（不要先运行 gongkai init），再执行恢复。"), table=table.name)
    if current and current != revision:
        heads = {script.revision for rev in revision for script in scripts.iterate_revisions(rev, "base")}
        if not set(current) <= heads:  # the target is ahead of (or beside) the backup: do not guess
            raise BackupError(N_("目标数据库的结构版本（%(target)s）与备份（%(backup)s）不一致，且无法升级到备份的版本。"
                              "请使用一个全新的空数据库。"), target=", ".join(current), backup=", ".join(revision))
    for rev in revision:
        upgrade(database, rev)


def restore(database: Database, path: Path, *, progress: Callable[[int], Any] | None = None,
            on_total: Callable[[int], Any] | None = None) -> BackupSummary:
    """Restore the backup at ``path`` into the EMPTY ``database`` (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(N_("备份文件不存在：%(path)s。"), path=str(path))
    if not zipfile.is_zipfile(path):
        raise _corrupt(path, "not a ZIP file")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = read_manifest(archive, path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _corrupt(path, f"{type(error).__name__}: {error}") from error
    total = sum(int(entry["rows"]) for entry in manifest["tables"])
    if on_total is not None:
        on_total(2 * total)  # one pass to verify, one to insert
    verify_file(path, progress=progress)
    known = {table.name: table for table in Base.metadata.sorted_tables}
    unknown = [entry["name"] for entry in manifest["tables"] if entry["name"] not in known]
    if unknown:
        raise BackupError(N_("备份中有本程序不认识的数据表：%(tables)s。请先升级 Gongkai 再恢复。"), tables=", ".join(unknown))
    _ensure_empty_target(database, manifest["schema_revision"])
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path) as archive, database.engine.begin() as connection:
        if database.is_sqlite:
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # checked once, at commit
        for entry in manifest["tables"]:
            table = known[entry["name"]]
            columns = [table.c[name] for name in entry["columns"] if name in table.c]
            if len(columns) != len(entry["columns"]):
                raise BackupError(N_("备份中表 %(table)s 的列与本程序的数据库结构不一致。"), table=table.name)
            counts[table.name] = _insert_table(connection, table, entry, archive, progress)
        if database.is_postgres:
            _reset_sequences(connection)
    return BackupSummary(path, list(manifest["schema_revision"]), counts, manifest["content_sha256"])


def _insert_table(connection: Connection, table: Table, entry: dict[str, Any], archive: zipfile.ZipFile,
                  progress: Callable[[int], Any] | None) -> int:
    names, kinds = entry["columns"], entry["kinds"]
    batch: list[dict[str, Any]] = []
    rows = 0
    for line in _lines(archive, table.name):
        values = json.loads(line)
        batch.append({name: _decode(kind, value) for name, kind, value in zip(names, kinds, values)})
        if len(batch) >= BATCH:
            connection.execute(table.insert(), batch)
            rows += len(batch)
            if progress is not None:
                progress(len(batch))
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
        rows += len(batch)
        if progress is not None:
            progress(len(batch))
    return rows


def _reset_sequences(connection: Connection) -> None:
    """Move every id sequence past the restored ids, so the next insert does not collide."""
    for table in tables():
        for column in table.primary_key.columns:
            sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                         {"t": table.name, "c": column.name})
            if sequence is None:
                continue
            connection.execute(text(f'SELECT setval(:s, COALESCE((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, '
                                    'false)'), {"s": sequence})
