"""The ``[auth.ldap]`` settings as one typed value (docs/integration.md, "LDAP / Active Directory")."""
from __future__ import annotations

import os
from dataclasses import dataclass

from workflow.errors import ServiceUnavailable
from workflow.settings import Settings

DEPARTMENT_MODES = ("ou", "attribute", "none")


@dataclass(frozen=True)
class LdapConfig:
    """Where the directory is, how to find people and departments in it, and how the sync behaves."""

    enabled: bool
    url: str
    start_tls: bool
    ca_file: str
    timeout_seconds: int
    bind_dn: str
    bind_password_env: str
    user_base: str
    user_filter: str
    page_size: int
    username_attribute: str
    employee_no_attribute: str
    name_attributes: tuple[str, ...]
    email_attribute: str
    wecom_attribute: str
    dingtalk_attribute: str
    department_mode: str
    department_attribute: str
    department_base: str
    department_filter: str
    department_code_attribute: str
    department_name_attributes: tuple[str, ...]
    default_roles: tuple[str, ...]
    sync_time: str
    max_deactivate_share: float
    batch_size: int

    @property
    def bind_password(self) -> str:
        """The service account's password, read from the environment variable the settings name (never a file)."""
        return os.environ.get(self.bind_password_env, "") if self.bind_password_env else ""

    def person_attributes(self) -> list[str]:
        """Every attribute a person search asks for (empty names left out)."""
        names = [self.username_attribute, self.employee_no_attribute, *self.name_attributes, self.email_attribute,
                 self.wecom_attribute, self.dingtalk_attribute]
        if self.department_mode == "attribute":
            names.append(self.department_attribute)
        return sorted({name for name in names if name})


def _names(value: object) -> tuple[str, ...]:
    """A setting that may be one attribute name or a list of them (first present wins)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(part).strip() for part in (value or ()) if str(part).strip())


def ldap_config(settings: Settings) -> LdapConfig:
    """Read ``[auth.ldap]``; an enabled directory without url or user base is a configuration error."""
    get = settings.get
    config = LdapConfig(
        enabled=bool(get("auth.ldap.enabled", False)),
        url=str(get("auth.ldap.url", "") or "").strip(),
        start_tls=bool(get("auth.ldap.start_tls", False)),
        ca_file=str(get("auth.ldap.ca_file", "") or ""),
        timeout_seconds=max(1, int(get("auth.ldap.timeout_seconds", 10))),
        bind_dn=str(get("auth.ldap.bind_dn", "") or ""),
        bind_password_env=str(get("auth.ldap.bind_password_env", "GONGKAI_LDAP_PASSWORD") or ""),
        user_base=str(get("auth.ldap.user_base", "") or ""),
        user_filter=str(get("auth.ldap.user_filter", "(objectClass=inetOrgPerson)") or "(objectClass=inetOrgPerson)"),
        page_size=max(1, int(get("auth.ldap.page_size", 500))),
        username_attribute=str(get("auth.ldap.attributes.username", "uid")),
        employee_no_attribute=str(get("auth.ldap.attributes.employee_no", "employeeNumber") or ""),
        name_attributes=_names(get("auth.ldap.attributes.name", ["displayName", "cn"])),
        email_attribute=str(get("auth.ldap.attributes.email", "mail") or ""),
        wecom_attribute=str(get("auth.ldap.attributes.wecom_userid", "") or ""),
        dingtalk_attribute=str(get("auth.ldap.attributes.dingtalk_userid", "") or ""),
        department_mode=str(get("auth.ldap.departments.mode", "ou")),
        department_attribute=str(get("auth.ldap.departments.attribute", "") or ""),
        department_base=str(get("auth.ldap.departments.base", "") or ""),
        department_filter=str(get("auth.ldap.departments.filter", "(objectClass=organizationalUnit)")),
        department_code_attribute=str(get("auth.ldap.departments.code_attribute", "ou") or "ou"),
        department_name_attributes=_names(get("auth.ldap.departments.name_attribute", ["description", "ou"])),
        default_roles=_names(get("auth.ldap.sync.default_roles", [])),
        sync_time=str(get("auth.ldap.sync.time", "02:30")),
        max_deactivate_share=float(get("auth.ldap.sync.max_deactivate_share", 0.2)),
        batch_size=max(1, int(get("auth.ldap.sync.batch_size", 200))),
    )
    if config.enabled and (not config.url or not config.user_base or not config.username_attribute):
        raise ServiceUnavailable("目录服务（LDAP）配置不完整：请设置 url 和 user_base", code="directory_misconfigured")
    if config.department_mode not in DEPARTMENT_MODES:
        raise ServiceUnavailable("目录服务（LDAP）配置有误：部门对应方式只能是 ou、attribute 或 none",
                                 code="directory_misconfigured")
    return config
