"""The one HTTP request loop both connectors use: timeouts, retries, backoff, error classes.

Policy (STYLE.md rule 6): only 429, 5xx and network errors are retried, honouring `Retry-After`,
with exponential backoff and full jitter otherwise; everything else becomes a `PermanentError`
at once. Writes that are not idempotent are never repeated once the request may have reached the
server: a 429 or 503 says "not applied" and is retried, but a timeout, a dropped connection or
another 5xx after sending raises `OutcomeUnknownError` and leaves the decision to the client.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from agent_client.errors import OutcomeUnknownError, PermanentError, RetryableError

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# A server asking for longer than this is treated as asking for this long: a run should not hang
# for hours on one header, and the next answer will say again if it is still busy.
RETRY_AFTER_CAP = 600.0
SNIPPET_LENGTH = 200
# Statuses that mean "refused before doing anything", so even a create may be sent again.
NOT_APPLIED_STATUSES = frozenset({429, 503})

Timeout = tuple[float, float]


class RequestCancelled(Exception):
    """The caller's cancel event was set; raised instead of sending or while waiting."""


@dataclass(frozen=True)
class ServerMessage:
    """What a server said in an error body: its own code (if any) and a short human text."""

    code: str | None
    text: str


class Pacer(Protocol):
    """Client-side rate limiting around each attempt (Shopify's call-limit bucket)."""

    def reserve(self) -> float:
        """Claim a slot for one request; returns the seconds to wait before sending it."""
        ...

    def settle(self, response: requests.Response | None) -> None:
        """The attempt is over (response None on a network error or cancellation)."""
        ...


class HttpStats:
    """Counters for benchmarks and logs; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.throttled = 0
        self.network_errors = 0
        self.paced_seconds = 0.0
        self.backoff_seconds = 0.0
        self.by_status: dict[int, int] = {}

    @property
    def waited_seconds(self) -> float:
        return self.paced_seconds + self.backoff_seconds

    def count_response(self, status: int) -> None:
        with self._lock:
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if status == 429:
                self.throttled += 1

    def add(self, name: str, amount: float = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "throttled": self.throttled,
                "network_errors": self.network_errors,
                "paced_seconds": round(self.paced_seconds, 3),
                "backoff_seconds": round(self.backoff_seconds, 3),
                "waited_seconds": round(self.waited_seconds, 3),
                "by_status": dict(self.by_status),
            }


class ThreadSessions:
    """One `requests.Session` per thread: sessions are not documented as thread-safe, and one per
    thread still gives each thread keep-alive connections and the cookies its server set."""

    def __init__(self, configure: Callable[[requests.Session], None]) -> None:
        self._configure = configure
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[requests.Session] = []

    def current(self, url: str | None = None) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._configure(session)
            if url is not None:
                _environment_once(session, url)
            self._local.session = session
            with self._lock:
                self._all.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            sessions, self._all = self._all, []
        for session in sessions:
            session.close()
        self._local = threading.local()


def _environment_once(session: requests.Session, url: str) -> None:
    """Read the proxy and CA-bundle environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, …) once.

    Why: with `trust_env` requests reads the whole environment again for every request, which
    was 7% of the agent's CPU in a Customer Update. A session talks to one service (one host),
    so what the environment says for that host is settled when the session is made."""
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify, session.cert = settings["verify"], settings["cert"]
    session.trust_env = False


def backoff_delay(attempt: int, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)] so that many agents retrying the
    same outage spread out instead of hammering the server in lockstep."""
    return rng.uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))


def retry_after_seconds(response: requests.Response) -> float | None:
    """`Retry-After` as seconds (Shopify sends fractional "2.0"; HTTP also allows a date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_LENGTH else flat[: SNIPPET_LENGTH - 1] + "…"


def body_json(response: requests.Response) -> Any:
    """The body parsed as JSON whatever the Content-Type says, or None if it is not JSON."""
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def request_never_sent(exc: requests.RequestException) -> bool:
    """True when the connection failed before any byte of the request left (safe to resend)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


