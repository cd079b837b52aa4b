"""``safe_next`` on its own, many examples: whatever it returns, a browser resolves to our host."""
from __future__ import annotations

from ada_url import URL
from hypothesis import given, settings
from hypothesis import strategies as st

from web.safe_redirect import safe_next

BASE = "https://gongkai.example.edu.cn/login?next=x"
TRICKY = st.text(alphabet=st.sampled_from(list("/\\\t\r\n\x00\x1f\x7f :.%@?#&=evil.xamp09AaDdCc5") +
                                          ["\u3000", "\ufeff", "\u2028", "\ud800", "奖", "ｅ", "／", "＼"]), max_size=40)


@settings(max_examples=1000, deadline=None)
@given(target=st.one_of(TRICKY, st.text(max_size=80), st.from_regex(r"\A/[ -~]{0,40}\Z")))
def test_whatever_is_accepted_stays_on_our_host(target: str) -> None:
    result = safe_next(target)
    if result is None:
        return
    resolved = URL(result, base=BASE)
    assert resolved.host == "gongkai.example.edu.cn" and resolved.protocol == "https:", (target, result)
    assert result.startswith("/") and not result.startswith("//") and result.isascii()


def test_plain_local_paths_pass_unchanged() -> None:
    assert safe_next("/items/3?tab=history#top") == "/items/3?tab=history#top"
    assert safe_next("/public/?q=%E5%A5%96") == "/public/?q=%E5%A5%96"
    assert safe_next("/public/?q=奖") == "/public/?q=%E5%A5%96"
