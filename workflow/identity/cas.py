"""CAS 2.0 / 3.0 client side (the campus 统一身份认证): settings, URLs, ticket validation, single-logout requests.

python-cas (``cas.CASClient``) builds the login and logout URLs and sends the validation request
(``serviceValidate`` for version 2, ``p3/serviceValidate`` for version 3). Its answer is read here rather than by
python-cas's own parser because that parser cannot tell a refused ticket (``INVALID_TICKET``: wrong, expired or
already used) from a ticket issued to another service (``INVALID_SERVICE``) or from a page that is not CAS at all,
and reads input of any size. Here every answer and every single-logout request goes through one hardened parser:
bounded size, no DTD, no entities, no network.

The service URL is built from ``institution.base_url`` (workflow/links.py), never from the Host header of a request:
a forged Host would otherwise send tickets to another site.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
from cas import CASClient
from lxml import etree
from urllib3.exceptions import HTTPError, ReadTimeoutError

from workflow import links
from workflow.errors import BadInput, DomainError
from workflow.i18n import N_

CALLBACK_PATH = "/login/cas/callback"
CAS_NS = "http://www.yale.edu/tp/cas"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
MAX_RESPONSE_BYTES = 64 * 1024  # a validation answer is a few hundred bytes; more is not a CAS server talking
MAX_LOGOUT_REQUEST_BYTES = 8 * 1024
MAX_TICKET_LENGTH = 256  # CAS 3.0 §3.1: services must accept tickets of up to 256 characters
DEPARTMENT_MATCHES = ("code", "name", "directory_key")


class CasUnreachable(DomainError):
    """The CAS server refused the connection or could not be reached."""

    status, code = 502, "cas_unreachable"


class CasTimeout(DomainError):
    """The CAS server did not answer within ``auth.cas.timeout_seconds``."""

    status, code = 504, "cas_timeout"


class CasBadResponse(DomainError):
    """The validation answer was not a CAS service response."""

    status, code = 502, "cas_bad_response"


class CasTicketRefused(DomainError):
    """The CAS server refused the ticket (wrong, expired, used before, or issued to another service)."""

    status, code = 401, "cas_ticket_refused"


class CasAttributeMissing(DomainError):
    """The CAS server vouched for the person but did not release an attribute Gongkai needs."""

    status, code = 403, "cas_attribute_missing"


@dataclass(frozen=True)
class RoleMapping:
    """Roles (and department scope) granted at provisioning when ``attribute`` has ``value`` (one of its values)."""

    attribute: str
    value: str
    roles: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class CasConfig:
    """The ``[auth.cas]`` settings (config/default.toml documents each key)."""

    enabled: bool
    server_url: str
    version: int = 3
    timeout_seconds: float = 10.0
    username_attribute: str = ""
    employee_no_attribute: str = "employeeNumber"
    employee_no_required: bool = True
    display_name_attribute: str = "cn"
    email_attribute: str = "mail"
    department_attribute: str = "ou"
    department_match: str = "code"
    default_roles: tuple[str, ...] = ()
    default_departments: tuple[str, ...] = ()
    role_mappings: tuple[RoleMapping, ...] = field(default_factory=tuple)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(str(v) for v in (value or ()) if str(v))


def config(settings: Any) -> CasConfig:
    """The CAS settings; a bad value raises ``SettingsError`` (checked when the instance starts)."""
    from workflow.settings import SettingsError
    raw = settings.get("auth.cas", {}) or {}
    version = int(raw.get("version", 3))
    match = str(raw.get("department_match", "code"))
    if version not in (2, 3):
        raise SettingsError(f"auth.cas.version must be 2 or 3, not {version!r}")
    if match not in DEPARTMENT_MATCHES:
        raise SettingsError(f"auth.cas.department_match must be one of {', '.join(DEPARTMENT_MATCHES)}, not {match!r}")
    mappings = tuple(RoleMapping(attribute=str(m.get("attribute", "")), value=str(m.get("value", "")),
                                 roles=_strings(m.get("roles")), departments=_strings(m.get("departments")))
                     for m in raw.get("role_mappings", []) or [])
    cas_config = CasConfig(
        enabled=bool(raw.get("enabled", False)), server_url=str(raw.get("server_url", "") or ""), version=version,
        timeout_seconds=float(raw.get("timeout_seconds", 10)),
        username_attribute=str(raw.get("username_attribute", "") or ""),
        employee_no_attribute=str(raw.get("employee_no_attribute", "") or ""),
        employee_no_required=bool(raw.get("employee_no_required", True)),
        display_name_attribute=str(raw.get("display_name_attribute", "") or ""),
        email_attribute=str(raw.get("email_attribute", "") or ""),
        department_attribute=str(raw.get("department_attribute", "") or ""), department_match=match,
        default_roles=_strings(raw.get("default_roles")), default_departments=_strings(raw.get("default_departments")),
        role_mappings=mappings)
    from db.models import ROLES
    granted = {role for mapping in mappings for role in mapping.roles} | set(cas_config.default_roles)
    unknown = sorted(role for role in granted if role not in ROLES)
    if unknown:
        raise SettingsError(f"auth.cas: unknown roles {', '.join(unknown)} (drafter, reviewer, approver, admin)")
    if cas_config.enabled and not cas_config.server_url.startswith(("https://", "http://")):
        raise SettingsError("auth.cas.server_url must be the CAS server's address, e.g. https://cas.example.edu.cn/cas/")
    return cas_config


def service_url(settings: Any, next_path: str | None = None, state: str | None = None) -> str:
    """The service URL CAS sends the browser back to: ``institution.base_url`` + the callback (+ ``next``, + the
    browser's login ``state``: the ticket is issued for this exact URL, so it is bound to the browser that asked)."""
    url = links.public_url(settings, CALLBACK_PATH)
    query = {key: value for key, value in (("next", next_path), ("state", state)) if value}
    return f"{url}?{urlencode(query)}" if query else url


class _BoundedSession(requests.Session):
    """A requests session for python-cas: a timeout on every call, no redirects, and at most ``MAX_RESPONSE_BYTES``
    read within the timeout overall (a server dripping bytes is as slow as one that does not answer)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        self.trust_env = False  # no proxy from the environment: the CAS server is on the campus network

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["timeout"] = self.timeout
        kwargs["stream"] = True
        kwargs["allow_redirects"] = False
        deadline = time.monotonic() + self.timeout
        response = super().request(method, url, *args, **kwargs)
        body = bytearray()
        try:
            while True:
                # read1: whatever has arrived (up to 8 KiB), so the overall deadline is checked as bytes trickle in.
                chunk = response.raw.read1(8192, decode_content=True)
                if not chunk:
                    break
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise CasBadResponse(N_("统一身份认证服务器的应答过长，不是有效的 CAS 应答"))
                if time.monotonic() > deadline:
                    raise requests.Timeout("CAS answer too slow")
        except ReadTimeoutError as stalled:
            raise requests.Timeout("CAS answer stalled") from stalled
        except HTTPError as broken:
            raise requests.ConnectionError(broken) from broken
        finally:
            response.close()
        response._content = bytes(body)  # what python-cas reads as ``page.content``
        return response


def client(cas_config: CasConfig, service: str) -> Any:
    """The python-cas client of this service URL (version 2: serviceValidate; 3: p3/serviceValidate)."""
    server = cas_config.server_url if cas_config.server_url.endswith("/") else cas_config.server_url + "/"
    return CASClient(version=cas_config.version, server_url=server, service_url=service,
                     session=_BoundedSession(cas_config.timeout_seconds))


def login_url(cas_config: CasConfig, service: str) -> str:
    """Where to send the browser to log in at the CAS server."""
    return str(client(cas_config, service).get_login_url())


def logout_url(cas_config: CasConfig, return_to: str) -> str:
    """The CAS server's ``/logout`` (ends the single sign-on session), coming back to ``return_to``."""
    return str(client(cas_config, "").get_logout_url(return_to))


def check_ticket(ticket: str | None) -> str:
    """The ticket of a callback, or BadInput: none, too long, or not a service ticket (``ST-…``, CAS 3.0 §3.1)."""
    ticket = (ticket or "").strip()
    if not ticket:
        raise BadInput(N_("缺少登录票据：请从「统一身份认证登录」重新登录"), code="cas_ticket_missing")
    if len(ticket) > MAX_TICKET_LENGTH or not ticket.startswith("ST-") or not ticket.isascii() \
            or any(ch.isspace() or ord(ch) < 0x20 for ch in ticket):
        raise BadInput(N_("登录票据格式无效：请从「统一身份认证登录」重新登录"), code="cas_ticket_invalid")
    return ticket


@dataclass(frozen=True)
class CasIdentity:
    """Whom the CAS server vouched for: the user id and the released attributes (each a tuple of values)."""

    user: str
    attributes: dict[str, tuple[str, ...]]

    def first(self, name: str) -> str:
        """The first non-empty value of attribute ``name`` ('' when absent)."""
        return next((v.strip() for v in self.attributes.get(name, ()) if v.strip()), "")


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network, no huge trees: the answer comes from the network.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True, dtd_validation=False)


