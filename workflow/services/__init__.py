"""Workflow verbs. Each verb is one database transaction, or nothing at all.

Importing the package registers every in-transaction hook, so that any process that runs
verbs (web, CLI, scheduler, tests) reacts to transitions the same way.
"""
import workflow.applications.hooks  # noqa: E402,F401  (reply approved → application replied)
import workflow.notifications  # noqa: E402,F401  (events → inbox and mail)
import workflow.reminders  # noqa: E402,F401  (stage entries → reminder ledger)
