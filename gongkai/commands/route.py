"""``gongkai route add | update | list | show | activate | deactivate``: review routes from the command line.

The same verbs as ``/api/v1/routes`` and the admin pages (``workflow.services.routes``): the same
checks, the same Chinese messages (English with ``gongkai --lang en``), one audit event per change,
the version lock. A refused route prints every problem and exits 1; nothing is stored.

A route is given as a JSON file (``--file route.json``, ``-`` for standard input; the body of
``POST /api/v1/routes``) or with options::

    gongkai route add --name 招生类信息 --category zsks \\
        --step "secrecy_review:部门负责人审核:reviewer:any" \\
        --step "secrecy_review:保密办复审:reviewer:department=bmb:any" \\
        --step "approval:招生就业处、财务处会签:approver:users=zs,cw:all" \\
        --step "approval:分管校领导审批:approver:1:2"

``--step STAGE:NAME:ROLE[:department=CODE|users=A,B]:QUORUM[:WORKDAYS]`` (docs/routes.md). Changes
are made by the system actor (recorded as ``system``, as ``gongkai user add`` and the other operator
commands), or by an admin named with ``--as USERNAME``.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from typing import TYPE_CHECKING, Any, Sequence

import click

from gongkai.commands.acting import acting

from workflow.errors import DomainError
from workflow.i18n import gettext as _

if TYPE_CHECKING:
    from workflow.access import Actor
    from workflow.context import Gongkai
    from workflow.routes.model import Route

# Chinese names accepted in --step besides the API's values (what the admin pages show).
STAGE_ALIASES = {"保密审查": "secrecy_review", "审批": "approval"}
ROLE_ALIASES = {"保密审查员": "reviewer", "审批人": "approver"}
QUORUM_ALIASES = {"任一人": "any", "全部": "all"}
STEP_SYNTAX = "STAGE:NAME:ROLE[:department=CODE|users=A,B]:QUORUM[:WORKDAYS]"


def register(main: click.Group) -> None:
    """Add the ``route`` group to ``main``."""
    main.add_command(route)


def parse_step_option(text: str) -> dict[str, Any]:
    """One ``--step`` as the API's step object (the verb checks the values; this only splits them)."""
    parts = [part.strip() for part in text.split(":")]
    if len(parts) < 4:
        raise click.BadParameter(_("“%(step)s”：步骤的写法是 %(syntax)s", step=text, syntax=STEP_SYNTAX),
                                 param_hint="--step")
    stage, name, role, *rest = parts
    step: dict[str, Any] = {"stage": STAGE_ALIASES.get(stage, stage), "name": name,
                            "role": ROLE_ALIASES.get(role, role)}
    if "=" in rest[0]:
        key, _sep, value = rest.pop(0).partition("=")
        if key.strip() == "department":
            step["department"] = value.strip()
        elif key.strip() == "users":
            step["users"] = [u.strip() for u in value.replace("，", ",").replace("、", ",").split(",") if u.strip()]
        else:
            raise click.BadParameter(_("“%(step)s”：由谁决定只能写 department=部门代码 或 users=用户名,用户名",
                                       step=text), param_hint="--step")
    if len(rest) not in (1, 2) or any("=" in part for part in rest):
        raise click.BadParameter(_("“%(step)s”：步骤的写法是 %(syntax)s", step=text, syntax=STEP_SYNTAX),
                                 param_hint="--step")
    quorum = QUORUM_ALIASES.get(rest[0], rest[0])
    step["quorum"] = int(quorum) if quorum.isascii() and quorum.isdigit() and not quorum.startswith("0") else quorum
    if len(rest) == 2:
        step["workdays"] = int(rest[1]) if rest[1].isascii() and rest[1].isdigit() else rest[1]
    return step


def _read_file(path: str) -> Any:
    """The route body from a JSON file (``-``: standard input)."""
    try:
        if path == "-":
            return json.loads(sys.stdin.read())
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise click.ClickException(_("无法读取路线文件 %(path)s：%(error)s", path=path, error=error.strerror)) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(_("路线文件 %(path)s 不是有效的 JSON（UTF-8）：%(error)s", path=path,
                                     error=str(error))) from error


