"""Fetching over HTTP: one small interface, one careful client behind it.

``HttpFetcher`` is the one client every source and page goes through. It

- resolves each host itself, refuses private, loopback and link-local answers (unless allowed),
  then connects to exactly the address it checked: neither a redirect nor a DNS answer that
  changes between check and connection (rebinding) reaches an internal service; TLS still
  verifies the host name;
- follows at most ``MAX_REDIRECTS`` redirects itself, noting where permanent ones (301/308) led;
- enforces a total deadline per request, connect to last byte, on every socket read and write
  (a server that trickles headers or body forever is cut off);
- decompresses the body itself in bounded steps and caps it after decompression (gzip bombs);
- never retries without certificate checks.

``fetch_each`` runs many fetches at once across hosts, with a per-host limit, and hands each
result back to the calling thread (where the store lives).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from digest.errors import BlockedAddressError, FetchError, HTTPStatusError

MAX_REDIRECTS = 5
PERMANENT_REDIRECTS = {301, 308}
REDIRECTS = {301, 302, 303, 307, 308}

T = TypeVar("T")
R = TypeVar("R")
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Response:
    """A fetched resource. ``status`` is 200 or 304; errors raise instead."""

    url: str
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    moved_to: str = ""  # set when only permanent redirects led here: the source's new address

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Fetcher(Protocol):
    """Gets one URL. Raises FetchError (or a subclass) when there is nothing usable.

    Implementations must be safe to call from several threads at once (``fetch_each`` does).
    """

    def fetch(
        self, url: str, *, etag: str = "", last_modified: str = "", source: str = ""
    ) -> Response:
        """GET ``url`` for the configured source ``source`` (the URL the operator gave, whose
        trust a fetch may borrow; '' for none)."""
        ...


class HttpFetcher:
    """The real fetcher: httpx, a real user agent, conditional GET, strict limits.

    ``resolve`` (host, port) -> addresses replaces the system resolver (tests point a made-up host
    name at 127.0.0.1 with it). ``concurrency`` bounds the connection pool.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = 20.0,
        max_bytes: int = 5_000_000,
        allow_private_addresses: bool = False,
        allow_hosts: tuple[str, ...] | list[str] = (),
        concurrency: int = 8,
        resolve: Resolver | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private_addresses = allow_private_addresses
        self.allow_hosts = {pair for entry in allow_hosts for pair in _allowed_pairs(entry)}
        self.resolve = resolve or _system_resolve
        transport = httpx.HTTPTransport(verify=_tls_context(), trust_env=False)
        # httpx has no public hook for the network backend, and the pinning must sit exactly there:
        # this pool, built with httpcore's public API, replaces the transport's default one.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=max(1, concurrency),
            max_keepalive_connections=max(1, concurrency),
            keepalive_expiry=5.0,
            network_backend=_VettedBackend(self),
        )
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            transport=transport,
            trust_env=False,  # a proxy from the environment would bypass the address checks
        )

    def close(self) -> None:
        self.client.close()

    def fetch(
        self, url: str, *, etag: str = "", last_modified: str = "", source: str = ""
    ) -> Response:
        """GET ``url``, conditionally given validators: 200 and 304 return, the rest raise.

        ``[fetch] allow_hosts`` lets a request reach a private address only on behalf of a
        configured ``source`` that is itself on that list, and only at a listed host:port: a link
        in a public feed never borrows the allowance.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        _deadline.at = time.monotonic() + self.timeout
        _deadline.granted = bool(source) and _host_port(source) in self.allow_hosts
        try:
            return self._follow(url, headers)
        finally:
            _deadline.at = None
            _deadline.granted = False

    def _follow(self, url: str, headers: dict[str, str]) -> Response:
        current, moved_to, permanent = url, "", True
        for _ in range(MAX_REDIRECTS + 1):
            _check_url(current)
            if _host_port(current) in self.allow_hosts and not _deadline.granted:
                # A pooled connection to an allowed host is not vetted again when reused: check
                # this request's host on its own before it may ride on one.
                host, port = _host_port(current)
                self._vet(host, port, granted=False)
            try:
                with self.client.stream("GET", current, headers=headers) as response:
                    if response.status_code in REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"{current} redirected without a Location header")
                        permanent = permanent and response.status_code in PERMANENT_REDIRECTS
                        current = urljoin(current, location.strip())
                        if permanent:
                            moved_to = current
                        continue
                    if response.status_code == 304:
                        return Response(current, 304, b"", dict(response.headers), moved_to)
                    if response.status_code >= 400:
                        raise _status_error(current, response)
                    body = self._read(response, current)
                    return Response(
                        current, response.status_code, body, dict(response.headers), moved_to
                    )
            except httpx.TimeoutException:
                raise FetchError(f"{current} did not answer within {self.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch {current}: {exc}") from None
        raise FetchError(
            f"{url} redirected more than {MAX_REDIRECTS} times",
            hint="The site is misconfigured or loops; check the URL in a browser.",
        )

    def _read(self, response: httpx.Response, url: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(
                f"{url} is {int(declared):,} bytes, over the {self.max_bytes:,} limit",
                hint="Raise [fetch] max_bytes if this source is genuine.",
            )
        decoder = _Decoder(response.headers.get("content-encoding", ""), url)
        chunks: list[bytes] = []
        size = 0
        for raw in response.iter_raw():
            for chunk in decoder.decode(raw, self.max_bytes - size + 1):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(
                        f"{url} is over the {self.max_bytes:,}-byte limit once decompressed",
                        hint="Raise [fetch] max_bytes if this source is genuine.",
                    )
                chunks.append(chunk)
        return b"".join(chunks)

    def check_address(self, url: str) -> None:
        """Refuse non-http(s) URLs and, unless allowed, hosts resolving to non-public addresses."""
        _check_url(url)
        parts = urlsplit(url)
        default = 443 if parts.scheme == "https" else 80
        self.vetted_addresses(parts.hostname or "", parts.port or default)

    def vetted_addresses(self, host: str, port: int) -> list[str]:
        """The addresses ``host`` resolves to, all of them public unless the host is allowed.

        Raises BlockedAddressError when any answer is private, loopback, link-local, multicast or
        otherwise not globally routable: a mixed answer is how rebinding attacks start.
        """
        return self._vet(host, port, granted=getattr(_deadline, "granted", False))

    def _vet(self, host: str, port: int, *, granted: bool) -> list[str]:
        name = host.lower().rstrip(".").strip("[]")
        try:
            addresses = self.resolve(name, port)
        except OSError:
            raise FetchError(
                f"cannot resolve the host {name}", hint="Check the URL's spelling and your DNS."
            ) from None
        if not addresses:
            raise FetchError(f"the host {name} has no address")
        if self.allow_private_addresses or (granted and (name, port) in self.allow_hosts):
            return addresses
        for address in addresses:
            if not _is_public(address):
                raise BlockedAddressError(f"{name} resolves to the non-public address {address}")
        return addresses


def fetch_each(
    items: Iterable[T],
    host_of: Callable[[T], str],
    work: Callable[[T], R],
    *,
    concurrency: int,
    per_host: int,
    deadline: float | None = None,
) -> Iterator[tuple[T, R | None, Exception | None]]:
    """Run ``work`` on every item in worker threads; yield ``(item, result, error)`` as each ends.

    At most ``concurrency`` items run at once, and at most ``per_host`` with the same ``host_of``.
    Exactly one of result and error is set (error: whatever ``work`` raised). Results come back on
    the calling thread, so the caller can write them to a store that must stay on one thread.
    Once ``deadline`` (a ``time.monotonic()`` value) has passed no item starts: each one left is
    yielded with a ``DeadlinePassed`` error, while those running finish.
    """
    waiting: dict[str, deque[T]] = {}
    for item in items:
        waiting.setdefault(host_of(item).lower(), deque()).append(item)
    busy: dict[str, int] = {}
    running: dict[Future[R], tuple[T, str]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="fetch")
    try:
        while waiting or running:
            if deadline is not None and time.monotonic() > deadline:
                for queue in waiting.values():
                    for item in queue:
                        yield item, None, DeadlinePassed("the gather's deadline passed first")
                waiting.clear()
                if not running:
                    break
            for host in list(waiting):
                queue = waiting[host]
                while queue and busy.get(host, 0) < per_host and len(running) < concurrency:
                    item = queue.popleft()
                    running[pool.submit(work, item)] = (item, host)
                    busy[host] = busy.get(host, 0) + 1
                if not queue:
                    del waiting[host]
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                item, host = running.pop(future)
                busy[host] -= 1
                error = future.exception()
                if error is None:
                    yield item, future.result(), None
                elif isinstance(error, Exception):
                    yield item, None, error
                else:
                    raise error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class DeadlinePassed(FetchError):
    """Not started: the run's deadline passed first (it is tried again by the next run)."""


