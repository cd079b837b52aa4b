"""Workflow verbs. Each verb is one database transaction, or nothing at all."""
import workflow.notifications  # noqa: E402,F401 (registers hooks)
