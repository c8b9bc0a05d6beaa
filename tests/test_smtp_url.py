"""The ``--smtp`` URL alone (``transports.smtp_url.parse_url``): where and how to connect, or one
line saying what is wrong, never repeating the URL (it might hold a password)."""

from __future__ import annotations

import pytest

from sheetsync.errors import UsageError
from sheetsync.transports.smtp_url import Endpoint, parse_url


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("smtp://mail.example.com", Endpoint("mail.example.com", 587, False, True, None)),
        ("smtps://mail.example.com", Endpoint("mail.example.com", 465, True, False, None)),
        (
            "SMTP://ops%40example.com@mail.example.com:2525",
            Endpoint("mail.example.com", 2525, False, True, "ops@example.com"),
        ),
        ("smtp://127.0.0.1:1025?starttls=no", Endpoint("127.0.0.1", 1025, False, False, None)),
        ("smtp://localhost:25/?starttls=no", Endpoint("localhost", 25, False, False, None)),
        ("smtp://[::1]:2525?starttls=no", Endpoint("::1", 2525, False, False, None)),
        ("smtp://bücher.example", Endpoint("bücher.example", 587, False, True, None)),
    ],
)
def test_a_good_url_gives_host_port_tls_and_user(url: str, endpoint: Endpoint) -> None:
    """Default ports 587 (STARTTLS) and 465 (TLS), a user with an escaped @, IPv6, IDN hosts."""
    assert parse_url(url) == endpoint


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://mail.example.com", "not an SMTP URL (scheme 'http'); use smtp:// or smtps://"),
        (
            "smtp://ops:hunter2@mail.example.com",
            "must not contain a password; set SHEETSYNC_SMTP_PASSWORD",
        ),
        ("smtp://", "the mail URL names no host"),
        ("smtp://mail.example.com:0", "the mail URL for mail.example.com has an invalid port"),
        ("smtp://mail.example.com:99999", "has an invalid port (a number from 1 to 65535)"),
        ("smtp://mail.example.com:", "has an invalid port"),
        ("smtp://mail.example.com/inbox", "the mail URL has something after the host"),
        ("smtp://bad_host!.example", "is not a host name or an IP address"),
        ("smtp://mail.example.com?tls=off", "unknown mail URL option(s): tls"),
        ("smtp://mail.example.com?starttls=maybe", "starttls must be yes or no, not 'maybe'"),
        ("smtp://mail.example.com?starttls=no", "starttls=no is allowed only for a loopback host"),
    ],
)
def test_a_bad_url_is_one_line_saying_what_to_fix(url: str, said: str) -> None:
    """Each mistake is named in one line of words."""
    with pytest.raises(UsageError) as caught:
        parse_url(url)
    message = str(caught.value)
    assert said in message and "\n" not in message


def test_the_error_never_repeats_a_password() -> None:
    """A URL with a password is refused without the password appearing in the message."""
    with pytest.raises(UsageError) as caught:
        parse_url("smtps://ops:s3cret-Pa55@mail.example.com")
    assert "s3cret-Pa55" not in str(caught.value)


def test_an_endpoint_reads_as_host_and_port() -> None:
    """Progress lines name the server as host:port."""
    assert str(parse_url("smtps://mail.example.com")) == "mail.example.com:465"
