"""Campus identity: the protocols Gongkai speaks with a college's 统一身份认证 (CAS) and its LDAP / Active
Directory directory (bind login and sync) — issue 16, docs/integration.md.

Protocol and directory code: the verbs that log people in live in ``workflow/services/``.
"""
