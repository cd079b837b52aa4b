"""Campus identity: the protocols Gongkai speaks with a college's 统一身份认证 (CAS) and directory (issue 16).

Protocol code only (no database): the verbs that log people in live in ``workflow/services/``.
"""
