"""Database connection settings shared by Django settings and scripts/devenv.py.

Threadline connects with two PostgreSQL roles (the second tenancy wall depends on it):

* the *owner* (``DATABASE_URL``) owns the tables; migrations and the role bootstrap run as it;
* the *app* role (``DATABASE_APP_URL``) is what web requests, Celery tasks and the test suite use.
  It is neither the owner nor a superuser, so PostgreSQL row-level security applies to it.

When ``DATABASE_APP_URL`` is not set, it is the owner URL with the user swapped for
``DATABASE_APP_USER`` (default ``threadline_app``) and ``DATABASE_APP_PASSWORD``.

This module imports nothing from Django so that the bootstrap script can use it before Django is set up.
"""

import os
from urllib.parse import quote, unquote, urlsplit, urlunsplit

APP_ROLE_DEFAULT = "threadline_app"


def owner_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set. Run through `make dev` / `make test` (which start an embedded "
            "PostgreSQL) or point DATABASE_URL at a PostgreSQL server; see .env.example."
        )
    return url


def app_url() -> str:
    explicit = os.environ.get("DATABASE_APP_URL")
    if explicit:
        return explicit
    parts = urlsplit(owner_url())
    user = os.environ.get("DATABASE_APP_USER", APP_ROLE_DEFAULT)
    password = os.environ.get("DATABASE_APP_PASSWORD", "")
    credentials = quote(user, safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    host_and_port = parts.netloc.rpartition("@")[2]
    netloc = f"{credentials}@{host_and_port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def app_role() -> str:
    return unquote(urlsplit(app_url()).username or "") or APP_ROLE_DEFAULT
