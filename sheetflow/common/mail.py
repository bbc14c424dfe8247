"""Email sending that records "sent" at the one instant that makes each message go out once.

An SMTP server takes responsibility for a message when it reads the final "." of DATA. We
send everything up to that dot, then commit the caller's record of the send, then send the
dot. A worker killed before the record leaves the server holding an unfinished DATA, which it
discards, and the message is sent again by the re-run; killed after it, the message is sent
and the re-run sees the record. The only loss is a kill in the microseconds between the
commit and the write of the dot (at most once, never twice).
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

_LEADING_DOT = re.compile(rb"(?m)^\.")


class EmailBackend(SMTPBackend):
    """Django's SMTP backend plus ``send_once``."""

    def send_once(self, message: EmailMessage, record: Callable[[], bool]) -> bool:
        """Send ``message`` if ``record()`` (called just before the server accepts) says so."""
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        body = _LEADING_DOT.sub(b"..", message.message().as_bytes(linesep="\r\n"))
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        with self._lock:
            created = self.open()
            smtp = self.connection
            if smtp is None:
                raise smtplib.SMTPServerDisconnected("no SMTP connection")
            try:
                smtp.ehlo_or_helo_if_needed()
                code, reply = smtp.mail(sender)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, sender)
                for recipient in recipients:
                    code, reply = smtp.rcpt(recipient)
                    if code not in (250, 251):
                        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
                code, reply = smtp.docmd("data")
                if code != 354:
                    raise smtplib.SMTPDataError(code, reply)
                smtp.send(body)
                if not record():
                    # Sent by someone else meanwhile: hang up, the server drops this one.
                    smtp.close()
                    self.connection = None
                    return False
                smtp.send(b".\r\n")
                code, reply = smtp.getreply()
                if code != 250:
                    raise smtplib.SMTPDataError(code, reply)
                return True
            finally:
                if created and self.connection is not None:
                    self.close()
