"""Jinja2 templates (``templates/``) and their static assets (``static/``)."""
