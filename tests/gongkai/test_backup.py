"""``gongkai backup`` / ``gongkai restore`` on both databases, across them, and with damaged files."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from db.models import Attachment, Base, Department
from db.session import Database
from gongkai.cli import main
from tests.conftest import CLEAR, World, item_payload, schemaless_database
from workflow.backup import EXCLUDED, BackupError, backup, restore
from workflow.services import items as svc
from workflow.services.attachments import add_attachment
from workflow.services.users import add_department

BINARY = bytes(range(256)) * 40 + b"\x00\xff" * 7  # every byte value: survives base64 and both databases


def _fill(world: World) -> dict[str, str]:
    """Items in several states with attachments, decisions, reminders, notifications and audit events."""
    app = world.app
    digests = {}
    published = svc.create_item(app, world.drafter, item_payload(title="2025年奖学金评审结果"))
    text_file = "附件说明：评审程序与结果。\n".encode() * 50
    second = add_attachment(app, world.drafter, published.id, "说明.txt", "text/plain", text_file)
    digests[second.filename] = hashlib.sha256(text_file).hexdigest()
    svc.submit(app, world.drafter, published.id)
    svc.pass_review(app, world.reviewer, published.id, CLEAR)
    svc.approve(app, world.approver, published.id)
    returned = svc.create_item(app, world.drafter, item_payload(title="退回的事项"))
    svc.submit(app, world.drafter, returned.id)
    svc.return_item(app, world.reviewer, returned.id, reason="请补充依据")
    draft = svc.create_item(app, world.other_drafter, item_payload(title="教务处草稿", department="jwc"))
    attachment = add_attachment(app, world.other_drafter, draft.id, "名单.png", "image/png", BINARY)
    digests[attachment.filename] = hashlib.sha256(BINARY).hexdigest()
    return digests


def _snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every backed-up table, in primary-key order, as Python values."""
    rows = {}
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in EXCLUDED:
                continue
            order = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in connection.execute(select(table).order_by(*order))]
    return rows


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A brand-new database with no schema at all."""
    with schemaless_database(request.param, tmp_path) as target:
        yield target


def _cli(database: Database, monkeypatch: pytest.MonkeyPatch, *args: str, instance: Path | None = None):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", database.url)
    if instance is not None:  # the audit keyring lives there, outside the database (and outside the backup)
        monkeypatch.setenv("GONGKAI_INSTANCE", str(instance))
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_backup_restores_equal_into_either_database(world: World, empty_target: Database, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite → SQLite, SQLite → PostgreSQL, PostgreSQL → SQLite, PostgreSQL → PostgreSQL."""
    source = world.app.db
    digests = _fill(world)
    path = tmp_path / "gongkai-backup.zip"
    made = _cli(source, monkeypatch, "backup", "--output", str(path))
    assert made.exit_code == 0 and "backup written" in made.output, made.output
    with zipfile.ZipFile(path) as archive:
        assert "manifest.json" in archive.namelist()

    restored = _cli(empty_target, monkeypatch, "restore", str(path))
    assert restored.exit_code == 0, restored.output

    before, after = _snapshot(source), _snapshot(empty_target)
    assert set(before) == set(after)
    for table in before:
        assert after[table] == before[table], table  # equal table by table
    assert sum(len(rows) for rows in before.values()) > 50
    with empty_target.engine.connect() as connection:
        stored = {name: hashlib.sha256(data).hexdigest() for name, data in
                  connection.execute(select(Attachment.filename, Attachment.data))}
    assert stored == digests  # attachments byte-identical
    verified = _cli(empty_target, monkeypatch, "audit", "verify", instance=world.app.settings.instance_dir)
    assert verified.exit_code == 0 and "审计链完好" in verified.output, verified.output
    # the restored database takes new rows (PostgreSQL sequences moved past the restored ids)
    from workflow.wiring import build_gongkai
    copy = build_gongkai(db=empty_target, settings=world.app.settings, clock=world.app.clock)
    add_department(copy, "cwc", "财务处")
    with empty_target.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Department)) == 3
    refused = _cli(empty_target, monkeypatch, "restore", str(path))  # now it holds data
    assert refused.exit_code != 0 and "目标数据库不是空的" in refused.output


def test_restore_refuses_a_database_with_data_and_changes_nothing(world: World, tmp_path: Path) -> None:
    _fill(world)
    path = tmp_path / "b.zip"
    backup(world.app.db, path)
    before = _snapshot(world.app.db)
    with pytest.raises(BackupError) as refused:
        restore(world.app.db, path)
    assert "目标数据库不是空的" in refused.value.message
    assert _snapshot(world.app.db) == before


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flipped":
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("tables/attachments.jsonl")
        at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2  # inside the compressed data
        data[at] ^= 0xFF
    elif how == "truncated":
        del data[len(data) // 2:]
    path.write_bytes(bytes(data))


def _tampered_manifest(source: Path, target: Path) -> None:
    """Rows changed and the table's count fixed, but not the SHA-256: still refused."""
    import json
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == "tables/departments.jsonl":
                content = content.replace("学生处".encode(), "学工部".encode())
            if item.filename == "manifest.json":
                manifest = json.loads(content)
                content = json.dumps(manifest).encode()
            new.writestr(item.filename, content)


@pytest.mark.parametrize("how", ["flipped", "truncated", "tampered", "not_a_backup"])
def test_a_damaged_backup_is_refused_and_nothing_is_written(world: World, empty_target: Database, tmp_path: Path,
                                                           how: str) -> None:
    _fill(world)
    path = tmp_path / "b.zip"
    backup(world.app.db, path)
    if how == "tampered":
        changed = tmp_path / "c.zip"
        _tampered_manifest(path, changed)
        path = changed
    elif how == "not_a_backup":
        path.write_text("hello", encoding="utf-8")
    else:
        _damage(path, how)
    with pytest.raises(BackupError) as refused:
        restore(empty_target, path)
    assert "备份文件已损坏或不是 Gongkai 备份" in refused.value.message and "没有写入任何数据" in refused.value.message
    assert inspect(empty_target.engine).get_table_names() == []  # not even the schema


def test_backup_refuses_to_overwrite_and_is_one_snapshot(world: World, tmp_path: Path) -> None:
    _fill(world)
    path = tmp_path / "b.zip"
    first = backup(world.app.db, path)
    with pytest.raises(BackupError):
        backup(world.app.db, path)
    assert first.counts["attachments"] == 2 and first.counts["audit_events"] > 5
    assert not list(tmp_path.glob("*.partial"))


def test_writes_during_a_backup_are_not_in_it(world: World, tmp_path: Path) -> None:
    """One snapshot: departments added (with their audit events) while tables are being read stay out entirely."""
    _fill(world)
    before = _snapshot(world.app.db)
    added: list[str] = []

    def write_meanwhile(_rows: int) -> None:
        if len(added) < 3:  # while the first tables are read; audit_events is read later
            code = f"d{len(added)}"
            add_department(world.app, code, f"部门{code}")
            added.append(code)
    path = tmp_path / "b.zip"
    backup(world.app.db, path, progress=write_meanwhile)
    assert len(added) == 3 and _snapshot(world.app.db) != before
    target = Database(f"sqlite:///{tmp_path / 'copy.db'}")
    try:
        restore(target, path)
        assert _snapshot(target) == before
    finally:
        target.dispose()
