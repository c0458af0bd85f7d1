"""Delivery back ends (SMS gateway, e-mail, …): ``send(message)`` raises on failure."""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from hotline.notify.models import OutboxMessage


class Backend(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class ConsoleBackend:
    """Prints each message: the default, until a real gateway is configured."""

    def send(self, message: OutboxMessage) -> None:
        print(
            f"[{message.channel} → {message.recipient}] {message.body} ({message.dedupe_key})",
            file=sys.stdout,
            flush=True,
        )


class MemoryBackend:
    """Keeps what it was given (tests); ``fail_next`` makes the next sends raise."""

    sent: list[OutboxMessage] = []
    fail_next = 0

    def send(self, message: OutboxMessage) -> None:
        if MemoryBackend.fail_next > 0:
            MemoryBackend.fail_next -= 1
            raise ConnectionError("gateway unavailable")
        MemoryBackend.sent.append(message)


class DjangoEmailBackend:
    """E-mail through Django's EMAIL_* settings."""

    def send(self, message: OutboxMessage) -> None:
        from django.core.mail import send_mail

        send_mail(message.subject, message.body, None, [message.recipient])


def backend_for(channel: str) -> Backend:
    path = settings.HOTLINE_NOTIFY_BACKENDS.get(channel)
    if not path:
        raise LookupError(f"no notification back end for channel {channel!r}")
    backend: Backend = import_string(path)()
    return backend
