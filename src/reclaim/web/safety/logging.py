"""A logging filter that keeps request paths (what a person read) out of every log."""

import logging

REQUEST_LOGGERS = ("django.request", "django.server", "django.security")


class RedactRequests(logging.Filter):
    """Replace the message of request log records with the status code alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(REQUEST_LOGGERS):
            record.msg = "request failed with status %s"
            record.args = (getattr(record, "status_code", "unknown"),)
            record.request = None
        return True
