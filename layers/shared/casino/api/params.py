"""What a route declares of its query, path and header parameters (Powertools' own), imported
after ``casino.lean_imports`` so that a function's first import of Powertools' event handler is
the lean one (``from casino.api.params import Path, Query`` in a function's ``app.py``)."""

from casino import lean_imports

lean_imports.install()

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query  # noqa: E402

__all__ = ["Header", "Path", "Query"]
