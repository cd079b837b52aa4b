"""The 清单 (《高等学校信息公开事项清单》) as editable data.

The catalogue lives in ``config/catalog.toml`` (see ``docs/report.md``): categories, items and
the responsible departments. Items in the workflow store an entry's ``code`` as their
``catalog_code``; numbering of the MoE list is only partly confirmed, so nothing in the code
base may hard-code item numbers — everything goes through :func:`load_catalog`.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from workflow.errors import BadInput, NotFound
from workflow.settings import config_path

CATALOG_FILE = "catalog.toml"


@dataclass(frozen=True)
class CatalogEntry:
    """One 公开事项 of the 清单 (or a college's own ``local`` entry)."""

    code: str
    title: str
    category_code: str
    department: str
    rhythm: str = ""
    documents: tuple[str, ...] = ()
    number_confirmed: bool = False
    local: bool = False
    column_url: str = ""


@dataclass(frozen=True)
class Category:
    """One of the 清单's categories with its entries in file order."""

    code: str
    title: str
    items: tuple[CatalogEntry, ...] = ()


@dataclass(frozen=True)
class Department:
    """A responsible department as listed in the catalogue file."""

    code: str
    name: str


@dataclass(frozen=True)
class Catalog:
    """The whole catalogue; look entries up by code."""

    categories: tuple[Category, ...]
    departments: tuple[Department, ...] = ()
    _by_code: dict[str, CatalogEntry] = field(init=False, repr=False, compare=False)
    _category_by_code: dict[str, Category] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Indexes are built once; the dataclass is frozen, hence object.__setattr__.
        object.__setattr__(self, "_by_code", {e.code: e for c in self.categories for e in c.items})
        object.__setattr__(self, "_category_by_code", {c.code: c for c in self.categories})

    @property
    def entries(self) -> tuple[CatalogEntry, ...]:
        """All entries, category by category, in file order."""
        return tuple(e for c in self.categories for e in c.items)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> CatalogEntry | None:
        """The entry with ``code``, or None."""
        return self._by_code.get(code)

    def entry(self, code: str) -> CatalogEntry:
        """The entry with ``code``; :class:`NotFound` if the 清单 has no such entry."""
        found = self._by_code.get(code)
        if found is None:
            # ``code=`` is DomainError's machine code, hence the parameter name ``entry_code``.
            raise NotFound("清单中没有编号为 %(entry_code)s 的事项", entry_code=code)
        return found

    def category(self, code: str) -> Category:
        """The category with ``code`` (a category code, not an entry code)."""
        found = self._category_by_code.get(code)
        if found is None:
            raise NotFound("清单中没有编号为 %(category_code)s 的类别", category_code=code)
        return found

    def category_of(self, code: str) -> Category:
        """The category that holds the entry ``code``."""
        return self._category_by_code[self.entry(code).category_code]

    def department_name(self, code: str) -> str:
        """The Chinese name of a department listed in the file, else the code itself."""
        for dept in self.departments:
            if dept.code == code:
                return dept.name
        return code


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate the catalogue (default ``config/catalog.toml``).

    Raises :class:`BadInput` for unreadable or malformed files, duplicate codes, entries of
    unknown categories or departments, and wrongly typed fields.
    """
    file = Path(path) if path is not None else config_path(CATALOG_FILE)
    raw = _read_toml(file)
    departments = _parse_departments(raw, file)
    dept_codes = {d.code for d in departments}

    categories_raw = _table_list(raw, "category", file)
    if not categories_raw:
        raise _bad(file, "没有任何类别 ([[category]])")
    cat_order: list[tuple[str, str]] = []
    for idx, cat in enumerate(categories_raw, start=1):
        where = f"[[category]] #{idx}"
        code = _req_str(cat, "code", file, where)
        title = _req_str(cat, "title", file, where)
        if code in dict(cat_order):
            raise _bad(file, f"类别编号重复：{code}")
        cat_order.append((code, title))
    cat_codes = {c for c, _ in cat_order}

    items_by_cat: dict[str, list[CatalogEntry]] = {c: [] for c in cat_codes}
    seen: set[str] = set()
    for idx, item in enumerate(_table_list(raw, "item", file), start=1):
        entry = _parse_item(item, file, f"[[item]] #{idx}")
        if entry.code in seen:
            raise _bad(file, f"事项编号重复：{entry.code}")
        seen.add(entry.code)
        if entry.category_code not in cat_codes:
            raise _bad(file, f"事项 {entry.code} 的类别 {entry.category_code} 不存在")
        # Departments are checked only when the file lists them: a deployment may keep its
        # departments in the database alone and reference them from local entries.
        if dept_codes and entry.department not in dept_codes:
            raise _bad(file, f"事项 {entry.code} 的责任部门 {entry.department} 不在 [[department]] 列表中")
        items_by_cat[entry.category_code].append(entry)

    categories = tuple(Category(code, title, tuple(items_by_cat[code])) for code, title in cat_order)
    return Catalog(categories=categories, departments=tuple(departments))


def load_departments(path: Path | str | None = None) -> list[tuple[str, str]]:
    """The ``[[department]]`` list of the catalogue file as ``[(code, name), …]``."""
    file = Path(path) if path is not None else config_path(CATALOG_FILE)
    return [(d.code, d.name) for d in _parse_departments(_read_toml(file), file)]


def catalog_to_dict(catalog: Catalog | None = None, *, detailed: bool = False) -> dict[str, Any]:
    """The API shape ``{"categories": [{"code", "title", "items": [{"code", "title"}]}]}``.

    ``detailed=True`` adds department, rhythm, documents, number_confirmed, local and
    column_url to every item (for the admin catalogue page).
    """
    catalog = catalog if catalog is not None else load_catalog()
    categories = []
    for cat in catalog.categories:
        items = []
        for e in cat.items:
            row: dict[str, Any] = {"code": e.code, "title": e.title}
            if detailed:
                row.update(department=e.department, rhythm=e.rhythm, documents=list(e.documents),
                           number_confirmed=e.number_confirmed, local=e.local,
                           column_url=e.column_url)
            items.append(row)
        categories.append({"code": cat.code, "title": cat.title, "items": items})
    return {"categories": categories}


# ---------------------------------------------------------------- parsing helpers

def _read_toml(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput("无法读取清单文件 %(path)s：%(error)s", path=str(file), error=str(exc)) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput("清单文件 %(path)s 不是有效的 TOML：%(error)s", path=str(file), error=str(exc)) from exc


def _bad(file: Path, problem: str) -> BadInput:
    return BadInput("清单文件 %(path)s 有误：%(problem)s", path=str(file), problem=problem)


def _table_list(raw: Mapping[str, Any], key: str, file: Path) -> list[Mapping[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _bad(file, f"{key} 必须写成 [[{key}]] 表数组")
    return value


def _req_str(table: Mapping[str, Any], key: str, file: Path, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _bad(file, f"{where} 缺少字段 {key}（非空字符串）")
    return value.strip()


def _opt_str(table: Mapping[str, Any], key: str, file: Path, where: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise _bad(file, f"{where} 的字段 {key} 必须是字符串")
    return value.strip()


def _opt_bool(table: Mapping[str, Any], key: str, file: Path, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise _bad(file, f"{where} 的字段 {key} 必须是 true 或 false")
    return value


def _parse_item(item: Mapping[str, Any], file: Path, where: str) -> CatalogEntry:
    code = item.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)  # tolerate `code = 7`; codes are strings everywhere else
    if not isinstance(code, str) or not code.strip():
        raise _bad(file, f"{where} 缺少字段 code（非空字符串）")
    where = f"事项 {code.strip()}"
    documents = item.get("documents", [])
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise _bad(file, f"{where} 的字段 documents 必须是字符串列表")
    known = {"code", "title", "category", "department", "rhythm", "documents",
             "number_confirmed", "local", "column_url"}
    unknown = sorted(set(item) - known)
    if unknown:
        raise _bad(file, f"{where} 含有未知字段：{'、'.join(unknown)}")
    return CatalogEntry(
        code=code.strip(),
        title=_req_str(item, "title", file, where),
        category_code=_req_str(item, "category", file, where),
        department=_req_str(item, "department", file, where),
        rhythm=_opt_str(item, "rhythm", file, where),
        documents=tuple(d.strip() for d in documents if d.strip()),
        number_confirmed=_opt_bool(item, "number_confirmed", file, where),
        local=_opt_bool(item, "local", file, where),
        column_url=_opt_str(item, "column_url", file, where),
    )


def _parse_departments(raw: Mapping[str, Any], file: Path) -> list[Department]:
    result: list[Department] = []
    seen: set[str] = set()
    for idx, dept in enumerate(_table_list(raw, "department", file), start=1):
        where = f"[[department]] #{idx}"
        code = _req_str(dept, "code", file, where)
        name = _req_str(dept, "name", file, where)
        if code in seen:
            raise _bad(file, f"部门编号重复：{code}")
        seen.add(code)
        result.append(Department(code, name))
    return result
