"""Read verbs for secrecy-scan findings."""
from __future__ import annotations

from typing import Any

from workflow.access import Actor
from workflow.context import Gongkai
from workflow.findings import finding_to_dict, findings_of_current_revision
from workflow.services.items import load_visible


def item_findings(app: Gongkai, actor: Actor, item_id: int) -> dict[str, Any]:
    """Findings of the item's current revision, with a summary."""
    with app.db.read() as session:
        item = load_visible(session, actor, item_id)
        rows = [finding_to_dict(row) for row in findings_of_current_revision(session, item)]
    open_blocking = [r for r in rows if r["severity"] == "blocking" and not r["accepted"]]
    return {"item_id": item_id, "revision": item.revision, "findings": rows,
            "blocking_open": len(open_blocking), "total": len(rows)}
