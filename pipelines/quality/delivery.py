"""Deliver new and re-opened alerts: the log always; a Slack-compatible incoming webhook and
e-mail when configured. The configuration is an `AlertSettings`, which the `settings` resource
(pipelines/defs/resources.py) fills from the environment; this module reads no environment
itself. Secrets are never logged nor shown in a repr (the log names the channel, not the URL,
user or password).

Environment variables behind each field:
    OMNISTOCK_ALERT_WEBHOOK_URL      Slack (or compatible) incoming-webhook URL
    OMNISTOCK_ALERT_SMTP_HOST        SMTP server; e-mail is sent when this and _EMAIL_TO are set
    OMNISTOCK_ALERT_SMTP_PORT        default 25 (587 with STARTTLS, 465 with SSL)
    OMNISTOCK_ALERT_SMTP_USER / OMNISTOCK_ALERT_SMTP_PASSWORD   login, if the server needs one
    OMNISTOCK_ALERT_SMTP_SECURITY    none (default) | starttls | ssl
    OMNISTOCK_ALERT_EMAIL_FROM       default omnistock@localhost
    OMNISTOCK_ALERT_EMAIL_TO         comma-separated recipients
    OMNISTOCK_ALERT_MIN_SEVERITY     lowest severity delivered outside the log: warn (default) | info | critical
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from pipelines.quality.alerts import Notification
from pipelines.quality.severity import Severity

_ICON = {Severity.CRITICAL: ":rotating_light:", Severity.WARN: ":warning:", Severity.INFO: ":information_source:"}


@dataclass(frozen=True)
class DeliveryReport:
    logged: int
    webhook: int  # alerts sent in webhook messages
    email: int
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go besides the log. Empty values switch a channel off. The webhook URL (it
    carries its token) and the SMTP password are secrets: left out of the repr."""

    webhook_url: str = field(default="", repr=False)
    smtp_host: str = ""
    smtp_port: int | None = None  # default 25, 587 with starttls, 465 with ssl
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_security: str = "none"  # none | starttls | ssl
    email_from: str = "omnistock@localhost"
    email_to: str = ""  # comma-separated recipients
    min_severity: str = "warn"  # lowest severity delivered outside the log: info | warn | critical

    @property
    def recipients(self) -> list[str]:
        return [r.strip() for r in self.email_to.split(",") if r.strip()]


def min_severity(settings: AlertSettings) -> Severity:
    return Severity.parse(settings.min_severity or "warn")


def alert_text(note: Notification) -> str:
    a = note.alert
    where = f"{a.asset}" + (f" [{a.subject}]" if a.subject else "")
    return f"[{a.severity.value.upper()}] {a.check} on {where} ({note.reason}, seen {a.count}x): {a.message}"


def slack_payload(notes: Sequence[Notification], data_dir: str = "") -> dict:
    """Slack incoming-webhook JSON: `text` (the fallback every client shows) and `blocks`."""
    worst = max((n.alert.severity for n in notes), key=lambda s: s.rank)
    title = f"omnistock data quality: {len(notes)} alert(s), worst {worst.value}"
    text = title + "\n" + "\n".join(alert_text(n) for n in notes)
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    for note in notes[:40]:  # Slack accepts at most 50 blocks
        a = note.alert
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{_ICON[a.severity]} *{a.severity.value}* `{a.check}` on `{a.asset}`"
                    + (f" [{a.subject}]" if a.subject else "")
                    + f" — {note.reason}, seen {a.count}x\n{a.message}"[:2900],
                },
            }
        )
    context = "alert ids: " + ", ".join(n.alert.alert_id for n in notes[:20])
    if data_dir:
        context += f" | marts.data_quality_alerts in {data_dir}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context[:2000]}]})
    return {"text": text, "blocks": blocks}


def post_webhook(url: str, payload: dict, timeout: float = 10.0) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL from the operator's environment)
        if response.status >= 300:
            raise RuntimeError(f"webhook answered HTTP {response.status}")


def send_email(settings: AlertSettings, notes: Sequence[Notification], timeout: float = 10.0) -> None:
    recipients = settings.recipients
    message = EmailMessage()
    worst = max((n.alert.severity for n in notes), key=lambda s: s.rank)
    message["Subject"] = f"[omnistock {worst.value}] {len(notes)} data quality alert(s)"
    message["From"] = settings.email_from or "omnistock@localhost"
    message["To"] = ", ".join(recipients)
    message.set_content("\n".join(alert_text(n) for n in notes) + "\n\nSee marts.data_quality_alerts.\n")
    security = (settings.smtp_security or "none").lower()
    host = settings.smtp_host
    port = settings.smtp_port or {"ssl": 465, "starttls": 587}.get(security, 25)
    smtp_class = smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP
    with smtp_class(host, port, timeout=timeout) as smtp:
        if security == "starttls":
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def deliver(
    notes: Sequence[Notification],
    log: logging.Logger | logging.LoggerAdapter,
    settings: AlertSettings,
    data_dir: str = "",
) -> DeliveryReport:
    """Log every notification; send those at or above the minimum severity to the webhook and
    e-mail when configured. A delivery failure is logged (without secrets), never raised."""
    for note in notes:
        level = logging.ERROR if note.alert.severity is Severity.CRITICAL else logging.WARNING
        log.log(level, "quality alert: " + alert_text(note))
    floor = min_severity(settings)
    outgoing = [n for n in notes if n.alert.severity.rank >= floor.rank]
    sent_webhook = sent_email = 0
    errors: list[str] = []
    if outgoing and settings.webhook_url:
        try:
            post_webhook(settings.webhook_url, slack_payload(outgoing, data_dir))
            sent_webhook = len(outgoing)
            log.info(f"quality alerts: {len(outgoing)} sent to the webhook (OMNISTOCK_ALERT_WEBHOOK_URL)")
        except Exception as exc:  # noqa: BLE001 — delivery must not stop the checks
            errors.append(f"webhook: {type(exc).__name__}")
            log.error(
                f"quality alerts: webhook delivery failed ({type(exc).__name__}); they are in marts.data_quality_alerts"
            )
    if outgoing and settings.smtp_host and settings.recipients:
        try:
            send_email(settings, outgoing)
            sent_email = len(outgoing)
            log.info(f"quality alerts: {len(outgoing)} e-mailed (OMNISTOCK_ALERT_EMAIL_TO)")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"email: {type(exc).__name__}")
            log.error(
                f"quality alerts: e-mail delivery failed ({type(exc).__name__}); they are in marts.data_quality_alerts"
            )
    return DeliveryReport(len(notes), sent_webhook, sent_email, tuple(errors))
