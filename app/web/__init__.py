"""The HTTP glue between the routes and the services: dependencies, error responses,
middleware (headers, body limit, language, request id), what page routes share
(templates and their gettext, login, CSRF), and live streams as HTTP answers.

Imports go one way: ``app.graph`` <- services (``app/*.py``) <- ``app.web`` <- ``app.routes``;
``app.main`` wires them together. Services import no FastAPI, Starlette or Jinja: what
needs them is here (tests/test_layers.py holds both).
"""
