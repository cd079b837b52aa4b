"""Links in reports, mails, inbox messages, the Atom feed, QR codes and receipts come from the configured public
address (``institution.base_url``), never from the request's host nor from 127.0.0.1:5000 (issue 15)."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from db.models import Notification, OutboxMail
from tests.conftest import World, item_payload, published_item
from workflow import links, mailer
from workflow.clock import SHANGHAI
from workflow.report.model import Period
from workflow.services import items as svc
from workflow.services import records
from workflow.services.reports import report_data
from workflow.settings import SettingsError, load_settings

BASE = "https://xxgk.example.edu.cn"


@pytest.fixture
def public_world(world: World) -> World:
    world.app.settings = world.app.settings.with_overrides({"institution": {"base_url": BASE + "/"}})
    return world


def _published(world: World) -> int:
    return published_item(world)


def test_inbox_messages_and_mails_link_to_the_public_address(public_world: World, clock) -> None:
    world = public_world
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    with world.app.db.read() as session:
        bodies = list(session.scalars(select(Notification.body)))
    assert bodies and all(f"{BASE}/items/{item.id}" in body for body in bodies)
    clock.set(datetime(2025, 9, 29, 9, 0, tzinfo=SHANGHAI))  # Monday's digest
    mailer.queue_digest(world.app)
    with world.app.db.read() as session:
        mails = list(session.scalars(select(OutboxMail.body)))
    assert mails and all(f"{BASE}/inbox" in body and "127.0.0.1" not in body for body in mails)


def test_the_feed_ignores_the_host_the_request_came_in_on(public_world: World, as_user) -> None:
    item_id = _published(public_world)
    feed = as_user(None).get("/public/feed.atom", headers={"Host": "evil.example:8080"}).get_data(as_text=True)
    assert f"{BASE}/public/items/{item_id}" in feed and "evil.example" not in feed and "localhost" not in feed


def test_report_links_and_qr_codes_use_the_public_address(public_world: World) -> None:
    item_id = _published(public_world)
    data = report_data(public_world.app, Period.academic_year("2025-2026"))
    item_links = [link for entry in data.catalog_coverage for link in entry.links]
    assert f"{BASE}/public/items/{item_id}" in item_links
    assert all(link.startswith(BASE + "/") for link in item_links)
    assert records.verify_url(public_world.app, item_id, "ab" * 32).startswith(f"{BASE}/items/{item_id}/record/verify")


@pytest.mark.parametrize("value", ["xxgk.example.edu.cn", "ftp://xxgk.example.edu.cn", "https://", "",
                                   "https://xxgk.example.edu.cn/?a=1", "https://xxgk.example.edu.cn/#top",
                                   "https://xxgk example.edu.cn"])
def test_an_unusable_public_address_stops_the_instance_at_load(value: str) -> None:
    with pytest.raises(SettingsError, match="institution.base_url"):
        links.check(load_settings(overrides={"institution": {"base_url": value}}))


def test_links_are_joined_once_and_the_default_address_is_flagged_when_served_to_others() -> None:
    settings = load_settings(overrides={"institution": {"base_url": "https://www.example.edu.cn/xxgk/"}})
    links.check(settings)
    assert links.public_url(settings, "/public/") == "https://www.example.edu.cn/xxgk/public/"
    default = load_settings()
    assert links.loopback_warning(default, "127.0.0.1") is None
    assert "institution.base_url" in (links.loopback_warning(default, "0.0.0.0") or "")
    assert links.loopback_warning(settings, "0.0.0.0") is None