def _refused(error: DomainError) -> click.ClickException:
    """Every problem of a refused route on standard error; the first one is the command's error line."""
    details = error.details if isinstance(error.details, dict) else {}
    problems = [p["message"] for p in details.get("problems", [])]
    if len(problems) > 1:
        click.echo(_("路线未保存，问题如下："), err=True)
        for text in problems:
            click.echo(f"  - {text}", err=True)
    return click.ClickException(f"{error.message} [{error.code}]")


def _width(text: str) -> int:
    """Columns a terminal gives ``text`` (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows)]
    return ["  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in (header, *rows)]


def _step_lines(route: Route, directory: Any, indent: str) -> list[str]:
    from workflow.routes.wording import describe_step
    lines = []
    for n, step in enumerate(route.steps, 1):
        d = describe_step(step, directory)
        line = _("%(n)d. [%(stage)s] %(name)s：%(who)s，%(quorum)s", n=n, stage=d["stage"], name=d["name"],
                 who=d["who"], quorum=d["quorum"])
        lines.append(indent + (_("%(step)s，%(workdays)s", step=line, workdays=d["workdays"]) if d["workdays"] else line))
    return lines


def _status(route: Route) -> str:
    return _("使用中") if route.active else _("已停用")


def _show(route: Route, directory: Any) -> None:
    from workflow.routes.wording import describe_scope
    click.echo(_("%(id)s  %(name)s（%(status)s，版本 %(version)s）", id=route.id, name=route.name,
                 status=_status(route), version=route.version))
    click.echo("  " + _("适用范围：%(scope)s", scope=describe_scope(route, directory)))
    for line in _step_lines(route, directory, "  "):
        click.echo(line)


def _version(app: Gongkai, actor: Actor, route_id: int) -> Route:
    from workflow.services import routes as route_service
    return route_service.get_route(app, actor, route_id)


as_option = click.option("--as", "as_user", metavar="USERNAME", default=None,
                         help="Act as this admin (default: the system actor, recorded as 'system').")


@click.group()
def route() -> None:
    """Review routes (审批路线): the steps of the secrecy review and the approval (docs/routes.md)."""


@route.command("add")
@click.option("--file", "path", metavar="PATH", default=None,
              help="A JSON file with the body of POST /api/v1/routes ('-': standard input).")
@click.option("--name", default=None, help="The route's name.")
@click.option("--category", "categories", multiple=True, metavar="CODE", help="清单 category code (repeatable).")
@click.option("--department", "departments", multiple=True, metavar="CODE", help="Department code (repeatable).")
@click.option("--step", "steps", multiple=True, metavar="STEP", help=f"{STEP_SYNTAX} (repeatable, in order).")
@as_option
def route_add(path: str | None, name: str | None, categories: tuple[str, ...], departments: tuple[str, ...],
              steps: tuple[str, ...], as_user: str | None) -> None:
    """Create a route, from --file or from --name/--category/--department/--step; print it.

    \b
    STAGE: secrecy_review (保密审查) or approval (审批); ROLE: reviewer (保密审查员) or approver (审批人);
    who decides: the role in the item's department, or department=CODE, or users=NAME,NAME;
    QUORUM: any (任一人), all (全部) or N; WORKDAYS: the step's own working days (optional). E.g.
      --step "secrecy_review:保密办复审:reviewer:department=bmb:any"
      --step "approval:招生就业处、财务处会签:approver:users=zs,cw:all"
      --step "approval:分管校领导审批:approver:1:2"
    """
    from gongkai.cli import _app
    from workflow.services import routes as route_service
    if path is not None and (name is not None or categories or departments or steps):
        raise click.UsageError(_("请只用 --file，或只用 --name/--category/--department/--step 给出路线"))
    if path is None and name is None:
        raise click.UsageError(_("请用 --file 或 --name 与 --step 给出路线"))
    body = _read_file(path) if path is not None else {
        "name": name, "catalog_codes": list(categories), "departments": list(departments),
        "steps": [parse_step_option(step) for step in steps]}
    app = _app()
    actor = acting(app, as_user)
    try:
        saved = route_service.create_route(app, actor, body)
    except DomainError as error:
        raise _refused(error) from error
    click.echo(_("路线“%(name)s”已创建（编号 %(id)s）", name=saved.name, id=saved.id))
    _show(saved, route_service.route_directory(app, actor))


@route.command("update")
@click.argument("route_id", type=int)
@click.option("--file", "path", metavar="PATH", required=True,
              help="A JSON file with the body of PUT /api/v1/routes/{id} ('-': standard input).")
@as_option
def route_update(route_id: int, path: str, as_user: str | None) -> None:
    """Replace route ROUTE_ID with --file (its "version", when given, must still be current)."""
    from gongkai.cli import _app
    from workflow.inputs import parse_version
    from workflow.services import routes as route_service
    body = _read_file(path)
    app = _app()
    actor = acting(app, as_user)
    if isinstance(body, dict) and body.get("id") == route_id:
        body = {key: value for key, value in body.items() if key != "id"}  # as `route show --json` prints it
    version = parse_version(body.pop("version", None)) if isinstance(body, dict) else None
    if version is None:
        version = _version(app, actor, route_id).version
    try:
        saved = route_service.update_route(app, actor, route_id, body, version)
    except DomainError as error:
        raise _refused(error) from error
    click.echo(_("路线“%(name)s”已保存", name=saved.name))
    _show(saved, route_service.route_directory(app, actor))


@route.command("list")
def route_list() -> None:
    """Every route (id, name, status, scope, steps with who decides and the quorum), then the default route."""
    from gongkai.cli import _app
    from workflow.access import SYSTEM
    from workflow.routes.wording import describe_scope
    from workflow.services import routes as route_service
    app = _app()
    routes = route_service.list_routes(app, SYSTEM)
    directory = route_service.route_directory(app, SYSTEM)
    if routes:
        header = ("ID", _("路线名称"), _("状态"), _("适用范围"))
        lines = _table(header, [(str(r.id), r.name, _status(r), describe_scope(r, directory)) for r in routes])
        click.echo(lines[0])
        for route_, line in zip(routes, lines[1:]):
            click.echo(line)
            for step_line in _step_lines(route_, directory, "    "):
                click.echo(step_line)
    else:
        click.echo(_("还没有自定义路线：所有事项都走默认路线。"))
    default = route_service.route_default(app)
    click.echo(_("默认路线（其他路线都不适用的事项）："))
    for step_line in _step_lines(default, directory, "    "):
        click.echo(step_line)


@route.command("show")
@click.argument("route_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the route as the API does (a file for `update`).")
def route_show(route_id: int, as_json: bool) -> None:
    """One route: scope, steps, status, version, last change."""
    from gongkai.cli import _app
    from workflow.access import SYSTEM
    from workflow.services import routes as route_service
    app = _app()
    found = route_service.get_route(app, SYSTEM, route_id)
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
        return
    _show(found, route_service.route_directory(app, SYSTEM))
    changed = found.meta.get("updated_at")
    if changed is not None:
        from workflow.clock import SHANGHAI
        click.echo("  " + _("最后修改：%(at)s，%(by)s", at=changed.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                     by=found.meta.get("updated_by") or "system"))


@route.command("deactivate")
@click.argument("route_id", type=int)
@as_option
def route_deactivate(route_id: int, as_user: str | None) -> None:
    """Stop using route ROUTE_ID for new submissions (items already submitted keep it)."""
    from gongkai.cli import _app
    from workflow.services import routes as route_service
    app = _app()
    actor = acting(app, as_user)
    current = _version(app, actor, route_id)
    if not current.active:
        click.echo(_("路线“%(name)s”已是停用状态", name=current.name))
        return
    saved = route_service.deactivate_route(app, actor, route_id, current.version)
    click.echo(_("路线“%(name)s”已停用，新提交的事项不再使用它", name=saved.name))


@route.command("activate")
@click.argument("route_id", type=int)
@as_option
def route_activate(route_id: int, as_user: str | None) -> None:
    """Use route ROUTE_ID again; it is checked again (ties, reachable steps) as when it is saved."""
    from gongkai.cli import _app
    from workflow.services import routes as route_service
    app = _app()
    actor = acting(app, as_user)
    current = _version(app, actor, route_id)
    if current.active:
        click.echo(_("路线“%(name)s”已在使用中", name=current.name))
        return
    body = {key: value for key, value in current.to_json().items() if key not in ("id", "version")}
    try:
        saved = route_service.update_route(app, actor, route_id, {**body, "active": True}, current.version)
    except DomainError as error:
        raise _refused(error) from error
    click.echo(_("路线“%(name)s”已启用，新提交的事项按它审批", name=saved.name))
