"""Sage300Client behaviour the emulator does not exhibit: no nextLink, late answers, bad bodies."""

from __future__ import annotations

import pytest
import requests

from agent_client.connectors.http import ServerMessage
from agent_client.connectors.sage300 import Sage300Client, odata_key, service_base
from agent_client.connectors.sage300_errors import sage_message
from agent_client.errors import OutcomeUnknownError, RetryableError
from emulators.common.server import free_port


def make_client(base_url: str, **kwargs) -> Sage300Client:
    return Sage300Client(base_url=base_url, company="SAMINC", user="WEBAPI", password="webapi", **kwargs)


def test_it_pages_with_skip_when_the_server_sends_no_next_link(fake_sage):
    fake, base_url = fake_sage(count=250)

    numbers = [row["CustomerNumber"] for row in make_client(base_url).customers()]

    assert numbers == [f"C{i:05d}" for i in range(1, 251)]
    assert fake.log == ["GET ARCustomers?", "GET ARCustomers?%24skip=100", "GET ARCustomers?%24skip=200"]


def test_it_stops_skip_paging_on_an_empty_page(fake_sage):
    fake, base_url = fake_sage(count=200)

    rows = list(make_client(base_url).customers(filter="CustomerNumber ne ''"))

    assert len(rows) == 200
    assert fake.log[-1] == "GET ARCustomers?%24filter=CustomerNumber+ne+%27%27&%24skip=200"


def test_it_returns_the_record_when_a_timed_out_create_was_applied(fake_sage):
    fake, base_url = fake_sage()
    fake.post_delay = 1.0
    sage = make_client(base_url, timeout=(2.0, 0.3))

    created = sage.customer_create({"CustomerNumber": "C00001", "CustomerName": "Late"})

    assert created == {"CustomerNumber": "C00001", "CustomerName": "Late"}
    # One POST, never two; then the read that finds it (read again if that read also timed out
    # on a loaded machine: the 0.3 s read timeout applies to it too).
    assert fake.log[0] == "POST ARCustomers?" and fake.log.count("POST ARCustomers?") == 1
    assert set(fake.log[1:]) == {"GET ARCustomers('C00001')?"}


def test_it_does_not_resend_a_create_whose_outcome_is_unknown(fake_sage, sleeps):
    fake, base_url = fake_sage()
    fake.post_delay, fake.post_applies = 1.0, False
    sage = make_client(base_url, timeout=(2.0, 0.3), sleep=sleeps)

    with pytest.raises(OutcomeUnknownError) as caught:
        sage.customer_create({"CustomerNumber": "C00001"})

    assert isinstance(caught.value, RetryableError)
    assert str(caught.value).startswith(
        "Sage 300 may or may not have applied POST /Sage300WebApi/v1.0/-/SAMINC/AR/"
    )
    assert str(caught.value).endswith(
        "; ARCustomers('C00001') does not exist (yet), so creating it again is safe"
    )
    # One POST, never two; the read that checks may itself time out and be read again on a loaded
    # machine (the 0.3 s read timeout applies to it too).
    assert fake.log[0] == "POST ARCustomers?" and fake.log.count("POST ARCustomers?") == 1
    assert set(fake.log[1:]) == {"GET ARCustomers('C00001')?"}


def test_it_explains_an_unreachable_server(sleeps):
    sage = make_client(f"http://127.0.0.1:{free_port()}/Sage300WebApi/v1.0", max_retries=2, sleep=sleeps)

    with pytest.raises(RetryableError) as caught:
        sage.check()

    assert str(caught.value).startswith("The Sage 300 Web API at http://127.0.0.1:")
    assert "check [sage300] base_url in ferry-agent.toml" in str(caught.value)
    assert "did not answer 3 times in a row for GET /Sage300WebApi/v1.0/-/SAMINC/AR/ARCustomers" in str(
        caught.value
    )
    assert len(sleeps.calls) == 2


def test_it_resends_a_create_when_the_connection_was_refused(sleeps):
    port = free_port()
    sage = make_client(f"http://127.0.0.1:{port}/Sage300WebApi/v1.0", max_retries=1, sleep=sleeps)

    with pytest.raises(RetryableError) as caught:
        sage.customer_create({"CustomerNumber": "C1"})

    assert not isinstance(caught.value, OutcomeUnknownError)  # refused before sending: safe to resend
    assert sage.stats.requests == 2


def response_of(status: int, body: bytes, content_type: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    return response


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b'{"error":{"code":"RecordInvalid","message":{"lang":"en-US","value":"Name cannot be blank."}}}',
            "text/plain",
            ServerMessage("RecordInvalid", "Name cannot be blank."),
        ),
        (
            b'{"error":{"code":"General","message":"Plain message"}}',
            "application/json",
            ServerMessage("General", "Plain message"),
        ),
        (
            b"<html><body>Service\n  Unavailable</body></html>",
            "text/html",
            ServerMessage(None, "<html><body>Service Unavailable</body></html>"),
        ),
        (b"x" * 500, "text/plain", ServerMessage(None, "x" * 199 + "…")),
    ],
)
def test_it_reads_sage_error_bodies_whatever_their_type(body, content_type, expected):
    assert sage_message(response_of(409, body, content_type)) == expected


def test_it_quotes_keys_the_odata_way():
    assert odata_key(("CustomerNumber", "O'NEIL #1")) == "('O''NEIL%20%231')"
    assert odata_key(("CustomerNumber", "A/B"), ("ShipToLocationKey", "X?")) == (
        "(CustomerNumber='A%2FB',ShipToLocationKey='X%3F')"
    )


@pytest.mark.parametrize("suffix", ["", "/", "/-", "/-/", " "])
def test_it_normalises_the_base_url(suffix):
    assert service_base("http://h/Sage300WebApi/v1.0" + suffix) == "http://h/Sage300WebApi/v1.0"


def test_it_sends_content_type_and_basic_auth_on_every_request():
    session = make_client("http://h/Sage300WebApi/v1.0")._http.sessions.current()

    assert session.headers["Content-Type"] == "application/json"
    assert session.headers["Accept"] == "application/json"
    assert session.auth == ("WEBAPI", "webapi")


def test_the_proxy_environment_is_read_once_per_session_and_still_honoured(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "sage.internal")
    proxied = make_client("http://h/Sage300WebApi/v1.0")._http.sessions.current("http://h/Sage300WebApi/v1.0")
    assert proxied.proxies.get("http") == "http://proxy.example:3128"
    assert proxied.trust_env is False  # not read again for every request
    direct = make_client("http://sage.internal/Sage300WebApi/v1.0")._http.sessions.current(
        "http://sage.internal/Sage300WebApi/v1.0"
    )
    assert "http" not in direct.proxies