def parse_xml(body: bytes, limit: int) -> Any:
    """The root element of ``body``, or None when it is too big, not XML, or carries a DOCTYPE."""
    if not body or len(body) > limit:
        return None
    try:
        root = etree.fromstring(body, parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.getroottree().docinfo.doctype:
        return None
    return root


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def parse_service_response(body: bytes) -> CasIdentity:
    """Read a ``serviceValidate`` / ``p3/serviceValidate`` answer (CAS 3.0 §2.5–2.6, appendix A).

    Success: the ``cas:user`` and the ``cas:attributes`` (repeated elements are multiple values).
    ``cas:authenticationFailure``: CasTicketRefused (INVALID_SERVICE says the ticket was for another site);
    anything else: CasBadResponse."""
    root = parse_xml(body, MAX_RESPONSE_BYTES)
    if root is None or root.tag != f"{{{CAS_NS}}}serviceResponse" or len(root) != 1:
        raise CasBadResponse(N_("统一身份认证服务器的应答不是有效的 CAS 应答，请稍后再试或联系管理员"))
    outcome = root[0]
    if outcome.tag == f"{{{CAS_NS}}}authenticationFailure":
        if outcome.get("code", "") == "INVALID_SERVICE":
            raise CasTicketRefused(N_("登录票据不是发给本系统的：请从本系统的「统一身份认证登录」重新登录"),
                                   code="cas_invalid_service")
        raise CasTicketRefused(N_("登录票据无效、已过期或已经用过：请从「统一身份认证登录」重新登录"))
    if outcome.tag != f"{{{CAS_NS}}}authenticationSuccess":
        raise CasBadResponse(N_("统一身份认证服务器的应答不是有效的 CAS 应答，请稍后再试或联系管理员"))
    user = outcome.find(f"{{{CAS_NS}}}user")
    name = _text(user) if user is not None else ""
    if not name:
        raise CasBadResponse(N_("统一身份认证服务器的应答不是有效的 CAS 应答，请稍后再试或联系管理员"))
    attributes: dict[str, list[str]] = {}
    holder = outcome.find(f"{{{CAS_NS}}}attributes")
    for element in holder if holder is not None else ():
        if isinstance(element.tag, str):
            local = etree.QName(element).localname
            attributes.setdefault(local, []).append(_text(element))
    return CasIdentity(name, {key: tuple(values) for key, values in attributes.items()})


def validate(cas_config: CasConfig, service: str, ticket: str) -> CasIdentity:
    """Validate ``ticket`` for ``service`` at the CAS server (server to server, within the timeout)."""
    try:
        body = client(cas_config, service).get_verification_response(ticket)
    except requests.Timeout as slow:
        raise CasTimeout(N_("统一身份认证服务器在 %(seconds)s 秒内没有应答，请稍后再试"),
                         seconds=f"{cas_config.timeout_seconds:g}") from slow
    except requests.RequestException as down:
        raise CasUnreachable(N_("无法连接统一身份认证服务器，请稍后再试或联系管理员")) from down
    return parse_service_response(body)


def logout_request_ticket(form_value: str | None) -> str:
    """The service ticket named by a CAS single-logout request (SAML 2 ``LogoutRequest``, CAS 3.0 §2.3.3).

    Only a well-formed request is accepted: root ``samlp:LogoutRequest`` with an ``ID`` and one non-empty
    ``samlp:SessionIndex``; anything else is BadInput."""
    body = (form_value or "").encode("utf-8")
    root = parse_xml(body, MAX_LOGOUT_REQUEST_BYTES)
    indexes = root.findall(f"{{{SAMLP_NS}}}SessionIndex") if root is not None else []
    if root is None or root.tag != f"{{{SAMLP_NS}}}LogoutRequest" or not root.get("ID") or len(indexes) != 1:
        raise BadInput(N_("不是有效的单点退出请求"), code="cas_bad_logout_request")
    ticket = _text(indexes[0])
    if not ticket or len(ticket) > MAX_TICKET_LENGTH:
        raise BadInput(N_("不是有效的单点退出请求"), code="cas_bad_logout_request")
    return ticket
