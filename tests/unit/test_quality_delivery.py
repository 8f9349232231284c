"""Alert delivery: a real HTTP receiver on 127.0.0.1 gets Slack incoming-webhook JSON; secrets never reach the log."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pipelines.quality import delivery
from pipelines.quality.alerts import CheckOutcome, reconcile_alerts
from pipelines.quality.delivery import AlertSettings, deliver, slack_payload
from pipelines.quality.severity import Severity

NOW = datetime(2026, 1, 1, 10, 0)


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(
            {"path": self.path, "content_type": self.headers["Content-Type"], "json": json.loads(body)}
        )
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/services/T000/B000/SECRET-TOKEN"
    server.shutdown()
    server.server_close()


def _notes(*outcomes: CheckOutcome):
    return reconcile_alerts([], list(outcomes), NOW).notify


def test_webhook_receives_slack_json_once_per_delivery(webhook: str, caplog: pytest.LogCaptureFixture) -> None:
    notes = _notes(
        CheckOutcome(
            "order_volume", "staging/stg_orders", False, Severity.CRITICAL, "tmall: SILENT: no orders", "tmall"
        ),
        CheckOutcome("freshness", "staging/stg_transfers", False, Severity.WARN, "transfers: LATE"),
        CheckOutcome("order_volume", "staging/stg_orders", False, Severity.INFO, "jd: orders SPIKED", "jd"),
    )
    log = logging.getLogger("omnistock.test")
    with caplog.at_level(logging.INFO, logger="omnistock.test"):
        report = deliver(notes, log, AlertSettings(webhook_url=webhook))
    assert (report.logged, report.webhook, report.errors) == (3, 2, ())  # info goes to the log only
    assert len(Receiver.received) == 1
    message = Receiver.received[0]
    assert message["path"] == "/services/T000/B000/SECRET-TOKEN" and message["content_type"] == "application/json"
    payload = message["json"]
    assert payload["text"].startswith("omnistock data quality: 2 alert(s), worst critical")
    assert (
        "[CRITICAL] order_volume on staging/stg_orders [tmall] (new, seen 1x): tmall: SILENT: no orders"
        in payload["text"]
    )
    assert "[WARN] freshness on staging/stg_transfers" in payload["text"] and "SPIKED" not in payload["text"]
    assert payload["blocks"][0]["type"] == "header" and len(payload["blocks"]) == 4
    assert "SECRET-TOKEN" not in caplog.text and "SPIKED" in caplog.text


def test_failed_delivery_is_logged_without_the_url_and_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    notes = _notes(CheckOutcome("contract", "raw/orders", False, Severity.CRITICAL, "nulls"))
    url = "http://127.0.0.1:9/hooks/SECRET-TOKEN"  # discard port: nothing listens
    with caplog.at_level(logging.INFO):
        report = deliver(notes, logging.getLogger("omnistock.test"), AlertSettings(webhook_url=url))
    assert report.webhook == 0 and report.errors and report.errors[0].startswith("webhook:")
    assert "SECRET-TOKEN" not in caplog.text


def test_email_uses_the_settings_and_never_logs_the_password(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def starttls(self) -> None:
            sent.append(("starttls",))

        def login(self, user: str, password: str) -> None:
            sent.append(("login", user, password))

        def send_message(self, message) -> None:
            sent.append(("send", message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr(delivery.smtplib, "SMTP", FakeSMTP)
    settings = AlertSettings(
        smtp_host="smtp.example.test",
        smtp_security="starttls",
        smtp_user="ops",
        smtp_password="hunter2-secret",
        email_to="a@example.test, b@example.test",
    )
    notes = _notes(CheckOutcome("freshness", "staging/stg_wms_snapshots", False, Severity.CRITICAL, "WH: LATE", "WH"))
    with caplog.at_level(logging.INFO):
        report = deliver(notes, logging.getLogger("omnistock.test"), settings)
    assert report.email == 1
    assert sent[0] == ("connect", "smtp.example.test", 587) and sent[1] == ("starttls",)
    assert (
        sent[3][1] == "a@example.test, b@example.test" and sent[3][2] == "[omnistock critical] 1 data quality alert(s)"
    )
    assert "hunter2-secret" not in caplog.text
    assert "hunter2-secret" not in repr(settings) and "smtp.example.test" in repr(settings)
    assert sent[2] == ("login", "ops", "hunter2-secret")


def test_payload_shape_for_many_alerts_stays_within_slack_limits() -> None:
    notes = _notes(
        *(
            CheckOutcome("freshness", "staging/stg_wms_snapshots", False, Severity.WARN, "x" * 5000, f"L{i}")
            for i in range(60)
        )
    )
    payload = slack_payload(notes)
    assert len(payload["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in payload["blocks"] if b["type"] == "section")
