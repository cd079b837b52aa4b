"""Jinja2 templates of the HTML yearly report (a package so that setuptools ships them)."""
