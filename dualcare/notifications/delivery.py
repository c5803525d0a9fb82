"""What a channel knows about a failed send: nothing left DualCare, or the outcome is unknown.

A retry is safe only after NothingSent. After a timeout or a dropped connection once the message
was handed over (SMTP after DATA, a Notify request whose body went out) the recipient may have it:
the outbox marks the row "unknown" and resends it at most once, later, with the same message id.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib

import requests
from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as SMTPEmailBackend
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

log = logging.getLogger(__name__)


class NothingSent(Exception):
    """The send failed before the message left DualCare (refused, unreachable): safe to retry."""


class OutcomeUnknown(Exception):
    """The message was handed over and then the send failed: the recipient may or may not have it."""


class _PhaseAware:
    """An smtplib client that notes when the server said "go ahead" (354) to DATA: from then on
    the message is the server's, whatever happens to the connection."""

    message_handed_over = False
    _awaiting_data_go_ahead = False

    def data(self, msg):
        self._awaiting_data_go_ahead = True
        try:
            return super().data(msg)
        finally:
            self._awaiting_data_go_ahead = False

    def getreply(self):
        code, text = super().getreply()
        if self._awaiting_data_go_ahead and code == 354:
            self._awaiting_data_go_ahead = False
            self.message_handed_over = True
        return code, text


class _SMTP(_PhaseAware, smtplib.SMTP):
    pass


class _SMTP_SSL(_PhaseAware, smtplib.SMTP_SSL):  # noqa: N801
    pass


class EmailBackend(SMTPEmailBackend):
    """Django's SMTP backend, saying whether a failure came before or after the message data.

    Raises NothingSent (connection refused, timeout before DATA, recipient or sender refused, DATA
    refused) or OutcomeUnknown (timeout or disconnect after the server took the data), unless
    fail_silently (the outbox never is). Always with a timeout (EMAIL_TIMEOUT, else 10 s): a worker
    must not hang on a mail server."""

    def __init__(self, *args, timeout=None, **kwargs):
        timeout = timeout if timeout is not None else (getattr(settings, "EMAIL_TIMEOUT", None) or 10)
        super().__init__(*args, timeout=timeout, **kwargs)
        self._last_send_failed = False

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP

    def open(self):
        try:
            return super().open()
        except Exception as exc:
            _drop(self._partial_connection)
            self._partial_connection = None
            if self.fail_silently:
                return None
            raise NothingSent(f"could not reach the mail server ({type(exc).__name__})") from exc

    def _send(self, email_message):
        self.connection.message_handed_over = False
        try:
            sent = super()._send(email_message)
        except Exception as exc:
            self._last_send_failed = True
            if self.fail_silently:
                return False
            # A reply after the data (e.g. 554 rejected) is an answer: the server did not take it.
            answered = isinstance(exc, smtplib.SMTPResponseException)
            if self.connection is not None and self.connection.message_handed_over and not answered:
                raise OutcomeUnknown(f"mail server failed after DATA ({type(exc).__name__})") from exc
            raise NothingSent(f"mail server did not take the message ({type(exc).__name__})") from exc
        if not sent and not self.fail_silently:
            raise NothingSent("the message has no recipient")
        return sent

    def close(self):
        """Leave politely if the send went well; otherwise (a server that stopped answering) just
        drop the connection rather than wait out another timeout for QUIT. QUIT's outcome never
        changes what happened to the message."""
        _drop(self._partial_connection)
        self._partial_connection = None
        if self.connection is None:
            return
        try:
            if self._last_send_failed:
                _drop(self.connection)
            else:
                self.connection.quit()
        except (OSError, smtplib.SMTPException):
            log.info("Mail server connection closed uncleanly after the send.", exc_info=True)
            _drop(self.connection)
        finally:
            self.connection = None
            self._last_send_failed = False


def _drop(connection) -> None:
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()


def notify_failure(exc: Exception) -> Exception:
    """Classify an error from the GOV.UK Notify client: a 4xx, or no connection made, is NothingSent;
    a 5xx, a read timeout or a dropped connection after the request went out is OutcomeUnknown."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status is not None:
        if 400 <= status < 500:
            return NothingSent(f"GOV.UK Notify refused the request ({status})")
        return OutcomeUnknown(f"GOV.UK Notify answered {status}")
    cause = exc.__cause__ or exc
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return NothingSent("GOV.UK Notify could not be reached (connect timeout)")
    if isinstance(cause, requests.exceptions.ConnectionError):
        reason = cause.args[0] if cause.args else None
        reason = getattr(reason, "reason", reason) if isinstance(reason, MaxRetryError) else reason
        if isinstance(reason, NewConnectionError | NameResolutionError):
            return NothingSent("GOV.UK Notify could not be reached")
    return OutcomeUnknown(f"GOV.UK Notify request failed after it was sent ({type(cause).__name__})")
