"""The application layer: what a person can do, once, for the JSON API and the pages alike.

Each module holds the use cases of one concern as plain functions: they take the runtime
(``api.runtime.Runtime``: settings, store, accounts, search, referrals...), the acting account and
inputs already validated by a request schema, do the work through ``directory/`` and ``matching/``,
and return plain data. They never touch Flask's request, a template or a response: a refusal is
raised as an ``api.usecases.errors.Refused`` and turned into ``application/problem+json`` (or an
error page) by the one handler in ``api/app.py``. Route modules (``api/*.py``, ``api/pages/*.py``)
parse input, call a use case and shape its answer; they never import each other.
"""
