"""A logging filter that masks personal data (phone, ID and card numbers, e-mail addresses) in
every record before a handler writes it: request paths, query strings and exception texts carry
what citizens typed, and log files are read by more people than the orders are."""

from __future__ import annotations

import logging

from hotline.domain.masking import mask_text


class MaskPersonalData(logging.Filter):
    """Installed on every handler in settings.LOGGING (a filter on a logger would miss the
    records its children propagate). The message is rendered once with its arguments and masked;
    the traceback text too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: leave it to the formatter
            return True
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
