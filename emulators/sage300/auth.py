"""HTTP Basic authentication with Sage 300 user credentials, plus the session cookie.

Sage's samples authenticate challenge/response (`NetworkCredential`), so a request without
credentials must get 401 with `WWW-Authenticate: Basic`. Connectors reuse the session cookie
Sage sets (notes §1.3): a request carrying a cookie this emulator issued is accepted without a
header, but credentials that are present are always checked.
"""

from __future__ import annotations

import base64
import binascii
import secrets

SESSION_COOKIE = "ASP.NET_SessionId"
REALM_HEADER = 'Basic realm="Sage300WebApi"'
_MAX_SESSIONS = 10_000


class BasicAuth:
    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self.password = password
        self._expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.sessions: set[str] = set()

    def _credentials_valid(self, header: str) -> bool:
        if header == self._expected:
            return True
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # Sage user IDs are upper-case and matched without regard to case; passwords exactly.
        return user.upper() == self.user.upper() and password == self.password

    def check(self, authorization: str | None, session: str | None) -> tuple[bool, str | None]:
        """(allowed, a new session id to set as cookie or None)."""
        known_session = session is not None and session in self.sessions
        if authorization is None:
            return known_session, None
        if not self._credentials_valid(authorization):
            return False, None
        if known_session:
            return True, None
        if len(self.sessions) >= _MAX_SESSIONS:
            self.sessions.clear()
        new_session = secrets.token_hex(12)
        self.sessions.add(new_session)
        return True, new_session
