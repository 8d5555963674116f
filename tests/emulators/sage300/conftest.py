"""One emulator per test module on a background thread; each test starts from a reset state."""

from __future__ import annotations

import pytest
import requests

from emulators.common.server import serve_in_thread
from emulators.sage300.app import create_app

API_PATH = "/Sage300WebApi/v1.0/-/SAMINC/AR/"


class SageClient:
    """A Sage 300 Web API client as the reference notes prescribe: Basic auth, JSON content type."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.api = url + API_PATH
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.auth = ("WEBAPI", "webapi")
        self.session.headers["Content-Type"] = "application/json"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.api + path, timeout=10, **kwargs)

    def post(self, path: str, payload, **kwargs) -> requests.Response:
        return self.session.post(self.api + path, json=payload, timeout=10, **kwargs)

    def patch(self, path: str, payload, **kwargs) -> requests.Response:
        return self.session.patch(self.api + path, json=payload, timeout=10, **kwargs)

    def put(self, path: str, payload, **kwargs) -> requests.Response:
        return self.session.put(self.api + path, json=payload, timeout=10, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.session.delete(self.api + path, timeout=10, **kwargs)

    @staticmethod
    def error_of(response: requests.Response) -> tuple[int, str, str]:
        """(status, Sage error code, message) of an error response, whatever its content type."""
        body = response.json()
        assert set(body) == {"error"}
        assert body["error"]["message"]["lang"] == "en-US"
        return response.status_code, body["error"]["code"], body["error"]["message"]["value"]

    def control(self, name: str, payload: dict | None = None, **params) -> dict:
        if payload is None:
            response = requests.get(f"{self.url}/_emulator/{name}", params=params, timeout=10)
        else:
            response = requests.post(f"{self.url}/_emulator/{name}", json=payload, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def sage_server():
    app = create_app(companies=("SAMINC", "SAMLTD"))
    server = serve_in_thread(app)
    server.app = app
    yield server
    server.stop()


@pytest.fixture
def sage(sage_server) -> SageClient:
    client = SageClient(sage_server.url)
    client.control("reset", {})
    return client
