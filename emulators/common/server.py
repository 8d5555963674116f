"""Run an ASGI app with uvicorn, either in the foreground (CLI) or on a background thread (tests)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

# h11 writes header names as the emulators spell them (`X-Shopify-Shop-Api-Call-Limit`, as Shopify
# does); uvicorn's httptools protocol, chosen on its own when httptools is installed, lowercases
# them, and the official Shopify client looks that header up in a case-sensitive dict.
HTTP = "h11"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(app, *, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0) -> RunningServer:
    """Start `app` on a daemon thread and return once it accepts connections."""
    port = port or free_port(host)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="on", http=HTTP
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"emulator-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"emulator did not start on {host}:{port}")
        time.sleep(0.01)
    return RunningServer(server=server, thread=thread, host=host, port=port)


def serve_forever(app, *, host: str, port: int) -> None:
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, http=HTTP)
