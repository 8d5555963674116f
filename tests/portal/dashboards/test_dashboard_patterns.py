import pytest

from portal.dashboards.patterns import NO_MESSAGE, message_pattern


@pytest.mark.parametrize(
    ("message", "pattern"),
    [
        ('Tax Group "ZZ" does not exist.', 'Tax Group "…" does not exist.'),
        ("3282407456848 is pushed as SH15VX0NF4G", "# is pushed as #"),
        ("Customer 42 failed: HTTP 500.", "Customer # failed: HTTP #."),
        ("Field 'Phone' is too long (max 30).", "Field '…' is too long (max #)."),
        ("Customer's address isn't valid", "Customer's address isn't valid"),
        ("Email jane.cooper@example.com is taken", "Email …@… is taken"),
        ("Run 0c6a1e5a-1b2c-4d5e-8f90-123456789abc lost", "Run # lost"),
        ("Amount 12.50 exceeds the limit", "Amount # exceeds the limit"),
        ("  Sage 300   refused\nthe login  ", "Sage # refused the login"),
        ("", NO_MESSAGE),
    ],
)
def test_it_normalises_what_names_one_record(message, pattern):
    assert message_pattern(message) == pattern


def test_it_bounds_a_pattern_to_300_characters():
    assert len(message_pattern("x" * 1000)) == 300
