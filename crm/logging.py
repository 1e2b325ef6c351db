"""Structured logs that carry the request id, tenant and user of the work that wrote them."""

import json
import logging
from contextvars import ContextVar, Token
from datetime import UTC, datetime

log_context: ContextVar[dict] = ContextVar("threadline_log_context", default={})  # noqa: B039

_CONTEXT_FIELDS = ("request_id", "tenant", "user")


def bind_log_context(**values) -> Token[dict]:
    """Add fields to every log line written until the returned token is reset."""
    return log_context.set({**log_context.get(), **values})


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = log_context.get()
        for field in _CONTEXT_FIELDS:
            if not hasattr(record, field):
                setattr(record, field, context.get(field, "-"))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _CONTEXT_FIELDS:
            entry[field] = getattr(record, field, "-")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
