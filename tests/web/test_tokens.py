"""Issue 10: API tokens expire, can be revoked (CLI, own settings page, admins), record their last use."""
from __future__ import annotations

from sqlalchemy import select

from db.models import ApiToken, AuditEvent
from tests.conftest import World
from workflow.services.tokens import create_token, list_tokens, revoke_tokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_expires_after_the_default_lifetime(client, world: World, clock) -> None:
    token = create_token(world.app, "drafter", "script")
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    clock.advance(days=89)
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    clock.advance(days=2)
    expired = client.get("/api/v1/me", headers=_bearer(token))
    assert expired.status_code == 401 and expired.json["error"] == "token_expired"
    assert "过期" in expired.json["message"]


def test_token_lifetime_can_be_chosen_within_bounds(world: World) -> None:
    create_token(world.app, "drafter", "short", expires_days=1)
    [info] = list_tokens(world.app, "drafter")
    assert (info.expires_at - info.created_at).days == 1
    import pytest

    from workflow.errors import ValidationFailed
    with pytest.raises(ValidationFailed):
        create_token(world.app, "drafter", "forever", expires_days=100000)


def test_revoked_token_is_refused_at_once_and_audited(client, world: World) -> None:
    token = create_token(world.app, "drafter", "script")
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    [info] = list_tokens(world.app, "drafter")
    assert revoke_tokens(world.app, "drafter", token_id=info.id) == [info.id]
    refused = client.get("/api/v1/me", headers=_bearer(token))
    assert refused.status_code == 401 and refused.json["error"] == "token_revoked" and "撤销" in refused.json["message"]
    with world.app.db.read() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.subject == "user:drafter"))]
    assert "token_create" in actions and "token_revoke" in actions


def test_last_used_is_written_at_most_once_a_minute(client, world: World, clock) -> None:
    token = create_token(world.app, "drafter", "script")
    assert list_tokens(world.app, "drafter")[0].last_used_at is None
    client.get("/api/v1/me", headers=_bearer(token))
    first = list_tokens(world.app, "drafter")[0].last_used_at
    assert first == world.app.now()
    clock.advance(seconds=30)
    client.get("/api/v1/me", headers=_bearer(token))
    assert list_tokens(world.app, "drafter")[0].last_used_at == first  # a read stayed a read
    clock.advance(seconds=31)
    client.get("/api/v1/me", headers=_bearer(token))
    assert list_tokens(world.app, "drafter")[0].last_used_at == world.app.now()


def test_user_sees_and_revokes_own_tokens_in_settings(as_user, client, world: World) -> None:
    token = create_token(world.app, "drafter", "报表脚本")
    others = create_token(world.app, "reviewer", "审查脚本")
    drafter = as_user("drafter")
    page = drafter.get("/settings").get_data(as_text=True)
    assert "报表脚本" in page and "审查脚本" not in page
    [mine] = list_tokens(world.app, "drafter")
    [theirs] = list_tokens(world.app, "reviewer")
    assert drafter.post(f"/settings/tokens/{theirs.id}/revoke").status_code == 404  # not one's own: no such token
    assert drafter.post(f"/settings/tokens/{mine.id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(others)).status_code == 200
    assert drafter.post("/settings/tokens/9223372036854775808/revoke").status_code == 404


def test_admin_revokes_anyones_tokens_others_may_not(as_user, client, world: World) -> None:
    token = create_token(world.app, "reviewer", "审查脚本")
    [info] = list_tokens(world.app, "reviewer")
    assert as_user("drafter").get("/admin/users/reviewer/tokens").status_code == 403
    assert as_user("drafter").post(f"/admin/users/reviewer/tokens/{info.id}/revoke").status_code == 403
    admin = as_user("admin")
    assert "审查脚本" in admin.get("/admin/users/reviewer/tokens").get_data(as_text=True)
    assert admin.post(f"/admin/users/reviewer/tokens/{info.id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    with world.app.db.read() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.id == info.id))
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "token_revoke")).one()
    assert row.revoked and row.revoked_at is not None and event.actor_name == "admin"
