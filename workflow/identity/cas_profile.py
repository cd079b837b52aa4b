"""From what the CAS server released to a Gongkai profile: username, 工号, name, e-mail, department, roles.

Pure (no database): the settings say which attribute carries what (``[auth.cas]``); ``role_mappings`` grant roles
and department scope at provisioning when an attribute (e.g. ``memberOf``) has a given value. A required
attribute that is missing is refused here, before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass

from db.models import ROLES
from workflow.identity.cas import CasAttributeMissing, CasConfig, CasIdentity
from workflow.i18n import N_

MAX_USERNAME = 64
MAX_EMPLOYEE_NO = 64


@dataclass(frozen=True)
class Profile:
    """The person as Gongkai will know them (department codes of the mappings; ``department_value`` as released)."""

    username: str
    employee_no: str
    display_name: str
    email: str
    department_value: str
    roles: tuple[str, ...]
    department_codes: tuple[str, ...]
    all_departments: bool


def _plain(value: str) -> bool:
    return bool(value) and not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)


def profile_of(config: CasConfig, identity: CasIdentity) -> Profile:
    """The profile of ``identity``; CasAttributeMissing when a needed attribute is absent or unusable."""
    username = identity.first(config.username_attribute) if config.username_attribute else identity.user.strip()
    if not username:
        raise CasAttributeMissing(N_("统一身份认证没有提供用户名（属性 %(attribute)s），无法登录，请联系管理员"),
                                  attribute=config.username_attribute)
    if len(username) > MAX_USERNAME or not _plain(username) or "/" in username:  # a "/" cannot be a page address part
        raise CasAttributeMissing(N_("统一身份认证提供的用户名无法用作本系统的用户名（最多64个字符），请联系管理员"),
                                  code="cas_attribute_invalid")
    employee_no = identity.first(config.employee_no_attribute) if config.employee_no_attribute else ""
    if config.employee_no_attribute and config.employee_no_required and not employee_no:
        raise CasAttributeMissing(N_("统一身份认证没有提供工号（属性 %(attribute)s），无法登录，请联系管理员"),
                                  attribute=config.employee_no_attribute)
    if len(employee_no) > MAX_EMPLOYEE_NO or (employee_no and not _plain(employee_no)):
        raise CasAttributeMissing(N_("统一身份认证提供的工号无效，请联系管理员"), code="cas_attribute_invalid")
    roles: set[str] = set(config.default_roles)
    codes: set[str] = set(config.default_departments)
    for mapping in config.role_mappings:
        if mapping.value in identity.attributes.get(mapping.attribute, ()):
            roles.update(mapping.roles)
            codes.update(mapping.departments)
    return Profile(
        username=username, employee_no=employee_no,
        display_name=(identity.first(config.display_name_attribute) if config.display_name_attribute else "")[:100],
        email=(identity.first(config.email_attribute) if config.email_attribute else "")[:254],
        department_value=(identity.first(config.department_attribute) if config.department_attribute else "")[:200],
        roles=tuple(sorted(role for role in roles if role in ROLES)),
        department_codes=tuple(sorted(code for code in codes if code != "*")), all_departments="*" in codes)
