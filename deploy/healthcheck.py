"""`python deploy/healthcheck.py [--port 8000]`: exit 0 when the portal process on this host answers.

Used by the container healthchecks (and usable from systemd or a monitor). It asks for the login
page — it renders without touching the database — the way nginx would send the request: with the
public host name (FERRY_PUBLIC_URL's, which ALLOWED_HOSTS must accept) and `X-Forwarded-Proto:
https`, so SECURE_SSL_REDIRECT does not answer a redirect instead. Standard library only.
"""

import argparse
import http.client
import os
import sys
from urllib.parse import urlsplit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--path", default="/login/")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    public = urlsplit(os.environ.get("FERRY_PUBLIC_URL", "http://localhost"))
    connection = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout)
    try:
        connection.request(
            "GET", args.path, headers={"Host": public.netloc or "localhost", "X-Forwarded-Proto": "https"}
        )
        status = connection.getresponse().status
    except OSError as exc:
        print(f"portal on {args.host}:{args.port} does not answer: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"portal on {args.host}:{args.port} answered {status} to GET {args.path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
