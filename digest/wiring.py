"""The composition root: the one place that builds digest's real parts from a config.

Every entry point (the CLI, the scheduler, the web app, the demo) asks a ``Components`` for the
store, the fetcher, the summariser, the renderer and the mailer; none builds them itself, and none
imports another entry point. Each part is built on first use, and its heavy imports happen then,
so `digest --help` starts fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from digest.config import Config, load_config

if TYPE_CHECKING:
    from digest.deliver import DkimSigner, Mailer, SMTPMailer
    from digest.fetch import HttpFetcher
    from digest.render import Renderer
    from digest.store import Store
    from digest.summarize import Summarizer

log = logging.getLogger(__name__)


class Components:
    """The collaborators built from one config: given, or loaded from ``config_path`` on first use
    (``--config``, else ``$DIGEST_CONFIG``, else ``./digest.toml``, else the embedded defaults).

    ``on_load`` is called with the config once it is loaded (the CLI says which file it was).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        config_path: str | None = None,
        on_load: Callable[[Config], None] | None = None,
    ) -> None:
        self.config_path = config_path
        self.on_load = on_load
        self._config = config
        self._store: Store | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            log.info("config: %s", self._config.path or "none found; the embedded defaults")
            if self.on_load is not None:
                self.on_load(self._config)
        return self._config

    @property
    def store(self) -> Store:
        """The one shared store of this run, opened on first use and closed by ``close``."""
        if self._store is None:
            self._store = self.open_store()
        return self._store

    def open_store(self) -> Store:
        """A new store on the configured database (SQLite, or PostgreSQL for ``[store] url``)
        (for another thread); the caller closes it."""
        from digest.store import open_store

        return open_store(self.config)

    def fetcher(self) -> HttpFetcher:
        """A new HTTP client under the [fetch] rules; the caller closes it."""
        from digest.fetch import HttpFetcher

        fetch = self.config.fetch
        return HttpFetcher(
            user_agent=fetch.user_agent,
            timeout=fetch.timeout,
            max_bytes=fetch.max_bytes,
            allow_private_addresses=fetch.allow_private_addresses,
            allow_hosts=fetch.allow_hosts,
            concurrency=fetch.concurrency,
        )

    def summarizer_loader(
        self, backend: str | None = None, model: str | None = None
    ) -> Callable[[], Summarizer]:
        """A function that loads the configured summariser (or ``backend``/``model``) once, on
        its first call: the model loads only when something needs summarising."""
        loaded: list[Summarizer] = []

        def load() -> Summarizer:
            if not loaded:
                from digest.summarize import SummarizerSettings, load_summarizer

                s = self.config.summarizer
                settings = SummarizerSettings(
                    backend=backend or s.backend,
                    model=s.model if model is None else model,
                    bullets=s.bullets,
                    max_words=s.max_words,
                    device=s.device,
                    quantize=s.quantize,
                    batch_size=s.batch_size,
                    mode=s.mode,
                    endpoint=s.endpoint,
                    timeout=s.timeout,
                    retries=s.retries,
                    concurrency=s.concurrency,
                )
                loaded.append(load_summarizer(settings))
                log.info("summariser: %s (%s)", loaded[0].name, loaded[0].model_id)
            return loaded[0]

        return load

    def renderer(self, *, limit: bool = True) -> Renderer:
        """The templates the config names; ``limit`` off renders whole editions (the archive)."""
        return build_renderer(self.config, limit=limit)

    def mailer(self) -> Mailer:
        """A new mailer (one SMTP connection, or the outbox); sending calls this per connection."""
        from digest.deliver import OutboxMailer

        if self.config.mail.backend == "smtp":
            return self.smtp_mailer()
        return OutboxMailer(self.config.mail.outbox, signer=self._signer())

    def smtp_mailer(self) -> SMTPMailer:
        """A new SMTP mailer from [mail.smtp], whatever [mail] backend says."""
        from digest.deliver import SMTPMailer

        mail = self.config.mail
        return SMTPMailer(
            host=mail.smtp.host,
            port=mail.smtp.port,
            security=mail.smtp.security,
            username=mail.smtp.username,
            password=self.config.smtp_password,
            timeout=mail.smtp.timeout,
            messages_per_connection=mail.messages_per_connection,
            signer=self._signer(),
        )

    def _signer(self) -> DkimSigner | None:
        from digest.deliver import DkimSigner

        mail = self.config.mail
        if not mail.dkim_key_file:
            return None
        return DkimSigner.from_file(
            selector=mail.dkim_selector, domain=mail.dkim_domain, key_file=mail.dkim_key_file
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def build_renderer(config: Config, *, limit: bool = True) -> Renderer:
    """The renderer over the config's templates, under its HTML size limit unless ``limit`` off."""
    from digest.render import Renderer

    return Renderer(
        config.digest.template_dir,
        max_html_bytes=config.digest.max_html_bytes if limit else 0,
    )
