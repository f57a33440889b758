"""Rendering of reports: Jinja2 environment, charts, HTML and PDF."""
