"""Library loggers that would write URLs, documents or SQL parameters are capped at WARNING."""

from __future__ import annotations

import logging

import httpx2
import pytest

from gateway.logs import CAPPED_LOGGERS, cap_library_loggers


@pytest.fixture
def capped():
    before = {name: logging.getLogger(name).level for name in CAPPED_LOGGERS}
    cap_library_loggers()
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


def test_outbound_http_requests_leave_no_url_in_the_log(capped, caplog):
    # A webhook URL is a secret of its tenant (a token in the path is common).
    caplog.set_level(logging.DEBUG)
    transport = httpx2.MockTransport(lambda request: httpx2.Response(204))
    with httpx2.Client(transport=transport) as client:
        assert client.post("https://hooks.example/t0k3n-in-the-path").status_code == 204
    assert "t0k3n" not in caplog.text


def test_every_capped_logger_is_at_warning(capped):
    for name in CAPPED_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
