"""``gongkai audit verify | anchor | rotate-key`` (docs/audit.md).

Exit codes of ``verify``: 0 the chain and every anchor check out; 1 tampering found (an event
altered, deleted or rewritten, or events missing after an anchor); 2 the check could not be
made (a key or the anchors file is missing or unreadable).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from workflow.i18n import gettext as _

EXIT_TAMPERED = 1
EXIT_UNVERIFIABLE = 2


def register(main: click.Group) -> None:
    """Add the ``audit`` group to ``main``."""
    main.add_command(audit)


@click.group()
def audit() -> None:
    """The audit trail: verify the keyed chain, anchor its head, rotate the key."""


@audit.command("verify")
@click.option("--anchors", "anchor_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Anchors file(s) to check against (default: audit.anchors_file in the instance folder).")
@click.option("--no-anchors", is_flag=True, help="Check the chain alone.")
def audit_verify(anchor_files: tuple[Path, ...], no_anchors: bool) -> None:
    """Check the chain and the anchors; non-zero exit naming the first bad event or the gap."""
    from gongkai.cli import _app
    from workflow.audit import verify
    from workflow.audit_anchor import AnchorFileError, anchors_path, read_anchors
    app = _app()
    anchors = []
    if not no_anchors:
        try:
            for path in anchor_files or (anchors_path(app),):
                anchors.extend(read_anchors(path))
        except AnchorFileError as error:
            click.echo(error.message, err=True)
            sys.exit(EXIT_UNVERIFIABLE)
    with app.db.read() as session:
        pinned = int(app.settings.get("audit.legacy_until_seq", -1))
        result = verify(session, anchors=anchors, legacy_until=pinned if pinned >= 0 else None)
    if result.ok:
        click.echo(_("审计链完好：已校验 %(count)s 条事件（其中旧式未签名 %(legacy)s 条），与 %(anchors)s 个锚点一致",
                     count=result.checked, legacy=result.legacy, anchors=result.anchors))
        if not anchors:
            click.echo(_("提示：没有锚点，无法发现删除最新事件或整链重算；请运行 gongkai audit anchor"), err=True)
        return
    if result.unverifiable:
        click.echo(_("无法校验审计链（第 %(seq)s 号事件）：%(problem)s", seq=result.bad_seq, problem=result.problem),
                   err=True)
        sys.exit(EXIT_UNVERIFIABLE)
    click.echo(_("审计链损坏，事件 seq=%(seq)s id=%(id)s：%(problem)s（此前已校验 %(checked)s 条）",
                 seq=result.bad_seq, id=result.bad_id if result.bad_id is not None else "—",
                 problem=result.problem, checked=result.checked), err=True)
    sys.exit(EXIT_TAMPERED)


@audit.command("anchor")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Anchors file to append to (default: audit.anchors_file in the instance folder).")
@click.option("--mail/--no-mail", default=True, show_default=True,
              help="Also mail the anchor to audit.anchor_mail_to (when set).")
def audit_anchor(output: Path | None, mail: bool) -> None:
    """Append the chain's head (seq, hash, count, time) to the anchors file and mail it to the office."""
    from gongkai.cli import _app
    from workflow.audit_anchor import anchor
    app = _app()
    result = anchor(app, output=output, mail=mail)
    head = result.anchor
    if result.written:
        click.echo(_("锚点已写入 %(path)s：seq=%(seq)s，共 %(count)s 条事件，哈希 %(hash)s", path=str(result.path),
                     seq=head.seq, count=head.count, hash=head.hash))
    else:
        click.echo(_("链头与 %(path)s 中最后一个锚点相同，未重复写入（seq=%(seq)s）", path=str(result.path),
                     seq=head.seq))
    if result.mailed:
        click.echo(_("锚点邮件已排队发送至 %(to)s", to=app.settings.get("audit.anchor_mail_to")))


@audit.command("rotate-key")
def audit_rotate_key() -> None:
    """Append a fresh key to the keyring file; new events use it, old ones keep verifying."""
    from gongkai.cli import _app
    from workflow.audit import rotate_key
    old, new = rotate_key(_app())
    click.echo(_("审计密钥已轮换：%(old)s → %(new)s（已记入审计链）", old=old or "—", new=new))
