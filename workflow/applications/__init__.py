"""Requests for disclosure (依申请公开): the statutory clock, outcomes, reply letters, statistics.

Pure modules (no database): ``clock``, ``outcomes``, ``letter``, ``stats``. The verbs live in
``workflow.services.applications``; ``hooks`` links reply items to their applications.
"""
