"""Requests for disclosure (依申请公开): a workflow of its own, the statutory clock, replies, statistics.

``spec`` declares the states and actions (a ``workflow.spec.WorkflowSpec``); ``transition`` takes an
action inside a session; the actions' rules live in ``clock_actions`` and ``reply``; ``intake``,
``remedies``, ``reads`` and ``figures`` do the rest, each inside the caller's session. The verbs (one
transaction each) are ``workflow.services.applications``. Pure modules (no database):
``statutory_clock``, ``outcomes``, ``letter``, ``stats``, ``vocabulary``.
"""
