"""Publication channels (公开渠道): the codes the API accepts, their labels, which ones are online.

Defined once: the item form's choices, the item page, input validation, the yearly report's channel
table and its "网络渠道" figure all read ``Channel``.
"""
from __future__ import annotations

from workflow.i18n import N_
from workflow.vocabulary import Vocabulary, member


class Channel(Vocabulary):
    """A publication channel; ``network`` marks the online ones counted as 网络渠道 in the report."""

    network: bool

    def __new__(cls, value: str, label: str, network: bool) -> Channel:
        return member(cls, value, label=label, network=network)

    WEBSITE = "website", N_("学校网站"), True
    WECHAT = "wechat", N_("微信公众号"), True
    WEIBO = "weibo", N_("微博"), True
    APP = "app", N_("移动客户端"), True
    BULLETIN_BOARD = "bulletin_board", N_("宣传栏"), False
    LED_SCREEN = "led_screen", N_("电子显示屏"), False
    MEETING = "meeting", N_("会议"), False
    PRINT = "print", N_("纸质资料"), False
    OTHER = "other", N_("其他"), False


CODES: tuple[str, ...] = tuple(channel.value for channel in Channel)
NETWORK: frozenset[str] = frozenset(channel.value for channel in Channel if channel.network)
LABELS: dict[str, str] = Channel.labels()
