"""Plain-dict shapes of domain objects for the API, the CLI and templates."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from db.models import AuditEvent, Item
from workflow.public_names import public_filename
from workflow.clock import SHANGHAI


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the Asia/Shanghai offset."""
    return value.astimezone(SHANGHAI).isoformat() if value else None


def is_overdue(item: Item, now: datetime) -> bool:
    """An open item whose current stage is past due."""
    return item.state in ("draft", "secrecy_review", "approval") and item.stage_due is not None \
        and now > item.stage_due


def item_to_dict(item: Item, now: datetime) -> dict[str, Any]:
    """The Item of the public contract (docs/api.md)."""
    return {
        "id": item.id,
        "kind": item.kind,
        "view": "full",
        "title": item.title,
        "body": item.body,
        "department": item.department.code,
        "department_name": item.department.name,
        "catalog_code": item.catalog_code,
        "channels": list(item.channels or []),
        "formed_on": item.formed_on.isoformat() if item.formed_on else None,
        "publish_deadline": item.publish_deadline.isoformat() if item.publish_deadline else None,
        "deadline_estimated": bool(item.deadline_estimated),
        "state": item.state,
        "stage_due": iso(item.stage_due),
        "overdue": is_overdue(item, now),
        "version": item.version,
        "revision": item.revision,
        "content_hash": item.content_hash,
        "author": item.author.username if item.author else None,
        "submitted_by": item.submitted_by.username if item.submitted_by else None,
        "publish_at": iso(item.publish_at),
        "published_at": iso(item.published_at),
        "display_until": iso(item.display_until),
        "supersedes": item.supersedes_id,
        "superseded_by": item.superseded_by_id,
        "is_list": bool(item.is_list),
        "doc_number": item.doc_number,
        "archive_reason": item.archive_reason,
        "attachments": [{"id": a.id, "filename": a.filename, "size": a.size, "sha256": a.sha256}
                        for a in item.attachments],
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
    }


def public_item_to_dict(item: Item) -> dict[str, Any]:
    """What the public directory shows of a published item (no workflow internals)."""
    return {
        "id": item.id, "title": item.title, "body": item.body, "department": item.department.code,
        "department_name": item.department.name, "catalog_code": item.catalog_code,
        "channels": list(item.channels or []), "published_at": iso(item.published_at),
        "display_until": iso(item.display_until), "supersedes": item.supersedes_id,
        "doc_number": item.doc_number,
    }


def outside_item_to_dict(item: Item) -> dict[str, Any]:
    """What staff outside the item's department see of a published item: what the public sees
    (current content, its attachments), nothing of the workflow (``access.sees_internals``)."""
    return {**public_item_to_dict(item), "kind": item.kind, "view": "public", "state": item.state,
            "attachments": [{"id": a.id, "filename": public_filename(a.filename), "size": a.size, "sha256": a.sha256}
                            for a in item.attachments]}


def event_to_dict(event: AuditEvent) -> dict[str, Any]:
    """One history row: ``{at, actor, trigger, from, to, reason, revision, on_behalf_of, acted_by}``.

    ``actor`` is who acted; when they acted as someone's delegate (委托, 乙 代 甲), ``on_behalf_of`` names the
    decider of record (甲) and ``acted_by`` the delegate (乙, the actor again); both null otherwise."""
    data = event.data or {}
    for_whom = data.get("on_behalf_of")
    return {
        "at": iso(event.at), "actor": event.actor_name, "trigger": event.action,
        "from": event.from_state, "to": event.to_state, "reason": event.reason,
        "revision": event.revision_hash, "data": data,
        "on_behalf_of": for_whom, "acted_by": event.actor_name if for_whom else None,
    }
