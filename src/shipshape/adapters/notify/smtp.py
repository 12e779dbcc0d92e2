"""E-mail over SMTP (`smtplib`): one message per notification, plain text (the desk's) or
multipart/alternative with an HTML part (the customers' notices).

Each message connects on its own (they are few), upgrades with STARTTLS when configured, logs in
when a user name is set, and carries a `Message-ID` derived from the notice's id, so a copy sent
again under a race is recognisable. SMTP's answers are translated at this edge: a 4xx reply, a
refused or dropped connection and a timeout are `ConnectorUnavailable` (retryable); a 5xx reply
(a refused sender or recipients, failed authentication) and a server without STARTTLS are
`ConnectorRejected`. A message some of whose recipients were refused went to the others and is
not sent again; the refused ones are logged.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate

from shipshape.services.ports.connectors import (
    ConnectorError,
    ConnectorRejected,
    ConnectorUnavailable,
)
from shipshape.services.ports.notifications import MailNotice

log = logging.getLogger(__name__)
OPERATION = "mail"
MESSAGE_ID_DOMAIN = "shipshape"


class SmtpMailer:
    def __init__(self, host: str, port: int, mail_from: str, timeout_s: float,
                 starttls: bool = False, username: str = "", password: str = "",
                 system: str = "smtp",
                 connect: Callable[..., smtplib.SMTP] = smtplib.SMTP) -> None:
        self._host, self._port = host, port
        self._from = mail_from
        self._timeout = timeout_s
        self._starttls = starttls
        self._username, self._password = username, password
        self._system = system
        self._connect = connect

    def message(self, notice: MailNotice) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._from
        mail["To"] = ", ".join(notice.to)
        mail["Subject"] = notice.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = f"<{notice.message_id}@{MESSAGE_ID_DOMAIN}>"
        mail.set_content(notice.text)
        if notice.html is not None:
            mail.add_alternative(notice.html, subtype="html")
        if notice.language:  # after the parts: making them moves Content-* headers into them
            mail["Content-Language"] = notice.language
        return mail

    def send(self, notice: MailNotice) -> None:
        mail = self.message(notice)
        try:
            with self._connect(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._username:
                    smtp.login(self._username, self._password)
                refused = smtp.send_message(mail, from_addr=self._from,
                                            to_addrs=list(notice.to))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise self._error(min(codes, default=550), f"every recipient refused: "
                              f"{_refusals(error.recipients)}") from error
        except smtplib.SMTPResponseException as error:
            text = error.smtp_error.decode("utf-8", "replace") if isinstance(
                error.smtp_error, bytes) else str(error.smtp_error)
            raise self._error(error.smtp_code, f"SMTP {error.smtp_code}: {text}") from error
        except smtplib.SMTPNotSupportedError as error:
            raise ConnectorRejected(self._system, OPERATION, f"{error}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectorUnavailable(self._system, OPERATION,
                                       f"{type(error).__name__}: {error}") from error
        if refused:
            log.warning("%s: %r not delivered to %s", self._system, notice.subject,
                        _refusals(refused))

    def _error(self, code: int, reason: str) -> ConnectorError:
        if 500 <= code < 600:
            return ConnectorRejected(self._system, OPERATION, reason, status=code)
        return ConnectorUnavailable(self._system, OPERATION, reason)


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{address} ({code} {reply.decode('utf-8', 'replace')})"
                     for address, (code, reply) in refused.items())