class RetryingHttp:
    """Sends requests for one service and turns failures into `ConnectorError`s.

    `parse_error` reads a non-2xx response into a `ServerMessage`; `refusal` builds the
    `PermanentError` (or subclass) for a non-retryable one. Both are the only service-specific
    parts of error handling.
    """

    def __init__(
        self,
        *,
        service: str,
        configure_session: Callable[[requests.Session], None],
        parse_error: Callable[[requests.Response], ServerMessage],
        refusal: Callable[[requests.Response, ServerMessage, str], PermanentError],
        timeout: Timeout,
        max_retries: int,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> None:
        self.service = service
        self.sessions = ThreadSessions(configure_session)
        self.stats = HttpStats()
        self._parse_error = parse_error
        self._refusal = refusal
        self.timeout = timeout
        self.max_retries = max_retries
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()

    def call(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        pacer: Pacer | None = None,
        slot: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
        cancel: threading.Event | None = None,
    ) -> requests.Response:
        """Send until a 2xx/3xx answer, a permanent refusal or the last retry; returns the response.

        `slot` is entered around each attempt (not around the waits between attempts), so a
        concurrency limit counts requests actually in flight. `cancel` stops waiting and sending.
        """
        what = f"{method} {urlsplit(url).path}"
        outcomes: list[int | None] = []
        attempt = 0
        while True:
            self._check(cancel)
            response, failure = self._attempt(method, url, params, json_body, pacer, slot, cancel)
            if response is not None and response.status_code < 400:
                return response
            if response is not None and not (response.status_code == 429 or response.status_code >= 500):
                raise self._refusal(response, self._parse_error(response), what)
            outcomes.append(response.status_code if response is not None else None)
            last = self._describe(response, failure)
            if not idempotent and not self._not_applied(response, failure):
                raise OutcomeUnknownError(
                    f"{self.service} may or may not have applied {what}: {last}",
                    status=response.status_code if response is not None else None,
                )
            if attempt >= self.max_retries:
                raise RetryableError(
                    self._exhausted(what, outcomes, last),
                    status=response.status_code if response is not None else None,
                    code=self._parse_error(response).code if response is not None else None,
                )
            delay = retry_after_seconds(response) if response is not None else None
            if delay is None:
                with self._rng_lock:
                    delay = backoff_delay(attempt, self._rng)
            attempt += 1
            self.stats.add("retries")
            self.stats.add("backoff_seconds", delay)
            self.pause(delay, cancel)

    def pause(self, seconds: float, cancel: threading.Event | None = None) -> None:
        """Wait; with a cancel event and the real clock the wait ends early when it is set.
        An injected sleep (tests) is always called as is, so tests can record every wait."""
        if seconds > 0:
            if cancel is not None and self._sleep is time.sleep:
                cancel.wait(seconds)
            else:
                self._sleep(seconds)
        self._check(cancel)

    def json(self, response: requests.Response, what: str) -> Any:
        data = body_json(response)
        if data is None and response.content.strip():
            raise PermanentError(
                f"{self.service} answered {what} with something that is not JSON: {snippet(response.text)}",
                status=response.status_code,
            )
        return data

    def close(self) -> None:
        self.sessions.close()

    def _attempt(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None,
        json_body: Any,
        pacer: Pacer | None,
        slot: Callable[[], contextlib.AbstractContextManager[Any]] | None,
        cancel: threading.Event | None,
    ) -> tuple[requests.Response | None, requests.RequestException | None]:
        response: requests.Response | None = None
        try:
            if pacer is not None:
                wait = pacer.reserve()
                if wait > 0:
                    self.stats.add("paced_seconds", wait)
                    self.pause(wait, cancel)
            with slot() if slot is not None else contextlib.nullcontext():
                self._check(cancel)
                self.stats.add("requests")
                response = self.sessions.current(url).request(
                    method, url, params=params, json=json_body, timeout=self.timeout
                )
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.stats.add("network_errors")
            return None, exc
        finally:
            if pacer is not None:
                pacer.settle(response)
        self.stats.count_response(response.status_code)
        return response, None

    @staticmethod
    def _check(cancel: threading.Event | None) -> None:
        if cancel is not None and cancel.is_set():
            raise RequestCancelled

    @staticmethod
    def _not_applied(response: requests.Response | None, failure: requests.RequestException | None) -> bool:
        if response is not None:
            return response.status_code in NOT_APPLIED_STATUSES
        return failure is not None and request_never_sent(failure)

    def _describe(self, response: requests.Response | None, failure: requests.RequestException | None) -> str:
        if response is None:
            return f"{type(failure).__name__}: {failure}"
        message = self._parse_error(response)
        code = f" {message.code}" if message.code else ""
        return f"{response.status_code}{code} {message.text}".rstrip()

    def _exhausted(self, what: str, outcomes: list[int | None], last: str) -> str:
        count = _times(len(outcomes))
        kinds = set(outcomes)
        if kinds == {None}:
            return f"{self.service} did not answer {count} in a row for {what}; last error: {last}"
        if len(kinds) == 1:
            return f"{self.service} answered {outcomes[0]} {count} in a row for {what}; last answer: {last}"
        seen = ", ".join("network error" if status is None else str(status) for status in outcomes)
        return f"{self.service} failed {count} in a row for {what} ({seen}); last answer: {last}"
