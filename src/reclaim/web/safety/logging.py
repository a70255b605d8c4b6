"""A logging filter that keeps request paths (what a person read) out of every log.

A request that fails keeps its traceback's places (file, line, function) and the exception's
type, never the exception's words: they may hold what the person read or typed (PostgreSQL's
"Failing row contains (...)" holds a whole row).
"""

import logging
import traceback

REQUEST_LOGGERS = ("django.request", "django.server", "django.security")


class RedactRequests(logging.Filter):
    """Replace the message of request log records with the status code alone (and where it
    failed: the exception's type and places, without its words)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(REQUEST_LOGGERS):
            record.msg = "request failed with status %s"
            record.args = (getattr(record, "status_code", "unknown"),)
            record.request = None
            if record.exc_info and record.exc_info[1] is not None:
                record.msg += "\n" + where_it_failed(record.exc_info[1]).replace("%", "%%")
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def where_it_failed(error: BaseException) -> str:
    """Return the exception's type and its traceback's places, one a line (no message)."""
    places = traceback.extract_tb(error.__traceback__)
    lines = [f'  File "{p.filename}", line {p.lineno}, in {p.name}' for p in places]
    return "\n".join([f"{type(error).__module__}.{type(error).__qualname__}", *lines])
