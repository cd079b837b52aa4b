"""钉钉 (DingTalk): work notifications to people by userid, and signed group robots.

Per the public server API (open.dingtalk.com): the access token of an internal application from the oapi
host, ``GET /gettoken?appkey=&appsecret=`` → ``access_token``, ``expires_in`` (not the v1.0
``/v1.0/oauth2/accessToken``: one host and one error scheme for every call here); a work notification
``POST /topapi/message/corpconversation/asyncsend_v2?access_token=`` with ``agent_id``, ``userid_list``
(comma-separated) and an ``action_card`` message; a group robot ``POST /robot/send?access_token=&timestamp=&sign=``
where ``sign`` is the Base64 HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` keyed by the secret (URL-encoded in
the query).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from workflow.i18n import N_, _
from workflow.messaging.config import Platform
from workflow.messaging.http import ErrorCodes, PermanentError, call, fetch_token, post_with_token
from workflow.messaging.tokens import TokenStore

CODES = ErrorCodes(
    token=frozenset({40001, 40014, 42001}),  # invalid credential / invalid access_token / expired
    rate_limited=frozenset({90018, 90002, 130101}),  # call frequency limits of the API and of robots
    bad_user=frozenset({33012, 60121}),  # invalid userid, user not found
    bad_user_message=N_("钉钉找不到该用户（用户 ID 无效）：%(error)s"))


def sign(timestamp_ms: int, secret: str) -> str:
    """The robot signature: Base64 of HMAC-SHA256(key=secret, ``"{timestamp}\\n{secret}"``) (not yet URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingtalkClient:
    """Sends 钉钉 messages with the settings of ``[notify.dingtalk]``."""

    def __init__(self, app: Any, platform: Platform):
        self.platform = platform
        self.tokens = TokenStore(app, f"dingtalk:{platform.app_id}", self.fetch_token)

    def fetch_token(self) -> tuple[str, int]:
        """A new access token from ``/gettoken``."""
        p = self.platform
        if not (p.app_id and p.secret):
            raise PermanentError(_("钉钉未配置（app_key 或 app_secret 为空）"))
        return fetch_token(f"{p.api_base}/gettoken", {"appkey": p.app_id, "appsecret": p.secret}, p.timeout, CODES)

    def send_card(self, userid: str, title: str, markdown: str, url: str) -> None:
        """An ``action_card`` work notification to one person."""
        p = self.platform
        if not p.enabled:
            raise PermanentError(_("钉钉消息未启用"))
        body = {"agent_id": p.agent_id, "userid_list": userid,
                "msg": {"msgtype": "action_card",
                        "action_card": {"title": title[:100], "markdown": markdown[:4000],
                                        "single_title": _("查看详情"), "single_url": url}}}
        path = f"{p.api_base}/topapi/message/corpconversation/asyncsend_v2"
        CODES.check(post_with_token(path, body, p.timeout, self.tokens, CODES))

    def send_robot(self, department_code: str, title: str, text: str) -> None:
        """A ``markdown`` message to the department's signed group robot."""
        robot = self.platform.robot(department_code)
        if robot is None:
            raise PermanentError(_("部门 %(code)s 没有配置钉钉群机器人", code=department_code))
        params = {"access_token": robot["access_token"]}
        if robot["secret"]:
            timestamp = int(time.time() * 1000)  # the platform checks it against its own clock (±1 hour)
            params.update(timestamp=str(timestamp), sign=sign(timestamp, robot["secret"]))
        data = call("POST", f"{self.platform.api_base}/robot/send", params=params,
                    json={"msgtype": "markdown", "markdown": {"title": title[:100], "text": text[:4000]}},
                    timeout=self.platform.timeout)
        CODES.check(data)
