"""Departments, users, their roles and scope, API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Table, Column, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base
from db.types import UTCDateTime

ROLES = ("drafter", "reviewer", "approver", "admin")
NOTIFY_PREFS = ("instant", "daily_digest", "off")

user_departments = Table(
    "user_departments",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Department(Base):
    """An organisational unit that publishes items (党政办公室, 学生处 …)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The OU DN or attribute value a directory sync maps to this department (docs/integration.md).
    directory_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True, index=True)


class UserRole(Base):
    """One role held by a user; a user may hold several."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint("role IN ('drafter','reviewer','approver','admin')", name="role_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class User(Base):
    """A staff member. Scope is a set of departments, or all of them (``*``)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("notify_pref IN ('instant','daily_digest','off')", name="notify_pref_known"),
        CheckConstraint("auth_source IN ('local','cas','ldap')", name="auth_source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    all_departments: Mapped[bool] = mapped_column(Boolean, default=False)
    is_department_head: Mapped[bool] = mapped_column(Boolean, default=False)
    is_office_head: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_pref: Mapped[str] = mapped_column(String(16), default="daily_digest")
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    employee_no: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, index=True)  # 工号
    # local: made by an admin or the CLI; cas: provisioned at a first CAS login; ldap: by a directory sync or login
    auth_source: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    directory_dn: Mapped[str | None] = mapped_column(String(500), nullable=True, index=True)  # managed by the sync
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    wecom_userid: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 企业微信 userid
    dingtalk_userid: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 钉钉 userid
    im_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # wants 企业微信/钉钉 messages

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    departments: Mapped[list[Department]] = relationship(secondary=user_departments, lazy="selectin")

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def department_ids(self) -> frozenset[int]:
        return frozenset(dept.id for dept in self.departments)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored. Expires, can be revoked, records its last use."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # NULL: never expires (only tokens from before migration 0012 that an operator chose to keep).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


__all__ = ["ROLES", "NOTIFY_PREFS", "Department", "User", "UserRole", "ApiToken", "user_departments", "UniqueConstraint"]
