"""Talking to the LDAP / Active Directory server (ldap3): the service bind, paged searches, password checks.

Everything that can go wrong on the wire — server down or slow, TLS refused, the service account's
bind refused, a search base that does not exist — becomes ``ServiceUnavailable`` (HTTP 503) with a
clear message, never a traceback; a wrong user password is just ``False``.
"""
from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from typing import Any, Iterator

from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import (LDAPException, LDAPInvalidCredentialsResult, LDAPNoSuchObjectResult,
                                   LDAPOperationResult)
from ldap3.utils.conv import escape_filter_chars

from workflow.errors import ServiceUnavailable
from workflow.identity.dn import DnError, first_value, normalize_dn, parent_dn
from workflow.identity.ldap_config import LdapConfig

log = logging.getLogger(__name__)
SUCCESS = 0  # LDAP result code success (RFC 4511)
SIZE_LIMIT_EXCEEDED = 4  # LDAP result code sizeLimitExceeded (RFC 4511)


@dataclass(frozen=True)
class DirectoryPerson:
    """One person entry, read through the attribute mapping of the settings."""

    dn: str
    username: str
    employee_no: str | None
    name: str
    email: str | None
    wecom_userid: str | None
    dingtalk_userid: str | None
    department_key: str | None  # normalised parent DN (ou mode) or the attribute's value (attribute mode)

    @property
    def key(self) -> str:
        """The normalised DN: what ``users.directory_dn`` is compared by."""
        return normalize_dn(self.dn)


@dataclass(frozen=True)
class DirectoryDepartment:
    """One department entry under ``departments.base``."""

    dn: str
    code: str
    name: str

    @property
    def key(self) -> str:
        """The normalised DN: what ``departments.directory_key`` holds in ou mode."""
        return normalize_dn(self.dn)


def _unavailable(reason: str) -> ServiceUnavailable:
    log.warning("LDAP directory unavailable: %s", reason)
    # the reason goes to the log only: an anonymous login form must not learn the directory's address
    return ServiceUnavailable("目录服务（LDAP）暂时无法使用，请稍后再试或联系管理员", code="directory_unavailable")


def _server(config: LdapConfig) -> Server:
    secure = config.url.lower().startswith("ldaps://") or config.start_tls
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=config.ca_file or None) if secure else None
    return Server(config.url, connect_timeout=config.timeout_seconds, get_info=NONE, tls=tls)


def _connect(config: LdapConfig, user: str, password: str) -> Connection:
    """An open connection bound as ``user``; LDAPInvalidCredentialsResult for a wrong password."""
    connection = Connection(_server(config), user=user, password=password, auto_bind=False, read_only=True,
                            receive_timeout=config.timeout_seconds, raise_exceptions=True, auto_referrals=False)
    connection.open()
    if config.start_tls:
        connection.start_tls()
    connection.bind()
    return connection


def service_connection(config: LdapConfig) -> Connection:
    """A connection bound as the service account (``ServiceUnavailable`` when that is impossible)."""
    password = config.bind_password
    if config.bind_dn and not password:
        # An empty password would be an unauthenticated bind: it "succeeds" and sees nothing.
        raise ServiceUnavailable("目录服务（LDAP）服务账号的密码未设置（环境变量 %(env)s）", code="directory_misconfigured",
                                 env=config.bind_password_env or "-")
    try:
        return _connect(config, config.bind_dn, password)
    except LDAPInvalidCredentialsResult as error:
        log.error("LDAP service bind refused for %s", config.bind_dn)
        raise ServiceUnavailable("目录服务（LDAP）拒绝了服务账号的登录，请检查 bind_dn 与密码",
                                 code="directory_bind_refused") from error
    except LDAPException as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error


def _values(attributes: Any, name: str) -> list[str]:
    if not name or name not in attributes:
        return []
    value = attributes[name]
    items = value if isinstance(value, (list, tuple)) else [value]
    return [item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item) for item in items
            if item not in (None, "", b"")]


def _first(attributes: Any, *names: str) -> str | None:
    for name in names:
        found = _values(attributes, name)
        if found and found[0].strip():
            return found[0].strip()
    return None


def person_from_entry(config: LdapConfig, dn: str, attributes: Any) -> DirectoryPerson | None:
    """A person read through the mapping; None for an entry without a username (it cannot log in)."""
    username = _first(attributes, config.username_attribute)
    if not username or len(username) > 64:
        return None
    try:
        key = parent_dn(dn) if config.department_mode == "ou" else None
    except DnError:
        return None
    if config.department_mode == "attribute":
        key = _first(attributes, config.department_attribute)
    return DirectoryPerson(
        dn=dn, username=username,
        employee_no=(_first(attributes, config.employee_no_attribute) or None) if config.employee_no_attribute else None,
        name=(_first(attributes, *config.name_attributes) or username)[:100],
        email=_first(attributes, config.email_attribute) if config.email_attribute else None,
        wecom_userid=_first(attributes, config.wecom_attribute) if config.wecom_attribute else None,
        dingtalk_userid=_first(attributes, config.dingtalk_attribute) if config.dingtalk_attribute else None,
        department_key=key)


