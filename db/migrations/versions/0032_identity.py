"""Identity from the campus: 工号, directory link, how an account came to be, 企业微信 / 钉钉 user ids (issue 16)

``users.employee_no`` (工号, unique when set): what CAS attributes and the LDAP directory name a person by.
``users.auth_source``: ``local`` (made by an admin or the CLI), ``cas`` (provisioned at a first CAS login),
``ldap`` (made by a directory sync or an LDAP login). ``users.directory_dn``: the entry a directory sync
manages (a leaver is one whose entry is gone: deactivated, ``deactivated_at`` set, never deleted).
``users.wecom_userid`` / ``users.dingtalk_userid``: the person's id on 企业微信 / 钉钉 (messages go there).
``departments.directory_key``: the OU DN or attribute value a directory sync maps to the department.

Revision ID: 0032
Revises: 0031
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

_USER_TEXT = (("employee_no", 64), ("directory_dn", 500), ("wecom_userid", 64), ("dingtalk_userid", 64))


# Columns are added in place: a batch copy of ``users`` or ``departments`` (referred to by most tables) would
# run into their foreign keys on SQLite. Uniqueness is therefore a unique index, not a table constraint.
def upgrade() -> None:
    for name, length in _USER_TEXT:
        op.add_column("users", sa.Column(name, sa.String(length), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users ADD COLUMN auth_source VARCHAR(16) DEFAULT 'local' NOT NULL "
                   "CONSTRAINT ck_users_auth_source_known CHECK (auth_source IN ('local','cas','ldap'))")
    else:
        op.add_column("users", sa.Column("auth_source", sa.String(16), nullable=False, server_default="local"))
        op.create_check_constraint("ck_users_auth_source_known", "users", "auth_source IN ('local','cas','ldap')")
    op.add_column("users", sa.Column("deactivated_at", UTCDateTime(), nullable=True))
    op.create_index("ix_users_employee_no", "users", ["employee_no"], unique=True)
    op.create_index("ix_users_directory_dn", "users", ["directory_dn"])
    op.add_column("departments", sa.Column("directory_key", sa.String(200), nullable=True))
    op.create_index("ix_departments_directory_key", "departments", ["directory_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_departments_directory_key", table_name="departments")
    op.drop_column("departments", "directory_key")
    op.drop_index("ix_users_directory_dn", table_name="users")
    op.drop_index("ix_users_employee_no", table_name="users")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("ck_users_auth_source_known", "users", type_="check")
    for name in ("deactivated_at", "auth_source") + tuple(name for name, _length in reversed(_USER_TEXT)):
        op.drop_column("users", name)
