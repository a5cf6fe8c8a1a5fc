"""The HTTP glue between the routes and the services: dependencies, error responses,
middleware, and what page routes share (templates, login, CSRF).

Imports go one way: ``app.graph`` <- services (``app/*.py``) <- ``app.web`` <- ``app.routes``;
``app.main`` wires them together (tests/test_layers.py holds this).
"""
