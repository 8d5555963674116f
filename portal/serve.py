"""`python -m portal.serve [--host H] [--port P]`: the portal's ASGI server (daphne) with Ferry's limits.

Agents send snapshot batches of up to 8 MiB (agent_client.protocol.MAX_FRAME_BYTES); daphne's
default 1 MiB websocket limit would drop those connections, so every way of starting the portal
goes through here.
"""

import gc
import sys

from daphne.cli import CommandLineInterface

from agent_client.protocol import MAX_FRAME_BYTES

LIMIT = str(MAX_FRAME_BYTES + 64 * 1024)  # the frame plus websocket framing


def settle_heap() -> None:
    """Load the application, then keep the collector's full passes short and rare.

    They stopped the whole process for 130-215 ms with 1,000 agents connected (measured in
    bench/dispatch.py), holding up every request and frame in flight. What is loaded at start lives
    as long as the process, so it is frozen out of every later pass (a pass then took about half as
    long), and a full pass waits for 100 younger ones instead of 10 (seen: 13 → 2 full passes per
    process in a bench run). Young cycles are still collected as often as before.
    """
    import portal.asgi  # noqa: F401 - daphne imports it again below, from the module cache

    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 100)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    host = args[args.index("--host") + 1] if "--host" in args else "127.0.0.1"
    port = args[args.index("--port") + 1] if "--port" in args else "8000"
    settle_heap()
    CommandLineInterface().run(
        [
            "-b",
            host,
            "-p",
            port,
            "--websocket-max-message-size",
            LIMIT,
            "--websocket-max-frame-size",
            LIMIT,
            "--proxy-headers",
            "portal.asgi:application",
        ]
    )


if __name__ == "__main__":
    main()
