"""The configuration: one declarative, validated schema loaded from a TOML file.

Every key is a dataclass field with a default and a one-line ``help``. Loading checks every key and type:
an unknown or mistyped key fails at once with its dotted name and a hint (the nearest valid key). Secrets
never live in the file: they come from environment variables (see ``SECRET_ENV``).

Relative paths in the file are resolved against the file's own folder, so a config works from any cwd.
"""

from __future__ import annotations

import difflib
import os
import string
import tomllib
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

from digest.errors import ConfigError

CONFIG_ENV = "DIGEST_CONFIG"
DEFAULT_CONFIG_NAME = "digest.toml"
SECRET_ENV = {
    "smtp_password": "DIGEST_SMTP_PASSWORD",
    "secret_key": "DIGEST_SECRET_KEY",
    "preview_password": "DIGEST_PREVIEW_PASSWORD",
    "llm_api_key": "DIGEST_LLM_API_KEY",
}


def _key(
    default: Any,
    help: str,
    *,
    path: bool = False,
    choices: tuple[str, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> Any:
    """A config key: its default, its one-line help and the rules its value must keep.

    ``path`` marks a path to resolve against the config file's folder; ``choices`` lists the
    allowed strings; ``minimum`` and ``maximum`` bound a number (inclusive).
    """
    meta = {"help": help, "path": path, "choices": choices, "minimum": minimum, "maximum": maximum}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class StoreConfig:
    path: str = _key(
        "digest.db", "The SQLite database file (created and migrated on first use).", path=True
    )
    url: str = _key(
        "",
        "A PostgreSQL database instead, postgresql://user@host:5432/db; the password comes "
        "from $DIGEST_DB_PASSWORD or PGPASSFILE. Empty: the SQLite file.",
    )
    claim_lease_seconds: float = _key(
        300.0,
        "PostgreSQL: how long a sender holds a claimed delivery; past it the row is reaped "
        "('uncertain', retried once). Longer than one SMTP conversation.",
        minimum=1,
    )


@dataclass(frozen=True)
class SourceConfig:
    url: str = _key(
        "", "A feed (RSS, Atom, JSON Feed), a sitemap, a site's home page, or an article page."
    )
    name: str = _key("", "Display name; defaults to the feed's own title.")
    section: str = _key(
        "", "Section of the digest this source's stories go in; defaults to the name."
    )


@dataclass(frozen=True)
class FetchConfig:
    allow_private_addresses: bool = _key(
        False, "Allow sources on loopback, private or link-local addresses (tests, intranets)."
    )
    allow_hosts: list[str] = _key(
        [],
        "host:port (a bare host: ports 80 and 443) of sources allowed on private addresses; "
        "only those sources and their own links may use it.",
    )
    timeout: float = _key(20.0, "Seconds allowed for one whole request, connect to last byte.")
    max_bytes: int = _key(
        5_000_000, "Largest response body accepted, after decompression.", minimum=1
    )
    user_agent: str = _key(
        "digest/0.1 (+https://github.com/digest-news/digest)", "The User-Agent sent with requests."
    )
    first_fetch_limit: int = _key(
        20, "Most items a newly added source contributes on its first fetch."
    )
    max_new_items: int = _key(
        100, "Most new items a source contributes on any later fetch.", minimum=1
    )
    gather_deadline: float = _key(
        600.0,
        "Seconds one gather may spend fetching; what is not started by then waits for the next.",
        minimum=1,
    )
    concurrency: int = _key(8, "Requests in flight at once, across all hosts.", minimum=1)
    per_host: int = _key(2, "Requests in flight at once to any one host.", minimum=1)


@dataclass(frozen=True)
class SummarizerConfig:
    backend: str = _key(
        "extractive",
        "extractive | abstractive | lead | auto | generative.",
        choices=("extractive", "abstractive", "lead", "auto", "generative"),
    )
    model: str = _key(
        "",
        "Abstractive, generative: a hub name or a local path (generative: also a .gguf file, or "
        "the model an endpoint serves).",
    )
    bullets: int = _key(3, "Bullets per article.", minimum=1, maximum=10)
    max_words: int = _key(25, "Longest bullet, in words.", minimum=8, maximum=60)
    device: str = _key("auto", "auto | cpu | cuda.", choices=("auto", "cpu", "cuda"))
    quantize: bool = _key(
        False, "Abstractive on CPU: dynamic int8 quantisation (faster, tiny loss)."
    )
    batch_size: int = _key(8, "Articles per model batch.", minimum=1)
    mode: str = _key(
        "rewrite",
        "Generative: rewrite (the model rewrites the extractive bullets) | write (from the lead).",
        choices=("rewrite", "write"),
    )
    endpoint: str = _key(
        "",
        "Generative: an OpenAI-compatible API's base URL (e.g. http://127.0.0.1:11434/v1); "
        "empty: run the model in process. The key comes from $DIGEST_LLM_API_KEY.",
    )
    timeout: float = _key(60.0, "Generative endpoint: seconds allowed per request.", minimum=0.1)
    retries: int = _key(
        2, "Generative endpoint: retries of a refused, slow, 429 or 5xx request.", minimum=0
    )
    concurrency: int = _key(4, "Generative endpoint: requests in flight at once.", minimum=1)


@dataclass(frozen=True)
class SmtpConfig:
    host: str = _key("localhost", "SMTP server host.")
    port: int = _key(587, "SMTP server port (587 for starttls, 465 for tls, 25 for none).")
    security: str = _key("starttls", "none | starttls | tls.", choices=("none", "starttls", "tls"))
    username: str = _key("", "Login name; the password comes from $DIGEST_SMTP_PASSWORD.")
    timeout: float = _key(30.0, "Seconds to wait for the server at each step.")


@dataclass(frozen=True)
class MailConfig:
    backend: str = _key(
        "outbox", "outbox (one .eml file per message) | smtp.", choices=("outbox", "smtp")
    )
    sender: str = _key("Digest <digest@example.com>", "The From address.")
    outbox: str = _key("outbox", "Folder the outbox backend writes .eml files to.", path=True)
    subject: str = _key("{title} for {date}", "Subject line; {title} and {date} are filled in.")
    messages_per_connection: int = _key(
        100,
        "SMTP: messages sent over one connection before it is closed and reopened.",
        minimum=1,
    )
    concurrency: int = _key(2, "SMTP: connections sending at once.", minimum=1)
    rate_per_second: float = _key(
        0.0, "Most messages handed over per second, all connections; 0: no limit.", minimum=0
    )
    retry_backoff_seconds: float = _key(
        60.0,
        "Wait before the first retry of a temporary failure; it doubles on each retry.",
        minimum=0,
    )
    retry_deadline_minutes: int = _key(
        120,
        "Give up retrying a temporary failure this many minutes after the first attempt.",
        minimum=0,
    )
    list_id: str = _key(
        "", "The List-Id header, e.g. 'Daily Digest <daily.example.com>'; default: from the sender."
    )
    unsubscribe_mailto: str = _key(
        "", "Address for mailto: unsubscribe requests (List-Unsubscribe); empty: https link only."
    )
    dkim_selector: str = _key(
        "", "DKIM selector; DKIM signing is on when selector, domain and key are set."
    )
    dkim_domain: str = _key("", "DKIM signing domain (d=).")
    dkim_key_file: str = _key("", "PEM file with the DKIM private key (RSA).", path=True)
    smtp: SmtpConfig = field(default_factory=SmtpConfig, metadata={"help": "SMTP settings."})


@dataclass(frozen=True)
class DigestConfig:
    title: str = _key("Your Daily Digest", "The digest's name, shown in the email and the subject.")
    timezone: str = _key("UTC", "Time zone of the edition date and the daily send (IANA name).")
    send_at: str = _key("07:00", "Local time of the daily send, HH:MM.")
    gather_every_minutes: int = _key(
        60, "Minutes between gathers when `digest run` is scheduling.", minimum=1
    )
    max_age_hours: int = _key(
        36, "Only stories first seen within this many hours go in an edition."
    )
    max_stories: int = _key(30, "Most stories in one edition.", minimum=1)
    template_dir: str = _key(
        "", "Folder of your own templates; each file overrides the bundled one.", path=True
    )
    preview: str = _key(
        "preview.html", "Where `digest preview` and `digest build` write the HTML.", path=True
    )
    base_url: str = _key(
        "http://127.0.0.1:8080", "Public address of `digest serve` (links in emails)."
    )
    duplicate_threshold: float = _key(
        0.75,
        "Cosine similarity (0-1) of title and lead at which two stories are merged; 0: never merge.",
        minimum=0,
        maximum=1,
    )
    max_html_bytes: int = _key(
        100_000,
        "Largest HTML email; past it the last stories link to the web archive. 0: no limit.",
        minimum=0,
    )
    show_images: bool = _key(False, "Show each story's lead image (loaded from the publisher).")
    send_grace_minutes: int = _key(
        180,
        "`digest run`: a send time missed by at most this much (e.g. while down) still sends.",
        minimum=0,
    )


@dataclass(frozen=True)
class WebConfig:
    host: str = _key("127.0.0.1", "Address the public app, `digest serve`, listens on.")
    port: int = _key(8080, "Port `digest serve` listens on.")
    preview_host: str = _key(
        "127.0.0.1",
        "Address `digest preview --serve` listens on; off loopback it needs "
        "$DIGEST_PREVIEW_PASSWORD.",
    )
    preview_port: int = _key(8081, "Port `digest preview --serve` listens on.")
    hosts: list[str] = _key(
        [],
        "Host names the web apps answer to besides base_url's host and loopback (DNS rebinding).",
    )
    archive: bool = _key(True, "Serve the archive (/editions/) and its Atom feed publicly.")
    signup: bool = _key(False, "Let anyone sign up at /signup, confirmed by a link mailed to them.")
    signup_per_hour: int = _key(
        5, "Sign-up requests one client address may make per hour.", minimum=1
    )
    signup_expiry_hours: int = _key(
        48, "Hours a sign-up's confirmation link stays valid.", minimum=1
    )
    trusted_proxy: str = _key(
        "", "Address of your reverse proxy; its X-Forwarded-For then names the client."
    )


@dataclass(frozen=True)
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    sources: list[SourceConfig] = field(default_factory=list)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    summarizer: SummarizerConfig = field(default_factory=SummarizerConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    web: WebConfig = field(default_factory=WebConfig)
    path: Path | None = field(default=None, metadata={"internal": True})

    @property
    def smtp_password(self) -> str:
        return os.environ.get(SECRET_ENV["smtp_password"], "")

    @property
    def secret_key(self) -> str:
        return os.environ.get(SECRET_ENV["secret_key"], "")

    @property
    def preview_password(self) -> str:
        return os.environ.get(SECRET_ENV["preview_password"], "")

    @property
    def llm_api_key(self) -> str:
        return os.environ.get(SECRET_ENV["llm_api_key"], "")


# TOML spells a few keys differently from the Python field names.
_TOML_NAMES = {"sender": "from"}


def _toml_name(name: str) -> str:
    return _TOML_NAMES.get(name, name)


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The config file to read: ``--config``, else ``$DIGEST_CONFIG``, else ``./digest.toml`` if present."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.exists() else None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the config file; with no file at all, return the embedded defaults.

    Raises ConfigError naming the key for unknown keys, wrong types and invalid values.
    """
    found = find_config_path(path)
    if found is None:
        return Config()
    try:
        raw = tomllib.loads(found.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {found} does not exist", hint=_START_HINT) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {found} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {found}: {exc.strerror}") from exc
    return config_from_dict(raw, base=found.resolve().parent, path=found)


_START_HINT = "Copy config.example.toml to digest.toml and edit it, or pass --config PATH."


def config_from_dict(
    raw: dict[str, Any], *, base: Path | None = None, path: Path | None = None
) -> Config:
    """Build a validated Config from parsed TOML; relative paths resolve against ``base``.

    Every problem is collected before raising, so one ConfigError lists them all.
    """
    problems: list[ConfigError] = []
    config = _build(Config, raw, "", base or Path.cwd(), problems)
    config = replace(config, path=path)
    problems.extend(_check_values(config))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        listed = "\n".join(
            f"  - {problem}" + (f" ({problem.hint})" if problem.hint else "")
            for problem in problems
        )
        raise ConfigError(
            f"the config has {len(problems)} problems:\n{listed}",
            hint=f"Fix each one in {path or 'the config file'}; `digest check` checks it again.",
        )
    return config


def _build(cls: Any, raw: Any, prefix: str, base: Path, problems: list[ConfigError]) -> Any:
    """An instance of the dataclass ``cls`` from ``raw``: a key that fails keeps its default and
    its ConfigError goes to ``problems``."""
    if not isinstance(raw, dict):
        raise ConfigError(f"[{prefix.rstrip('.')}] must be a table, not {_kind(raw)}")
    hints = get_type_hints(cls)
    by_toml = {_toml_name(f.name): f for f in fields(cls) if not f.metadata.get("internal")}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if key not in by_toml:
            close = difflib.get_close_matches(key, list(by_toml), n=1)
            hint = (
                f"Did you mean '{prefix}{close[0]}'?"
                if close
                else (f"Valid keys here: {', '.join(sorted(by_toml))}.")
            )
            problems.append(ConfigError(f"unknown config key '{dotted}'", hint=hint))
            continue
        f = by_toml[key]
        try:
            coerced = _coerce(
                hints[f.name], value, dotted, base, f.metadata.get("path", False), problems
            )
            _check_rules(f.metadata, dotted, coerced)
        except ConfigError as exc:
            problems.append(exc)
            continue
        values[f.name] = coerced
    return cls(**values)


def _coerce(
    kind: Any, value: Any, dotted: str, base: Path, is_path: bool, problems: list[ConfigError]
) -> Any:
    if is_dataclass(kind):
        return _build(kind, value, f"{dotted}.", base, problems)
    origin = get_origin(kind)
    if origin is list:
        (item,) = get_args(kind)
        if not isinstance(value, list):
            raise ConfigError(f"config key '{dotted}' must be a list, not {_kind(value)}")
        if is_dataclass(item):
            return [_build(item, v, f"{dotted}[{i}].", base, problems) for i, v in enumerate(value)]
        return [
            _coerce(item, v, f"{dotted}[{i}]", base, False, problems) for i, v in enumerate(value)
        ]
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{dotted}' must be true or false, not {_kind(value)}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{dotted}' must be a whole number, not {_kind(value)}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config key '{dotted}' must be a number, not {_kind(value)}")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key '{dotted}' must be a string, not {_kind(value)}")
        if is_path and value:
            return str((base / Path(value).expanduser()).resolve())
        return value
    raise ConfigError(f"config key '{dotted}' has an unsupported type")  # pragma: no cover


def _check_rules(meta: Any, dotted: str, value: Any) -> None:
    """The key's declared rules: one of its ``choices``, within ``minimum`` and ``maximum``."""
    choices = meta.get("choices") or ()
    if choices and value not in choices:
        raise ConfigError(
            f"config key '{dotted}' is '{value}'", hint=f"Use one of: {', '.join(choices)}."
        )
    low, high = meta.get("minimum"), meta.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            bounds = f"at least {low:g}"
        elif low is None:
            bounds = f"at most {high:g}"
        else:
            bounds = f"between {low:g} and {high:g}"
        raise ConfigError(
            f"config key '{dotted}' must be {bounds}, not {value}", hint=meta.get("help") or None
        )


def _kind(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


SUBJECT_FIELDS = ("title", "date")


def _check_values(config: Config) -> list[ConfigError]:
    """The rules between and inside values, each broken one as a ConfigError."""
    problems: list[ConfigError] = []
    for i, source in enumerate(config.sources):
        if not source.url.startswith(("http://", "https://")):
            problems.append(
                ConfigError(
                    f"config key 'sources[{i}].url' must be an http(s) URL, not '{source.url}'"
                )
            )
    dkim = (config.mail.dkim_selector, config.mail.dkim_domain, config.mail.dkim_key_file)
    if any(dkim) and not all(dkim):
        problems.append(
            ConfigError(
                "DKIM signing needs all of 'mail.dkim_selector', 'mail.dkim_domain' and "
                "'mail.dkim_key_file'",
                hint="Set all three to sign, or none to send unsigned.",
            )
        )
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(config.digest.timezone)
    except Exception:
        problems.append(
            ConfigError(
                f"config key 'digest.timezone' is '{config.digest.timezone}', not a known time "
                "zone",
                hint="Use an IANA name such as 'Europe/London' or 'America/New_York'.",
            )
        )
    hour, _, minute = config.digest.send_at.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        problems.append(
            ConfigError(
                f"config key 'digest.send_at' is '{config.digest.send_at}'",
                hint="Use HH:MM, e.g. 07:30.",
            )
        )
    problems.extend(_check_mail(config.mail))
    problems.extend(_check_places(config))
    return problems


def _check_mail(mail: MailConfig) -> list[ConfigError]:
    from email.utils import parseaddr

    from digest.deliver import valid_email

    problems = []
    if not valid_email(parseaddr(mail.sender)[1]):
        problems.append(
            ConfigError(
                f"config key 'mail.from' is '{mail.sender}', not an email address",
                hint='Use an address, with a name if you like: "Daily News <news@example.com>".',
            )
        )
    try:
        names = [
            name for _, name, _, _ in string.Formatter().parse(mail.subject) if name is not None
        ]
    except ValueError as exc:
        problems.append(
            ConfigError(
                f"config key 'mail.subject' is '{mail.subject}': {exc}",
                hint="Write a literal brace as {{ or }}; placeholders are {title} and {date}.",
            )
        )
        names = []
    unknown = [name for name in names if name not in SUBJECT_FIELDS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], SUBJECT_FIELDS, n=1)
        problems.append(
            ConfigError(
                "config key 'mail.subject' uses unknown placeholders: "
                + ", ".join(f"{{{name}}}" for name in unknown),
                hint=(f"Did you mean {{{close[0]}}}? " if close else "")
                + "The subject may hold {title} and {date}.",
            )
        )
    if mail.smtp.timeout <= 0:
        problems.append(
            ConfigError(
                f"config key 'mail.smtp.timeout' must be more than 0, not {mail.smtp.timeout:g}"
            )
        )
    return problems


def _check_places(config: Config) -> list[ConfigError]:
    """base_url is an absolute http(s) URL; the folders named exist; timeouts are positive."""
    problems = []
    url = urlsplit(config.digest.base_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        problems.append(
            ConfigError(
                f"config key 'digest.base_url' is '{config.digest.base_url}', not an absolute "
                "http(s) URL",
                hint="Give the public address of `digest serve`, with its scheme: "
                "https://news.example.com",
            )
        )
    if config.fetch.timeout <= 0:
        problems.append(
            ConfigError(
                f"config key 'fetch.timeout' must be more than 0, not {config.fetch.timeout:g}"
            )
        )
    template_dir = config.digest.template_dir
    if template_dir and not Path(template_dir).is_dir():
        problems.append(
            ConfigError(
                f"config key 'digest.template_dir' is {template_dir}, which is not a folder",
                hint="Create it, or leave the key out to use the bundled templates.",
            )
        )
    store_folder = Path(config.store.path).parent
    if config.store.path != ":memory:" and not store_folder.is_dir():
        problems.append(
            ConfigError(
                f"config key 'store.path' is {config.store.path}, in a folder that does not exist",
                hint=f"Create {store_folder}, or fix the path.",
            )
        )
    return problems


def config_warnings(config: Config) -> list[str]:
    """What is allowed but probably wrong for mail that goes out: links readers cannot open."""
    if config.mail.backend != "smtp":
        return []
    url = urlsplit(config.digest.base_url)
    host = url.hostname or ""
    warnings = []
    if _is_local(host):
        warnings.append(
            f"[digest] base_url {config.digest.base_url} is a local address: the unsubscribe "
            "links in the mail will not open for your readers; set it to the public address of "
            "`digest serve`"
        )
    elif url.scheme == "http":
        warnings.append(
            f"[digest] base_url {config.digest.base_url} is plain http: unsubscribe links go "
            "over the network unencrypted, and some mail providers distrust them; use https"
        )
    return warnings


def _is_local(host: str) -> bool:
    import ipaddress

    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def describe_schema() -> list[tuple[str, Any, str]]:
    """Every key as (dotted name, default, help), for documentation and the docs test."""
    rows: list[tuple[str, Any, str]] = []

    def walk(cls: Any, prefix: str) -> None:
        hints = get_type_hints(cls)
        for f in fields(cls):
            if f.metadata.get("internal"):
                continue
            name = prefix + _toml_name(f.name)
            kind = hints[f.name]
            if is_dataclass(kind):
                walk(kind, name + ".")
            elif get_origin(kind) is list and is_dataclass(get_args(kind)[0]):
                walk(get_args(kind)[0], name + "[].")
            else:
                factory: Any = f.default_factory
                default = f.default if f.default is not MISSING else factory()
                rows.append((name, default, f.metadata.get("help", "")))

    walk(Config, "")
    return rows
