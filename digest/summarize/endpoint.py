"""A client for an OpenAI-compatible chat-completions endpoint (Ollama, vLLM, llama.cpp, hosted).

``POST {endpoint}/chat/completions`` with ``{"model", "messages", "max_tokens", "temperature"}``;
the answer's ``choices[0].message.content`` is the reply. The key, when one is needed, comes from
``$DIGEST_LLM_API_KEY`` and is sent as a bearer token.

Care taken, because an endpoint is someone else's server:

- every request goes through the fetcher's vetted connection layer (``digest.fetch``): the
  configured endpoint's host is allowed because the user named it, whatever address it has (an
  Ollama on 127.0.0.1, a vLLM on the LAN); redirects are never followed, so no other host, and no
  private address the user did not name, is ever reached;
- a timeout per request, connect to last byte;
- retries with doubling backoff for what may pass (refused or dropped connections, timeouts, 429
  with its ``Retry-After`` up to ``MAX_RETRY_AFTER``, 5xx); none for what will not (4xx, a reply
  that is not chat-completions JSON);
- at most ``concurrency`` requests in flight;
- once the endpoint cannot be reached at all, it is considered down for ``DOWN_SECONDS``: later
  requests fail at once rather than each waiting out its retries.

Failures raise :class:`EndpointError`; the generative backend then keeps the extractive bullet.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx

from digest.config import SECRET_ENV
from digest.errors import ConfigError, SummarizeError
from digest.fetch import HttpFetcher, Resolver

logger = logging.getLogger(__name__)

API_KEY_ENV = SECRET_ENV["llm_api_key"]
MAX_RETRY_AFTER = 30.0  # seconds: a longer wait is not worth holding a gather for
DOWN_SECONDS = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Messages = list[dict[str, str]]


class EndpointError(SummarizeError):
    """The chat endpoint failed: unreachable, too slow, an error status or an unreadable reply."""

    hint = (
        "Check that the server at [summarizer] endpoint is running and serves the model named in "
        "[summarizer] model; the extractive bullets are used meanwhile."
    )


class ChatEndpoint:
    """Chat completions from one endpoint and model, with timeouts, retries and a concurrency cap.

    ``sleep`` and ``resolve`` replace ``time.sleep`` and the system resolver (tests).
    """

    def __init__(
        self,
        endpoint: str,
        model: str,
        *,
        timeout: float = 60.0,
        retries: int = 2,
        backoff: float = 1.0,
        concurrency: int = 4,
        api_key: str | None = None,
        resolve: Resolver | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"[summarizer] endpoint {endpoint!r} is not an http(s) URL",
                hint="Give the API's base URL, e.g. http://127.0.0.1:11434/v1 for Ollama.",
            )
        if not model:
            raise ConfigError(
                "[summarizer] endpoint is set but [summarizer] model is empty",
                hint='Name the model the server serves, e.g. model = "llama3.2:3b" for Ollama.',
            )
        self.url = endpoint.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.concurrency = max(1, concurrency)
        self.sleep = sleep
        key = os.environ.get(API_KEY_ENV, "") if api_key is None else api_key
        # The user named this host and port: allowed even on a private or loopback address.
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self.fetcher = HttpFetcher(
            user_agent="digest/0.1 (generative summariser)",
            timeout=timeout,
            allow_hosts=[f"{host}:{port}"],
            concurrency=self.concurrency,
            resolve=resolve,
        )
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self._down_until = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> ChatEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(self, messages: Messages, max_tokens: int) -> str:
        """The model's reply to ``messages``; raises EndpointError once retries are spent."""
        if time.monotonic() < self._down_until:
            raise EndpointError(f"{self.url} is down (it could not be reached moments ago)")
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": False,
        }
        attempt = 0
        while True:
            try:
                return self._post(body)
            except _Retryable as error:
                if attempt >= self.retries:
                    if error.unreachable:
                        with self._lock:
                            self._down_until = time.monotonic() + DOWN_SECONDS
                    raise EndpointError(
                        f"{self.url}: {error} (after {attempt + 1} attempts)"
                    ) from None
                wait = self.backoff * 2**attempt
                if error.retry_after is not None:
                    wait = max(wait, min(error.retry_after, MAX_RETRY_AFTER))
                logger.info("chat endpoint: %s; retrying in %.1f s", error, wait)
                self.sleep(wait)
                attempt += 1

    def complete_many(self, conversations: Sequence[Messages], max_tokens: int) -> list[str | None]:
        """Replies to each conversation, at most ``concurrency`` at once; None where one failed
        (the failure is logged)."""

        def one(messages: Messages) -> str | None:
            try:
                return self.complete(messages, max_tokens)
            except EndpointError as error:
                logger.warning("chat endpoint failed: %s", error)
                return None

        if len(conversations) <= 1 or self.concurrency == 1:
            return [one(messages) for messages in conversations]
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="chat") as pool:
            return list(pool.map(one, conversations))

    def _post(self, body: dict[str, Any]) -> str:
        try:
            response = self.fetcher.post_json(self.url, body, headers=self.headers, source=self.url)
        except httpx.TimeoutException:
            raise _Retryable(f"no answer within {self.timeout:g} s") from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as error:
            raise _Retryable(f"cannot connect: {error}", unreachable=True) from None
        except httpx.HTTPError as error:
            raise EndpointError(f"{self.url}: {error}") from None
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status}", retry_after=_seconds(response))
        if 300 <= status < 400:
            raise EndpointError(
                f"{self.url} redirected (HTTP {status}); digest does not follow redirects from a "
                "model endpoint",
                hint="Set [summarizer] endpoint to the address it redirects to, if you trust it.",
            )
        if status >= 400:
            raise EndpointError(f"{self.url} answered HTTP {status}: {response.text[:200]}")
        return _reply(response.content, self.url)


class _Retryable(Exception):
    def __init__(
        self, message: str, *, retry_after: float | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable


def _seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _reply(content: bytes, url: str) -> str:
    """``choices[0].message.content`` of a chat-completions answer."""
    try:
        data = json.loads(content)
        text = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise EndpointError(
            f"{url} did not answer with chat-completions JSON: {content[:120]!r}",
            hint="Check that [summarizer] endpoint is the API's base URL (often ending in /v1).",
        ) from None
    if not isinstance(text, str):
        raise EndpointError(f"{url} answered with no message text")
    return text
