"""Gongkai web layer: thin Flask views over workflow verbs."""
from web.app import create_app

__all__ = ["create_app"]
