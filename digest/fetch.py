"""Fetching over HTTP: one small interface, one careful client behind it.

``HttpFetcher`` follows redirects itself (at most ``MAX_REDIRECTS``) so that every hop's resolved address is
checked against the private-network rule, caps the body after decompression, and enforces a total deadline
per request on top of httpx's per-read timeouts (a server that trickles bytes forever is cut off).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from digest.errors import BlockedAddressError, FetchError, HTTPStatusError

MAX_REDIRECTS = 5
PERMANENT_REDIRECTS = {301, 308}


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
    """Gets one URL. Raises FetchError (or a subclass) when there is nothing usable."""

    def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> Response: ...


class HttpFetcher:
    """The real fetcher: httpx, a real user agent, conditional GET, strict limits."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = 20.0,
        max_bytes: int = 5_000_000,
        allow_private_addresses: bool = False,
        allow_hosts: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private_addresses = allow_private_addresses
        self.allow_hosts = {host.lower() for host in allow_hosts}
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            verify=True,
        )

    def close(self) -> None:
        self.client.close()

    def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> Response:
        deadline = time.monotonic() + self.timeout
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, moved_to, permanent = url, "", True
        for _ in range(MAX_REDIRECTS + 1):
            self.check_address(current)
            try:
                with self.client.stream("GET", current, headers=headers) as response:
                    if response.status_code in (301, 302, 303, 307, 308):
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"{current} redirected without a Location header")
                        permanent = permanent and response.status_code in PERMANENT_REDIRECTS
                        current = urljoin(current, location)
                        if permanent:
                            moved_to = current
                        continue
                    if response.status_code == 304:
                        return Response(current, 304, b"", dict(response.headers), moved_to)
                    if response.status_code >= 400:
                        raise _status_error(current, response)
                    body = self._read(response, current, deadline)
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

    def _read(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(
                f"{url} is {int(declared):,} bytes, over the {self.max_bytes:,} limit",
                hint="Raise [fetch] max_bytes if this source is genuine.",
            )
        chunks: list[bytes] = []
        size = 0
        # iter_bytes decompresses as it goes, so the cap also stops gzip bombs.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(
                    f"{url} is over the {self.max_bytes:,}-byte limit once decompressed",
                    hint="Raise [fetch] max_bytes if this source is genuine.",
                )
            if time.monotonic() > deadline:
                raise FetchError(f"{url} did not finish within {self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def check_address(self, url: str) -> None:
        """Refuse non-http(s) URLs and, unless allowed, hosts resolving to non-public addresses."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{url} is not an http(s) URL")
        host = parts.hostname.lower()
        if self.allow_private_addresses or host in self.allow_hosts:
            return
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise FetchError(
                f"cannot resolve the host {host}", hint="Check the URL's spelling and your DNS."
            ) from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not address.is_global or address.is_multicast:
                raise BlockedAddressError(f"{url} resolves to the non-public address {address}")


def _status_error(url: str, response: httpx.Response) -> HTTPStatusError:
    status = response.status_code
    retry_after = _retry_after(response.headers.get("retry-after", ""))
    hints = {
        404: "The page or feed is gone; update or remove the source.",
        410: "The publisher removed it for good; digest disables the source.",
        429: "The site asks digest to slow down; it waits as told before the next fetch.",
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
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
