"""HttpFetcher against a real HTTP server on 127.0.0.1: limits, redirects, statuses, addresses."""

from __future__ import annotations

import gzip
import itertools
import shutil
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from digest.errors import BlockedAddressError, FetchError, HTTPStatusError
from digest.fetch import HttpFetcher, fetch_each
from tests.scripted_server import Reply, ScriptedServer

FEED = b"<rss version='2.0'><channel><title>Quay Notes</title></channel></rss>"


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    client = HttpFetcher(
        user_agent="digest-tests", timeout=1.0, max_bytes=100_000, allow_private_addresses=True
    )
    yield client
    client.close()


def test_conditional_get_answers_304_without_a_body(
    server: ScriptedServer, fetcher: HttpFetcher
) -> None:
    def feed(request: Any) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        if request.headers.get("if-modified-since") == "Fri, 27 Nov 2026 08:00:00 GMT":
            return Reply(status=304)
        headers = {"ETag": '"v1"', "Last-Modified": "Fri, 27 Nov 2026 08:00:00 GMT"}
        return Reply(body=FEED, headers=headers)

    server.route("/feed.xml", feed)
    first = fetcher.fetch(server.url("/feed.xml"))
    assert (first.status, first.body, first.etag) == (200, FEED, '"v1"')
    assert first.last_modified == "Fri, 27 Nov 2026 08:00:00 GMT"
    again = fetcher.fetch(server.url("/feed.xml"), etag=first.etag)
    assert (again.status, again.body) == (304, b"")
    by_date = fetcher.fetch(server.url("/feed.xml"), last_modified=first.last_modified)
    assert by_date.status == 304


def test_only_permanent_redirects_move_a_source(
    server: ScriptedServer, fetcher: HttpFetcher
) -> None:
    server.route("/feed.xml", Reply(body=FEED))
    for status in (301, 308, 302, 307):
        server.route(f"/r{status}", Reply(status=status, headers={"Location": "/feed.xml"}))
    for status in (301, 308):
        response = fetcher.fetch(server.url(f"/r{status}"))
        assert response.body == FEED and response.moved_to == server.url("/feed.xml")
    for status in (302, 307):
        response = fetcher.fetch(server.url(f"/r{status}"))
        assert response.body == FEED and response.moved_to == ""
    # Permanent then temporary: the source moved to the first hop's target, not the second's.
    server.route("/old", Reply(status=301, headers={"Location": "/r302"}))
    assert fetcher.fetch(server.url("/old")).moved_to == server.url("/r302")


def test_at_most_five_redirects(server: ScriptedServer, fetcher: HttpFetcher) -> None:
    for n in range(7):
        server.route(f"/hop{n}", Reply(status=302, headers={"Location": f"/hop{n + 1}"}))
    server.route("/hop6", Reply(body=FEED))
    server.route("/hop5b", Reply(status=302, headers={"Location": "/hop6"}))
    server.route("/loop", Reply(status=301, headers={"Location": "/loop"}))
    with pytest.raises(FetchError, match="more than 5"):
        fetcher.fetch(server.url("/hop0"))  # six redirects
    assert fetcher.fetch(server.url("/hop1")).body == FEED  # five redirects
    with pytest.raises(FetchError, match="more than 5"):
        fetcher.fetch(server.url("/loop"))


