"""E-mail through Django's configured backend (SMTP, or the file backend on the single box)."""

from __future__ import annotations

import re
import smtplib
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from lihui.markdown import markdown_html

from .base import Transport, TransportError


class Email(Transport):
    name = "email"

    def build(self, message) -> EmailMultiAlternatives:
        if message.recipient is None or not message.recipient.email:
            raise TransportError("the recipient has no e-mail address", permanent=True)
        mail = EmailMultiAlternatives(
            # A title typed with a line break must not fail the send (Django refuses
            # newlines in headers, against header injection): one line, as text.
            subject=re.sub(r"\s*[\r\n]+\s*", " ", message.subject),
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient.email],
            headers={"X-Lihui-Idempotency-Key": message.idempotency_key},
        )
        if message.body_markdown:
            mail.attach_alternative(str(markdown_html(message.body_markdown)), "text/html")
        ics = (message.payload or {}).get("ics")
        if ics:
            # iTIP over e-mail (RFC 6047): the calendar part names its METHOD, so Outlook,
            # Apple Mail and Gmail offer accept / decline and update the same event.
            method = message.payload.get("method", "REQUEST")
            part = MIMEText(ics, "calendar", "utf-8")
            part.set_param("method", method)
            part.add_header("Content-Disposition", "attachment", filename="invite.ics")
            mail.attach(part)
        return mail

    def send(self, message) -> None:
        mail = self.build(message)
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as e:
            raise TransportError(f"recipient refused: {e.recipients}"[:500], permanent=True) from e
        except smtplib.SMTPResponseException as e:
            # 5xx is the server's final answer; 4xx means try again later.
            raise TransportError(f"SMTP {e.smtp_code}: {e.smtp_error!r}"[:500], permanent=500 <= e.smtp_code < 600) from e
        except (smtplib.SMTPException, OSError) as e:
            raise TransportError(f"SMTP: {e}"[:500]) from e
