"""企业微信 (WeCom): application messages to people by userid, and group robot webhooks.

Per the public server API (developer.work.weixin.qq.com/document/path/91039, 90236, 91770):
``GET /cgi-bin/gettoken?corpid=&corpsecret=`` → ``access_token``, ``expires_in``;
``POST /cgi-bin/message/send?access_token=`` with a ``textcard`` message (``invaliduser`` lists the
userids it could not reach); ``POST /cgi-bin/webhook/send?key=`` for a group robot (``markdown``).
"""
from __future__ import annotations

from typing import Any

from workflow.i18n import N_, _
from workflow.messaging.config import Platform
from workflow.messaging.http import ErrorCodes, PermanentError, call, fetch_token, post_with_token
from workflow.messaging.tokens import TokenStore

CODES = ErrorCodes(
    token=frozenset({40001, 40014, 42001}),  # invalid secret-derived / invalid / expired access_token
    rate_limited=frozenset({45009, 45033}),  # API call frequency, too many concurrent calls
    bad_user=frozenset({81013, 60111, 40031}),  # every receiver invalid, userid not found, invalid user list
    bad_user_message=N_("企业微信找不到该用户（用户 ID 无效）：%(error)s"))


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (the platform counts bytes), never inside a character."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


class WecomClient:
    """Sends 企业微信 messages with the settings of ``[notify.wecom]``."""

    def __init__(self, app: Any, platform: Platform):
        self.platform = platform
        self.tokens = TokenStore(app, f"wecom:{platform.app_id}:{platform.agent_id}", self.fetch_token)

    def fetch_token(self) -> tuple[str, int]:
        """A new access token from ``/cgi-bin/gettoken``."""
        p = self.platform
        if not (p.app_id and p.secret):
            raise PermanentError(_("企业微信未配置（corp_id 或 secret 为空）"))
        return fetch_token(f"{p.api_base}/cgi-bin/gettoken", {"corpid": p.app_id, "corpsecret": p.secret}, p.timeout,
                           CODES)

    def send_card(self, userid: str, title: str, description: str, url: str) -> None:
        """A ``textcard`` to one person; an unknown userid fails for good, with the reason."""
        p = self.platform
        if not p.enabled:
            raise PermanentError(_("企业微信消息未启用"))
        body = {"touser": userid, "msgtype": "textcard", "agentid": p.agent_id,
                "textcard": {"title": clip(title, 128), "description": clip(description, 512),
                             "url": url, "btntxt": _("详情")}}
        data = post_with_token(f"{p.api_base}/cgi-bin/message/send", body, p.timeout, self.tokens, CODES)
        invalid = str(data.get("invaliduser", "") or "")
        if invalid:  # with errcode 0 (some receivers reached) or 81013 (none): this row's one receiver is unknown
            raise PermanentError(_("企业微信找不到该用户（用户 ID 无效）：%(ids)s", ids=invalid[:200]))
        CODES.check(data)

    def send_robot(self, department_code: str, text: str) -> None:
        """A ``markdown`` message to the department's group robot."""
        robot = self.platform.robot(department_code)
        if robot is None:
            raise PermanentError(_("部门 %(code)s 没有配置企业微信群机器人", code=department_code))
        data = call("POST", f"{self.platform.api_base}/cgi-bin/webhook/send", params={"key": robot["key"]},
                    json={"msgtype": "markdown", "markdown": {"content": clip(text, 4096)}},
                    timeout=self.platform.timeout)
        CODES.check(data)
