"""Workflow verbs. Each verb is one database transaction, or nothing at all.

The in-transaction hooks the verbs run are registered by ``workflow.wiring.register_hooks()``.
"""
