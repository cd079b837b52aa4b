"""Items with a review to print (the 审查审批表 tests of workflow, web, CLI and browser)."""
from __future__ import annotations

import io
import re
from typing import Any

from tests.conftest import CLEAR, World, item_payload
from workflow.services import attachments
from workflow.services import items as svc

LEGAL_BASIS = "《高等学校信息公开办法》第七条、第九条"
CONSENT_FILE = "权利人同意书.txt"
TITLE = "2025年国家奖学金获奖学生名单公示"


def name(world: World, username: str) -> None:
    """Give ``username`` a display name: the record shows people by it."""
    from sqlalchemy import update

    from db.models import User
    with world.app.db.write() as session:
        session.execute(update(User).where(User.username == username).values(display_name=DISPLAY[username]))


DISPLAY = {"drafter": "张晓明", "reviewer": "李审查", "approver": "王批准", "all_rounder": "赵全能", "admin": "信息公开办"}


def published(world: World, *, title: str = TITLE) -> int:
    """An item published after a secrecy review that answered "yes" twice (personal information on the
    ground of a legal duty, with its legal basis; a commercial secret with the holder's consent on file)."""
    for username in DISPLAY:
        name(world, username)
    app, clock = world.app, world.app.clock
    item = svc.create_item(app, world.drafter, item_payload(title=title, channels=["website", "bulletin_board"]))
    consent = attachments.add_attachment(app, world.drafter, item.id, CONSENT_FILE, "text/plain",
                                         "本单位同意公开上述信息。".encode())
    svc.submit(app, world.drafter, item.id)
    clock.advance(hours=2)  # type: ignore[attr-defined]
    svc.pass_review(app, world.reviewer, item.id, {**CLEAR, "personal_info": True, "commercial_secret": True},
                    legal_basis=LEGAL_BASIS, justifications={
                        "personal_info": {"ground": "legal_duty"},
                        "commercial_secret": {"ground": "consent", "evidence_attachment_id": consent.id}})
    clock.advance(hours=1)  # type: ignore[attr-defined]
    svc.approve(app, world.approver, item.id)
    return item.id


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF with every space and line break taken out (table cells wrap long lines)."""
    from pypdf import PdfReader
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def pdf_qr_links(pdf: bytes) -> list[str]:
    """What the QR codes drawn in a PDF say, read back from its images with a barcode reader."""
    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader
    found: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            found.extend(code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data))))
    return found


def squeeze(text: str) -> str:
    """``text`` without whitespace, to look for it in ``pdf_text``."""
    return re.sub(r"\s+", "", text)


def tamper(world: World, item_id: int, kind: str, **values: Any) -> None:
    """Change the ``kind`` decision row of the item in the database, as a console would: behind the audit
    trail's back."""
    from sqlalchemy import update

    from db.models import Decision
    with world.app.db.write() as session:
        session.execute(update(Decision).where(Decision.item_id == item_id, Decision.kind == kind).values(**values))
