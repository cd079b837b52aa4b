"""The CAS protocol side (workflow/identity/): reading validation answers and single-logout requests safely,
mapping released attributes to a profile, and the [auth.cas] settings. No server here (see tests/web/test_cas_*)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from workflow.identity import cas
from workflow.identity.cas_profile import profile_of
from workflow.settings import SettingsError, load_settings

SUCCESS = b"""<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
 <cas:authenticationSuccess>
  <cas:user>lisi</cas:user>
  <cas:attributes>
   <cas:employeeNumber>20250002</cas:employeeNumber>
   <cas:cn>\xe6\x9d\x8e\xe5\x9b\x9b</cas:cn>
   <cas:memberOf>staff</cas:memberOf>
   <cas:memberOf>xxgk-reviewer</cas:memberOf>
  </cas:attributes>
 </cas:authenticationSuccess>
</cas:serviceResponse>"""
FAILURE = b"""<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
 <cas:authenticationFailure code="%s">Ticket ST-1 not recognized</cas:authenticationFailure>
</cas:serviceResponse>"""
BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>&lol3;</cas:user>
</cas:authenticationSuccess></cas:serviceResponse>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>&x;</cas:user>
</cas:authenticationSuccess></cas:serviceResponse>"""


def test_success_carries_user_and_multivalued_attributes() -> None:
    identity = cas.parse_service_response(SUCCESS)
    assert identity.user == "lisi"
    assert identity.attributes == {"employeeNumber": ("20250002",), "cn": ("李四",),
                                   "memberOf": ("staff", "xxgk-reviewer")}


@pytest.mark.parametrize(("code", "error"), [(b"INVALID_TICKET", "cas_ticket_refused"),
                                             (b"INVALID_SERVICE", "cas_invalid_service"),
                                             (b"INTERNAL_ERROR", "cas_ticket_refused")])
def test_failures_are_told_apart(code: bytes, error: str) -> None:
    with pytest.raises(cas.CasTicketRefused) as refused:
        cas.parse_service_response(FAILURE % code)
    assert refused.value.code == error


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, b"", b"<html><body>down</body></html>", b"INVALID",
                                  b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'/>",
                                  SUCCESS.replace(b"lisi", b""), SUCCESS + b" " * cas.MAX_RESPONSE_BYTES])
def test_anything_else_is_a_bad_response(body: bytes) -> None:
    with pytest.raises(cas.CasBadResponse):
        cas.parse_service_response(body)


@hsettings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: SUCCESS.replace(b"lisi", t.encode("utf-8"))))
def test_no_input_breaks_the_parser(body: bytes) -> None:
    try:
        identity = cas.parse_service_response(body)
    except (cas.CasBadResponse, cas.CasTicketRefused):
        return
    assert identity.user and identity.user == identity.user.strip()


def test_logout_request_names_its_ticket() -> None:
    request = ('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x1" Version="2.0" '
               'IssueInstant="2025-09-26T02:00:00Z"><samlp:SessionIndex> ST-7-abc </samlp:SessionIndex>'
               '</samlp:LogoutRequest>')
    assert cas.logout_request_ticket(request) == "ST-7-abc"


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=1000))
def test_logout_request_parser_refuses_garbage_cleanly(text: str) -> None:
    from workflow.errors import BadInput
    try:
        ticket = cas.logout_request_ticket(text)
    except BadInput:
        return
    assert ticket and len(ticket) <= cas.MAX_TICKET_LENGTH


@pytest.mark.parametrize("ticket", [None, "", "  ", "PT-1-x", "ST-1 x", "ST-" + "a" * 300, "ST-票"])
def test_callback_tickets_are_checked_before_any_call(ticket: str | None) -> None:
    from workflow.errors import BadInput
    with pytest.raises(BadInput):
        cas.check_ticket(ticket)


def _config(**cas_settings: object) -> cas.CasConfig:
    return cas.config(load_settings(overrides={"auth": {"cas": {"enabled": True,
                                                                "server_url": "https://cas.example.edu.cn/cas/",
                                                                **cas_settings}}}))


def test_profile_from_attributes_and_role_mappings() -> None:
    config = _config(role_mappings=[{"attribute": "memberOf", "value": "xxgk-reviewer", "roles": ["reviewer"],
                                     "departments": ["xsc"]},
                                    {"attribute": "memberOf", "value": "xxgk-office", "roles": ["admin"],
                                     "departments": ["*"]}])
    profile = profile_of(config, cas.parse_service_response(SUCCESS))
    assert (profile.username, profile.employee_no, profile.display_name) == ("lisi", "20250002", "李四")
    assert (profile.roles, profile.department_codes, profile.all_departments) == (("reviewer",), ("xsc",), False)
    assert profile_of(_config(), cas.parse_service_response(SUCCESS)).roles == ()
    by_attribute = profile_of(_config(username_attribute="employeeNumber"), cas.parse_service_response(SUCCESS))
    assert by_attribute.username == "20250002"


def test_missing_required_attribute_is_refused() -> None:
    identity = cas.CasIdentity("wangwu", {"cn": ("王五",)})
    with pytest.raises(cas.CasAttributeMissing, match="employeeNumber"):
        profile_of(_config(), identity)
    assert profile_of(_config(employee_no_required=False), identity).employee_no == ""


@pytest.mark.parametrize("username", ["ou=xsc/zhangsan", "a" * 65, "li\x00si"])
def test_a_username_that_cannot_be_one_here_is_refused(username: str) -> None:
    identity = cas.CasIdentity(username, {"employeeNumber": ("20250001",)})
    with pytest.raises(cas.CasAttributeMissing) as refused:
        profile_of(_config(), identity)
    assert refused.value.code == "cas_attribute_invalid"


@pytest.mark.parametrize("bad", [{"version": 4}, {"department_match": "ou"}, {"default_roles": ["boss"]},
                                 {"server_url": "cas.example.edu.cn"}])
def test_unusable_settings_are_refused_at_load(bad: dict[str, object]) -> None:
    with pytest.raises(SettingsError):
        _config(**bad)


def test_service_url_comes_from_base_url() -> None:
    settings = load_settings(overrides={"institution": {"base_url": "https://xxgk.example.edu.cn/"}})
    assert cas.service_url(settings) == "https://xxgk.example.edu.cn/login/cas/callback"
    assert cas.service_url(settings, "/items/3?x=1") == \
        "https://xxgk.example.edu.cn/login/cas/callback?next=%2Fitems%2F3%3Fx%3D1"