def host_of(url: str) -> str:
    """The host part of a URL, lower-case ('' when there is none): the key for per-host limits."""
    return (urlsplit(url).hostname or "").lower()


# -- the network layer: vetted addresses and the per-request deadline ------------------------------

_deadline = threading.local()  # per request: its deadline (``at``) and ``granted`` allowance


def _left(timeout: float | None, timeout_error: type[Exception]) -> float | None:
    """The socket timeout to use now: httpx's own, shortened to what is left of the deadline."""
    deadline: float | None = getattr(_deadline, "at", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise timeout_error("the request's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _VettedBackend(httpcore.NetworkBackend):
    """Connects only to addresses ``HttpFetcher.vetted_addresses`` approved, within the deadline."""

    def __init__(self, fetcher: HttpFetcher) -> None:
        self.fetcher = fetcher
        self.plain = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.fetcher.vetted_addresses(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self.plain.connect_tcp(
                    address,
                    port,
                    timeout=_left(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("digest does not fetch over Unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write also respects the request's total deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self.inner.start_tls(
                ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)
            )
        )

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Certificate checks on, always; loaded once (reading the CA bundle takes a while)."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


def _system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_public(address: str) -> bool:
    """Whether an address is globally routable, and so is every IPv4 address inside it."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    inside = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else []
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _is_public(str(ip.ipv4_mapped))  # ::ffff:127.0.0.1 is loopback too
    if inside:
        # 6to4, Teredo, NAT64 and IPv4-compatible addresses reach the IPv4 address they carry.
        return all(_is_public(str(each)) for each in inside)
    return ip.is_global and not ip.is_multicast


NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: 6to4 (2002::/16), Teredo (2001::/32; its
    server and client), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and IPv4-compatible (::a.b.c.d)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in prefix for prefix in NAT64_PREFIXES):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d, but not :: or ::1
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _host_port(url: str) -> tuple[str, int]:
    """(host, port) a URL connects to, the port filled in from the scheme."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 443 if parts.scheme == "https" else 80
    return ((parts.hostname or "").lower().rstrip("."), port or default)


def _allowed_pairs(entry: str) -> list[tuple[str, int]]:
    """The (host, port) pairs one ``allow_hosts`` entry grants: 'host:port' that port, a bare
    'host' the default ports 80 and 443 only."""
    entry = entry.strip().lower()
    host, port = _host_port(f"http://{entry}")
    if ":" in entry.rsplit("]", 1)[-1]:
        return [(host, port)]
    return [(host, 80), (host, 443)]


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url} is not an http(s) URL")


class _Decoder:
    """Undoes Content-Encoding (gzip, deflate) a bounded piece at a time, never more than asked."""

    def __init__(self, encoding: str, url: str) -> None:
        names = [name.strip().lower() for name in encoding.split(",") if name.strip()]
        names = [name for name in names if name != "identity"]
        if len(names) > 1 or (names and names[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(f"{url} uses an unsupported Content-Encoding: {encoding}")
        self.kind = names[0] if names else ""
        self.url = url
        self.fresh = True  # nothing decoded yet: a raw-deflate fallback is still possible
        self.zlib: Any = None
        if self.kind in ("gzip", "x-gzip"):
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.kind == "deflate":
            self.zlib = zlib.decompressobj()

    def decode(self, data: bytes, limit: int) -> Iterator[bytes]:
        """The decoded bytes of ``data``, in pieces; stops once more than ``limit`` came out."""
        if self.zlib is None:
            yield data
            return
        produced = 0
        while data and produced <= limit:
            try:
                out = self.zlib.decompress(data, max(1, limit - produced + 1))
            except zlib.error:
                if self.kind == "deflate" and self.fresh:
                    # Some servers send raw deflate without the zlib header.
                    self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self.kind = "raw deflate"
                    continue
                raise FetchError(f"{self.url} sent a corrupt compressed body") from None
            self.fresh = False
            produced += len(out)
            yield out
            data = self.zlib.unconsumed_tail
            if self.zlib.eof:
                data = self.zlib.unused_data
                if not data.strip(b"\0"):
                    return
                self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)  # another gzip member


def _status_error(url: str, response: httpx.Response) -> HTTPStatusError:
    status = response.status_code
    retry_after = _retry_after(response.headers.get("retry-after", ""))
    hints = {
        404: "The page or feed is gone; update or remove the source.",
        410: "The publisher removed it for good; digest disables the source.",
        429: "The site asks digest to slow down; it waits as told before the next fetch.",
        503: "The site is down for now; digest waits as told before the next fetch.",
    }
    return HTTPStatusError(
        f"{url} answered HTTP {status}",
        status=status,
        retry_after=retry_after,
        hint=hints.get(status),
    )


def _retry_after(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())
