"""`python -m portal.serve [--host H] [--port P]`: the portal's ASGI server (uvicorn) with Ferry's limits.

Every way of starting the portal goes through here (systemd, the container, `make demo`, tests,
benchmarks), so they all serve with the same settings:

- uvicorn on uvloop with the httptools parser and websockets' protocol. Daphne served the portal
  before: its HTTP parsing and websocket framing are Python on Twisted bridged to asyncio.
  Measured in bench/dispatch.py, three pairs of runs alternated on one machine: saturation 45.5-47.6
  Run requests a second instead of 35.8-40.0, snapshot ingest 15,400-17,000 records a second
  instead of 12,300-14,600 (p99 at 20 runs a second moved with the machine, not the server).
- Websocket messages up to an 8 MiB snapshot batch (agent_client.protocol.MAX_FRAME_BYTES).
- No per-message compression: an agent's Files are packed with Zstandard already, and deflating
  every frame would cost both sides CPU for little.
- Proxy headers (X-Forwarded-For, X-Forwarded-Proto) are trusted from FORWARDED_ALLOW_IPS (a
  comma-separated list, `*` for any peer; default 127.0.0.1, the nginx in front).
"""

import gc
import os
import sys

import uvicorn

from agent_client.protocol import MAX_FRAME_BYTES

WEBSOCKET_MESSAGE_LIMIT = MAX_FRAME_BYTES + 64 * 1024  # the frame plus websocket framing
# Longer than nginx keeps an idle upstream connection (60 s): a server closing first races the
# proxy's next request on that connection, and the proxy answers 502.
KEEP_ALIVE_S = 75
SHUTDOWN_GRACE_S = 10  # then open requests and sockets are cancelled; agents reconnect and resend


def settle_heap() -> None:
    """Load the application, then keep the collector's full passes short and rare.

    They stopped the whole process for 130-215 ms with 1,000 agents connected (measured in
    bench/dispatch.py), holding up every request and frame in flight. What is loaded at start lives
    as long as the process, so it is frozen out of every later pass (a pass then took about half as
    long), and a full pass waits for 100 younger ones instead of 10 (seen: 13 → 2 full passes per
    process in a bench run). Young cycles are still collected as often as before.
    """
    import portal.asgi  # noqa: F401 - uvicorn imports it again below, from the module cache

    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 100)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    host = args[args.index("--host") + 1] if "--host" in args else "127.0.0.1"
    port = args[args.index("--port") + 1] if "--port" in args else "8000"
    if not port.isdigit():
        raise SystemExit(f"--port {port!r}: give a port number, e.g. --port 8000")
    settle_heap()
    uvicorn.run(
        "portal.asgi:application",
        host=host,
        port=int(port),
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        ws_max_size=WEBSOCKET_MESSAGE_LIMIT,
        ws_per_message_deflate=False,
        # Pings every 20 s; a pong may take 30 s (an agent on a slow uplink sending an 8 MiB batch).
        ws_ping_interval=20,
        ws_ping_timeout=30,
        lifespan="off",  # Channels' router speaks http and websocket only
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


if __name__ == "__main__":
    main()
