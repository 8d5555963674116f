"""`python -m portal.serve [--host H] [--port P]`: the portal's ASGI server (daphne) with Ferry's limits.

Agents send snapshot batches of up to 8 MiB (agent_client.protocol.MAX_FRAME_BYTES); daphne's
default 1 MiB websocket limit would drop those connections, so every way of starting the portal
goes through here.
"""

import sys

from daphne.cli import CommandLineInterface

from agent_client.protocol import MAX_FRAME_BYTES

LIMIT = str(MAX_FRAME_BYTES + 64 * 1024)  # the frame plus websocket framing


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    host = args[args.index("--host") + 1] if "--host" in args else "127.0.0.1"
    port = args[args.index("--port") + 1] if "--port" in args else "8000"
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
