"""Verbs on the secrecy scan of an item: its stored findings, the drafter's self-check, and masking."""
from __future__ import annotations

from typing import Any

from workflow import audit, contributors
from workflow.access import DRAFTER, Actor, require_role
from workflow.context import Gongkai
from workflow.revision_findings import finding_to_dict, findings_of_current_revision
from workflow.search import index as search_index
from workflow.services.items import load_draft, load_internal, write_transaction, today


def item_findings(app: Gongkai, actor: Actor, item_id: int) -> dict[str, Any]:
    """Findings of the item's current revision, with a summary (department scope and admins only)."""
    with app.db.read() as session:
        item = load_internal(session, actor, item_id, today(app))
        rows = [finding_to_dict(row) for row in findings_of_current_revision(session, item)]
    open_blocking = [r for r in rows if r["severity"] == "blocking" and not r["accepted"]]
    return {"item_id": item_id, "revision": item.revision, "findings": rows,
            "blocking_open": len(open_blocking), "total": len(rows)}


def self_check(app: Gongkai, actor: Actor, item_id: int) -> dict[str, Any]:
    """The drafter's 保密自检 of the current draft (not stored), with the masking proposal.

    Title and body are scanned now (bounded text); each attachment's findings come from its
    scan stored at upload (or by the scheduler) — a page view never extracts a file.

    ``masked`` holds the proposed title/body when masking would change them: personal data
    such as ID numbers become 350102********1234, phones 138****5678 — and in a 名单 or 公示
    (``removed``) they are cut out altogether. Classification markings
    are never masked away: such an item must not be published at all.
    """
    from workflow.revision_findings import content_findings
    from workflow.scan import blocking, mask_text
    with app.db.read() as session:
        item = load_internal(session, actor, item_id)
        require_role(actor, DRAFTER, item.department_id)
        # Attachments: their stored scans only. A page view never parses a file.
        found = content_findings(app, session, item)
        title, body = item.title, item.body
    remove = removes_personal_info(item)
    masked_title, masked_body = (mask_text(text, settings=app.settings, remove=remove) for text in (title, body))
    changed = masked_title != title or masked_body != body
    return {"item_id": item_id, "findings": [f.to_dict() for f in found], "total": len(found),
            "blocking": len(blocking(found)),
            "masked": {"title": masked_title, "body": masked_body, "removed": remove} if changed else None}


def removes_personal_info(item: Any) -> bool:
    """Whether masking cuts personal information out instead of hiding part of it: in a 名单 or 公示
    (marked, or looking like one) nothing of an ID, phone, birth date, address or bank card is kept
    (教财厅函〔2017〕28号)."""
    from workflow.scan import looks_like_list
    return bool(item.is_list) or looks_like_list(item.title or "", item.body or "")


def apply_masking(app: Gongkai, actor: Actor, item_id: int, expected_version: int | None = None) -> Any:
    """Replace the draft's title and body by their masked form (one click for the drafter)."""
    from workflow.scan import mask_text
    now = app.now()
    with write_transaction(app) as session:
        item = load_draft(session, actor, item_id, expected_version)
        remove = removes_personal_info(item)
        masked_title, masked_body = (mask_text(text, settings=app.settings, remove=remove)
                                     for text in (item.title, item.body))
        changed = sorted(name for name, old, new in (("title", item.title, masked_title),
                                                     ("body", item.body, masked_body)) if old != new)
        item.title, item.body, item.updated_at = masked_title, masked_body, now
        session.flush()
        search_index.reindex(app, session, item)  # the masked digits are no longer searchable
        contributors.record(session, item.id, actor, now, "mask")
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="mask",
                     from_state="draft", to_state="draft", data={"fields": changed})
        session.flush()
        return item
