"""The e-mail channel: the e-invoice XML and its PDF rendering, over SMTP, to the buyer's address.

The address is read from the sealed invoice at send time and never stored,
logged or put in an error. The Message-ID is the job's id, so a repeated attempt
after a crash carries the same id and a receiving system can drop the copy.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from sqlmodel import Session

from gateway.delivery.errors import GiveUp, RetryLater
from gateway.delivery.queue import Result
from gateway.delivery.service import Delivery, buyer_email
from gateway.delivery.tables import DeliveryJob
from gateway.show import render_pdf
from gateway.tables import StoredInvoice


def compose(
    *, sender: str, recipient: str, number: str, xml: bytes, pdf: bytes, message_id: str
) -> EmailMessage:
    """The e-mail carrying one invoice: a short text, the XML (the legal original) and the PDF."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"Invoice {number}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(
        f"Invoice {number} is attached as an electronic invoice (XML, the original) "
        "with a readable PDF copy.\n"
    )
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in number)[:80] or "invoice"
    message.add_attachment(xml, maintype="application", subtype="xml", filename=f"{safe}.xml")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{safe}.pdf")
    return message


def make_handler(delivery: Delivery) -> Any:
    """The ``email`` task's handler for this app."""
    settings = delivery.settings

    def send(job: DeliveryJob, payload: dict[str, Any]) -> Result:
        if not settings.smtp_host:
            raise GiveUp("no SMTP server is configured (EGW_SMTP_HOST)")
        with Session(delivery.engine) as session:
            record = session.get(StoredInvoice, payload["invoice_id"])
            if record is None:
                raise GiveUp("the invoice no longer exists")
            xml = delivery.archive.open_blob(session, record, "document")
            invoice = delivery.open_invoice(session, record)
        recipient = buyer_email(invoice)
        if recipient is None:
            raise GiveUp("the buyer has no e-mail address (BT-49 with scheme EM, or BT-58)")
        message = compose(
            sender=settings.smtp_sender,
            recipient=recipient,
            number=invoice.number,
            xml=xml,
            pdf=render_pdf(invoice),
            message_id=f"<{job.id}@einvoice-gateway>",
        )
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.delivery_timeout_seconds
            ) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_username and settings.smtp_password:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
                refused = smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            # 4xx is transient by RFC 5321; 5xx is final. The server's text may echo the address: dropped.
            if 400 <= exc.smtp_code < 500:
                raise RetryLater(
                    f"the SMTP server answered {exc.smtp_code}", code=exc.smtp_code
                ) from None
            raise GiveUp(
                f"the SMTP server refused with {exc.smtp_code}", code=exc.smtp_code
            ) from None
        except smtplib.SMTPRecipientsRefused:
            raise GiveUp("the SMTP server refused the recipient") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryLater(
                f"the SMTP server could not be reached ({type(exc).__name__})"
            ) from None
        if refused:
            raise GiveUp("the SMTP server refused the recipient")
        return Result(code=250, events=[("delivery.sent", {"message_id": message["Message-ID"]})])

    return send
