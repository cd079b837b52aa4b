"""Revision snapshots: the exact content submitted, and its SHA-256."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from db.models import Item



def snapshot(item: Item) -> dict[str, Any]:
    """The content a decision binds to: text, tags, dates and attachment hashes.

    The 文号 is part of it only when the item has one, so that the hashes of revisions submitted before
    it existed (migration 0029) stay what they were.
    """
    content = {
        "title": item.title,
        "body": item.body,
        "catalog_code": item.catalog_code,
        "channels": list(item.channels or []),
        "formed_on": item.formed_on.isoformat(),
        "department_id": item.department_id,
        "attachments": [{"filename": a.filename, "sha256": a.sha256, "size": a.size} for a in item.attachments],
    }
    if item.doc_number:
        content["doc_number"] = item.doc_number
    return content


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON form of ``content``."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
