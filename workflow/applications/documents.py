"""The applicant's identity document (身份证明, 《政府信息公开条例》第二十九条): checked on upload, stored apart
from the application, shown to the 信息公开办公室 only.

The file is judged by its bytes, not by what the client claims: a PDF must start with ``%PDF-``, a PNG with
its signature, a JPEG with ``FF D8 FF``; the name's extension must agree with what the bytes are; the size is
bounded (``applications.identity_max_bytes``, 5 MiB by default). The stored content type is the one the
bytes showed. Downloads are served as attachments (``nosniff``), so nothing uploaded ever renders in the
site's origin. Only admins (the office) read it: the handling department drafts the reply from the request,
it does not need the applicant's identity papers; everyone else gets the same 404 as for a missing file.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from db.models.applications import Application, ApplicationDocument
from workflow.access import Actor
from workflow.applications import reads
from workflow.errors import NotFound, TooLarge, ValidationFailed
from workflow.i18n import N_
from workflow.settings import Settings

IDENTITY = "identity"
LABEL = N_("身份证明")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# extension → (content type, the bytes a file of that type starts with)
KINDS: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}
ACCEPT = ",".join(f".{extension}" for extension in KINDS)  # the file input's ``accept``


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name and bytes (what the client says the type is does not matter)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedDocument:
    """An identity document that passed the checks."""

    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def max_bytes(settings: Settings) -> int:
    """The size limit of an identity document (``applications.identity_max_bytes``)."""
    return int(settings.get("applications.identity_max_bytes", DEFAULT_MAX_BYTES) or DEFAULT_MAX_BYTES)


def required(settings: Settings) -> bool:
    """Whether an online application must carry one (``applications.identity_required``, default yes)."""
    return bool(settings.get("applications.identity_required", True))


# Each refusal names the field and one code; the messages are written out at each ValidationFailed so that
# message extraction (the Makefile's keywords) finds them.
INVALID = {"code": "invalid_identity_document", "field": "identity_document"}


def check(upload: Upload | None, settings: Settings) -> CheckedDocument | None:
    """The checked document; None when there is none and none is required. 422 for a missing, empty,
    unnamed, unsupported or disguised file; 413 beyond the size limit."""
    if upload is None or (not upload.filename and not upload.data):
        if required(settings):
            raise ValidationFailed("请上传身份证明（身份证、护照或营业执照等的照片或PDF扫描件）",
                                   code="missing_field", field="identity_document")
        return None
    name = PurePosixPath((upload.filename or "").replace("\\", "/")).name.strip()
    if not name or name.startswith(".") or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValidationFailed("身份证明的文件名无效", **INVALID)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise ValidationFailed("身份证明只接受 PDF、JPG 或 PNG 文件", **INVALID)
    limit = max_bytes(settings)
    if len(upload.data) > limit:
        raise TooLarge("身份证明文件过大（最大 %(mb)s MB）", mb=round(limit / 1048576, 1))
    if not upload.data:
        raise ValidationFailed("身份证明文件为空", **INVALID)
    content_type, signature = KINDS[extension]
    if not upload.data.startswith(signature):
        raise ValidationFailed("身份证明文件的内容与其类型不符，请上传真实的 PDF、JPG 或 PNG 文件", **INVALID)
    return CheckedDocument(filename=name[:255], content_type=content_type, data=upload.data)


def from_json(value: Any) -> Upload | None:
    """The API's form of an upload: ``{"filename": "…", "content_base64": "…"}`` (None when absent)."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("filename"), str) \
            or not isinstance(value.get("content_base64"), str):
        raise ValidationFailed("identity_document 应为 {filename, content_base64}", **INVALID)
    try:
        data = base64.b64decode(value["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("identity_document 的 content_base64 不是有效的 Base64", **INVALID) from None
    return Upload(value["filename"], data)


def store(session: Session, application: Application, document: CheckedDocument, now: datetime) -> None:
    """Keep ``document`` as the application's identity document (inside the intake's transaction)."""
    session.add(ApplicationDocument(application_id=application.id, kind=IDENTITY, filename=document.filename,
                                    content_type=document.content_type, size=len(document.data),
                                    sha256=document.sha256, data=document.data, created_at=now))


def may_read(actor: Actor) -> bool:
    """Who reads an applicant's identity document and postal address: the 信息公开办公室 (admins)."""
    return actor.is_admin


def metadata(session: Session, application_id: int) -> ApplicationDocument | None:
    """The identity document's row without its bytes (name, type, size), or None."""
    return session.scalar(select(ApplicationDocument).where(ApplicationDocument.application_id == application_id,
                                                           ApplicationDocument.kind == IDENTITY))


def load(session: Session, actor: Actor, application_id: int) -> ApplicationDocument:
    """The identity document with its bytes, for the office; NotFound for everyone else and when there is none."""
    missing = NotFound("文件不存在或您无权查看", code="document_not_found")
    if not may_read(actor):
        raise missing
    reads.load(session, actor, application_id)
    row = session.scalar(select(ApplicationDocument).options(undefer(ApplicationDocument.data)).where(
        ApplicationDocument.application_id == application_id, ApplicationDocument.kind == IDENTITY))
    if row is None:
        raise missing
    return row
