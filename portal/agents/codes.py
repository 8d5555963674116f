"""One-time registration codes: short enough to type on a server console, random enough to guess never."""

import secrets

# No 0/O, 1/I/L: the code is read off a screen and typed on a Sage server.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def registration_code_new() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(15))
    return "-".join(raw[i : i + 5] for i in range(0, 15, 5))


def registration_code_normalize(code: str) -> str:
    """The code as typed, in any case, with or without its dashes and spaces."""
    return "".join(code.split()).upper().replace("-", "")
