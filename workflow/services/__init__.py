"""Workflow verbs. Each verb is one database transaction, or nothing at all."""