def _paged(connection: Connection, config: LdapConfig, base: str, search_filter: str,
           attributes: list[str]) -> Iterator[tuple[str, Any]]:
    """Every entry under ``base`` matching the filter, page by page (the server's size limit never cuts it short)."""
    try:
        for entry in connection.extend.standard.paged_search(base, search_filter, search_scope=SUBTREE,
                                                              attributes=attributes, paged_size=config.page_size,
                                                              generator=True):
            if entry.get("type") == "searchResEntry":
                yield entry["dn"], entry["attributes"]
    except LDAPNoSuchObjectResult as error:
        raise ServiceUnavailable("目录中不存在搜索基准 %(base)s，请检查 LDAP 设置", code="directory_misconfigured",
                                 base=base) from error
    except LDAPException as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    require_complete(connection.result)


def require_complete(result: dict[str, Any] | None) -> None:
    """Refuse a search that did not end in success (``ServiceUnavailable``, code ``directory_truncated``).

    ldap3 does not raise for sizeLimitExceeded, timeLimitExceeded, referral and the other codes of
    ``DO_NOT_RAISE_EXCEPTIONS``: a cut-short list would make everyone missing from it look like a leaver.
    """
    code = (result or {}).get("result", SUCCESS)
    if code == SUCCESS:
        return
    log.warning("LDAP search ended with result %s (%s)", code, (result or {}).get("description"))
    if code == SIZE_LIMIT_EXCEEDED:
        raise ServiceUnavailable("目录服务（LDAP）只返回了部分条目（超出服务器的条数限制），同步已停止；"
                                 "请为服务账号放宽 sizelimit 或确认服务器支持分页搜索", code="directory_truncated")
    raise ServiceUnavailable("目录服务（LDAP）的搜索未完整结束（结果码 %(result)s），同步已停止；请检查服务器的时间限制等设置",
                             code="directory_truncated", result=code)


def people(connection: Connection, config: LdapConfig) -> Iterator[DirectoryPerson]:
    """Every person the user filter selects under ``user_base`` (disabled accounts are left out by the filter)."""
    for dn, attributes in _paged(connection, config, config.user_base, config.user_filter, config.person_attributes()):
        person = person_from_entry(config, dn, attributes)
        if person is not None:
            yield person


def departments(connection: Connection, config: LdapConfig) -> Iterator[DirectoryDepartment]:
    """The department entries under ``departments.base`` (none when no base is set)."""
    if not config.department_base:
        return
    base_key = normalize_dn(config.department_base)
    wanted = sorted({config.department_code_attribute, *config.department_name_attributes})
    for dn, attributes in _paged(connection, config, config.department_base, config.department_filter, wanted):
        try:
            if normalize_dn(dn) == base_key:
                continue  # the base itself is the container, not a department
            fallback = first_value(dn)
        except DnError:
            continue
        code = (_first(attributes, config.department_code_attribute) or fallback)[:32]
        yield DirectoryDepartment(dn=dn, code=code, name=(_first(attributes, *config.department_name_attributes)
                                                          or code)[:100])


def find_person(connection: Connection, config: LdapConfig, username: str) -> DirectoryPerson | None:
    """The one person with this username (escaped into the filter), or None (none, or ambiguous)."""
    search_filter = f"(&{config.user_filter}({config.username_attribute}={escape_filter_chars(username)}))"
    try:
        connection.search(config.user_base, search_filter, search_scope=SUBTREE,
                          attributes=config.person_attributes(), size_limit=2)
    except LDAPNoSuchObjectResult as error:
        raise ServiceUnavailable("目录中不存在搜索基准 %(base)s，请检查 LDAP 设置", code="directory_misconfigured",
                                 base=config.user_base) from error
    except LDAPOperationResult as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    except LDAPException as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    entries = [entry for entry in connection.response or [] if entry.get("type") == "searchResEntry"]
    if len(entries) != 1:  # two entries share the name (the size limit of 2 cut the search): refuse both
        return None
    return person_from_entry(config, entries[0]["dn"], entries[0]["attributes"])


def check_password(config: LdapConfig, username: str, password: str) -> DirectoryPerson | None:
    """Search-then-bind: the person when ``password`` is theirs, else None. Never binds with an empty password."""
    if not username or not password or len(username) > 64:
        return None  # refused before any bind: an empty password is an "unauthenticated bind" that succeeds
    connection = service_connection(config)
    try:
        person = find_person(connection, config, username)
    finally:
        connection.unbind()
    if person is None:
        return None
    try:
        _connect(config, person.dn, password).unbind()
    except LDAPInvalidCredentialsResult:
        return None
    except LDAPOperationResult as error:  # e.g. account locked or expired (AD: invalidCredentials with data)
        log.info("LDAP bind for %s refused: %s", person.dn, error)
        return None
    except LDAPException as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    return person