def test_error_statuses_carry_status_and_retry_after(
    server: ScriptedServer, fetcher: HttpFetcher
) -> None:
    server.route("/gone", Reply(status=410))
    server.route("/busy", Reply(status=429, headers={"Retry-After": "120"}))
    server.route(
        "/down", Reply(status=503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    )
    with pytest.raises(HTTPStatusError) as gone:
        fetcher.fetch(server.url("/gone"))
    assert gone.value.status == 410 and "disables" in gone.value.hint
    with pytest.raises(HTTPStatusError) as busy:
        fetcher.fetch(server.url("/busy"))
    assert (busy.value.status, busy.value.retry_after) == (429, 120.0)
    with pytest.raises(HTTPStatusError) as down:
        fetcher.fetch(server.url("/down"))
    assert down.value.status == 503 and (down.value.retry_after or 0) > 365 * 86400


@pytest.mark.parametrize(
    "reply",
    [
        Reply(chunks=itertools.repeat(b"<item>"), pace=0.05),  # a body that never ends
        Reply(delay=30),  # no answer at all
        Reply(raw_head=b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 1000, pace=0.05),  # slow headers
    ],
    ids=["endless-body", "silent", "trickled-headers"],
)
def test_every_request_has_a_total_deadline(
    server: ScriptedServer, fetcher: HttpFetcher, reply: Reply
) -> None:
    server.route("/slow", reply)
    started = time.monotonic()
    with pytest.raises(FetchError, match="within 1 s"):
        fetcher.fetch(server.url("/slow"))
    assert time.monotonic() - started < 2.5


def test_oversized_bodies_are_refused(server: ScriptedServer, fetcher: HttpFetcher) -> None:
    server.route("/declared", Reply(body=b"x" * 200_000))
    server.route("/streamed", Reply(chunks=[b"x" * 10_000] * 30))
    with pytest.raises(FetchError, match="over the 100,000 limit"):
        fetcher.fetch(server.url("/declared"))
    with pytest.raises(FetchError, match="over the 100,000-byte limit"):
        fetcher.fetch(server.url("/streamed"))


def test_a_gzip_bomb_is_stopped_at_the_cap(server: ScriptedServer, fetcher: HttpFetcher) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000  # well under the cap as sent
    server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    started = time.monotonic()
    with pytest.raises(FetchError, match="once decompressed"):
        fetcher.fetch(server.url("/bomb"))
    assert time.monotonic() - started < 2


def test_compressed_bodies_are_decoded(server: ScriptedServer, fetcher: HttpFetcher) -> None:
    raw_deflate = zlib.compressobj(wbits=-15)
    server.route("/gz", Reply(body=gzip.compress(FEED), headers={"Content-Encoding": "gzip"}))
    server.route("/zlib", Reply(body=zlib.compress(FEED), headers={"Content-Encoding": "deflate"}))
    server.route(
        "/raw",
        Reply(
            body=raw_deflate.compress(FEED) + raw_deflate.flush(),
            headers={"Content-Encoding": "deflate"},
        ),
    )
    server.route("/br", Reply(body=FEED, headers={"Content-Encoding": "br"}))
    for path in ("/gz", "/zlib", "/raw"):
        assert fetcher.fetch(server.url(path)).body == FEED, path
    with pytest.raises(FetchError, match="unsupported Content-Encoding"):
        fetcher.fetch(server.url("/br"))
    server.route("/bad", Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="corrupt"):
        fetcher.fetch(server.url("/bad"))


def test_private_addresses_are_refused_by_default(server: ScriptedServer) -> None:
    server.route("/feed.xml", Reply(body=FEED))
    strict = HttpFetcher(user_agent="digest-tests", timeout=1.0)
    try:
        with pytest.raises(BlockedAddressError, match="127.0.0.1"):
            strict.fetch(server.url("/feed.xml"))
        with pytest.raises(FetchError, match="not an http"):
            strict.fetch("file:///etc/passwd")
    finally:
        strict.close()
    assert server.requests == []


def test_a_redirect_to_a_private_address_is_refused(server: ScriptedServer) -> None:
    # 127.0.0.1 itself is allowed by name; the redirect goes to "localhost", which is not.
    server.route(
        "/hop", Reply(status=302, headers={"Location": server.url("/feed.xml", "localhost")})
    )
    server.route("/feed.xml", Reply(body=FEED))
    client = HttpFetcher(
        user_agent="digest-tests", timeout=1.0, allow_hosts=[f"127.0.0.1:{server.port}"]
    )
    try:
        with pytest.raises(BlockedAddressError, match="localhost resolves to the non-public"):
            client.fetch(server.url("/hop"), source=server.url("/hop"))
    finally:
        client.close()
    assert server.paths() == ["/hop"]


class Resolver:
    """A DNS of our own: answers from a table and counts the questions."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"no such host {host}")
        return self.answers[host]


def test_the_checked_address_is_the_one_connected_to(server: ScriptedServer) -> None:
    server.route("/feed.xml", Reply(body=FEED))
    dns = Resolver({"news.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "127.0.0.1"]})
    allowed = HttpFetcher(
        user_agent="digest-tests",
        timeout=1.0,
        allow_hosts=[f"news.test:{server.port}"],
        resolve=dns,
    )
    strict = HttpFetcher(user_agent="digest-tests", timeout=1.0, resolve=dns)
    try:
        # The made-up name reaches the server only through our resolver's answer; Host is kept.
        feed = f"http://news.test:{server.port}/feed.xml"
        assert allowed.fetch(feed, source=feed).body == FEED
        assert server.requests[0].headers["host"] == f"news.test:{server.port}"
        assert dns.asked == ["news.test"]  # one lookup, used for both the check and the connect
        with pytest.raises(BlockedAddressError):
            strict.fetch(f"http://news.test:{server.port}/feed.xml")
        with pytest.raises(BlockedAddressError, match="127.0.0.1"):
            strict.fetch(f"http://mixed.test:{server.port}/feed.xml")  # one bad answer is enough
        with pytest.raises(FetchError, match="cannot resolve"):
            strict.fetch("http://nowhere.test/feed.xml")
    finally:
        allowed.close()
        strict.close()
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "169.254.169.254",
        "::1",
        "::ffff:127.0.0.1",
        "fe80::1",
        "0.0.0.0",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254, the cloud metadata service
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1 (obfuscated)
        "2001:0:a00:1::1",  # Teredo, server 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::10.0.0.1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    client = HttpFetcher(user_agent="t", resolve=Resolver({"x.test": [address]}))
    try:
        with pytest.raises(BlockedAddressError):
            client.check_address("https://x.test/")
        client.resolve = Resolver({"x.test": ["93.184.216.34"]})
        client.check_address("https://x.test/")  # a public address passes
    finally:
        client.close()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert), "-days", "1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_no_insecure_tls_fallback(server: ScriptedServer, self_signed: tuple[Path, Path]) -> None:
    server.route("/feed.xml", Reply(body=FEED))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    client = HttpFetcher(user_agent="digest-tests", timeout=2.0, allow_private_addresses=True)
    try:
        with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
            client.fetch(f"https://127.0.0.1:{server.port}/feed.xml")
    finally:
        client.close()
    assert server.requests == []  # nothing was ever sent over the unverified connection


def test_fetch_each_keeps_to_its_limits() -> None:
    lock = threading.Lock()
    running: dict[str, int] = {}
    most: dict[str, int] = {}
    most_total = [0]

    def work(item: tuple[str, int]) -> int:
        host, n = item
        with lock:
            running[host] = running.get(host, 0) + 1
            most[host] = max(most.get(host, 0), running[host])
            most_total[0] = max(most_total[0], sum(running.values()))
        time.sleep(0.02)
        with lock:
            running[host] -= 1
        if n == 3:
            raise FetchError("three is broken")
        return n * 10

    items = [(host, n) for n in range(6) for host in ("a.test", "b.test", "c.test", "d.test")]
    results = list(fetch_each(items, lambda i: i[0], work, concurrency=3, per_host=2))
    assert sorted(item for item, _, _ in results) == sorted(items)
    assert all(max_ <= 2 for max_ in most.values()) and most_total[0] <= 3
    assert most_total[0] >= 2  # it does run in parallel
    failed = [(item, error) for item, result, error in results if error is not None]
    assert len(failed) == 4 and all(str(e) == "three is broken" for _, e in failed)
    assert all(result == item[1] * 10 for item, result, error in results if error is None)


@pytest.mark.parametrize("address", ["2002:5db8:d822::1", "64:ff9b::5db8:d822", "2606:4700::1"])
def test_ipv6_forms_carrying_a_public_ipv4_address_pass(address: str) -> None:
    client = HttpFetcher(user_agent="t", resolve=Resolver({"x.test": [address]}))
    try:
        client.check_address("https://x.test/")  # no connection is made: only the check
    finally:
        client.close()


def test_allow_hosts_is_scoped_to_host_port_and_to_configured_sources(
    server: ScriptedServer,
) -> None:
    """An intranet source is allowed; a link to it in a public feed, or another port, is not."""
    server.route("/feed.xml", Reply(body=FEED))
    server.route("/page", Reply(body=b"<p>inside</p>"))
    dns = Resolver({"intranet.test": ["127.0.0.1"], "public.test": ["93.184.216.34"]})
    feed = f"http://intranet.test:{server.port}/feed.xml"
    page = f"http://intranet.test:{server.port}/page"
    client = HttpFetcher(
        user_agent="digest-tests",
        timeout=1.0,
        allow_hosts=[f"intranet.test:{server.port}"],
        resolve=dns,
    )
    bare = HttpFetcher(
        user_agent="digest-tests", timeout=1.0, allow_hosts=["intranet.test"], resolve=dns
    )
    try:
        assert client.fetch(feed, source=feed).body == FEED  # the configured source
        assert client.fetch(page, source=feed).body == b"<p>inside</p>"  # its own article
        with pytest.raises(BlockedAddressError, match="127.0.0.1"):
            client.fetch(page, source="https://public.test/feed.xml")  # a link in a public feed
        with pytest.raises(BlockedAddressError, match="127.0.0.1"):
            client.fetch(page)  # no source at all
        with pytest.raises(BlockedAddressError, match="127.0.0.1"):
            bare.fetch(feed, source=feed)  # a bare host name grants ports 80 and 443 only
    finally:
        client.close()
        bare.close()
    assert server.paths() == ["/feed.xml", "/page"]
