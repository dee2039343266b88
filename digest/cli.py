"""The command line: parse, build the collaborators, call the library, report.

Each command's first docstring line is its help. Library errors (DigestError) print one line saying what
failed and one saying what to do, and exit 1; ``-v`` also prints the traceback. Results go to stdout, logs
and progress to stderr (progress only on a terminal).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from digest.config import Config
from digest.deliver import SendObserver
from digest.errors import ConfigError, DigestError
from digest.render import counted as _count
from digest.wiring import Components

T = TypeVar("T")
log = logging.getLogger("digest")
MAX_LISTED = 10  # articles named in gather's output; the rest are counted


def _say_which_config(config: Config) -> None:
    """Without a config file, say so: a run on the defaults is rarely what was meant."""
    if config.path is None:
        click.echo(
            "no config file found (--config, $DIGEST_CONFIG or ./digest.toml): using the "
            "embedded defaults",
            err=True,
        )


class _PlainFormatter(logging.Formatter):
    """Log lines without terminal colour codes (a server library may add them)."""

    ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

    def format(self, record: logging.LogRecord) -> str:
        return self.ANSI.sub("", super().format(record))


def set_up_logging(verbose: int, daemon: bool) -> None:
    """Levels as meant: WARNING and up by default, INFO for the long-running commands (what they
    do is their output) and with -v, DEBUG with -vv. Off a terminal (cron, systemd, a file) each
    line carries a timestamp and no colour codes."""
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose or daemon else logging.WARNING
    terminal = sys.stderr.isatty()
    handler = logging.StreamHandler(sys.stderr)
    layout = "%(levelname)s %(name)s: %(message)s"
    if terminal:
        handler.setFormatter(logging.Formatter(layout))
    else:
        handler.setFormatter(_PlainFormatter(f"%(asctime)s {layout}", "%Y-%m-%dT%H:%M:%S%z"))
    root = logging.getLogger()
    for installed in [h for h in root.handlers if getattr(h, "digest_cli", False)]:
        root.removeHandler(installed)  # an earlier run in this process (tests): replaced, once
    handler.digest_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    if level > logging.DEBUG:
        for chatty in ("httpx", "httpcore", "apscheduler", "filelock", "urllib3"):
            logging.getLogger(chatty).setLevel(max(level, logging.WARNING))


def printable(text: object) -> str:
    """``text`` safe for the operator's terminal: control and format characters as escapes.

    Feed titles, error messages quoting a page, names from a CSV may hold escape sequences that
    would recolour, move or retitle the terminal, or hide other output: they are shown, not obeyed.
    Line breaks and tabs inside a value are escaped too, so one record stays one line.
    """
    return "".join(
        c if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") else f"\\u{ord(c):04x}"
        for c in str(text)
    )


def progress(items: Iterable[T], label: str) -> Iterable[T]:
    """A progress bar on stderr when it is a terminal; silent when piped."""
    if not sys.stderr.isatty():
        return items
    listed = list(items)
    return _bar(listed, label)


def _bar(items: list[T], label: str) -> Iterator[T]:
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


pass_app = click.make_pass_decorator(Components)


def _address_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--host and --port, overriding [web] host and port."""
    command = click.option(
        "--port", type=click.IntRange(0, 65535), help="Port (default: [web] port)."
    )(command)
    return click.option("--host", help="Address to listen on (default: [web] host).")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: $DIGEST_CONFIG, else ./digest.toml).",
)
@click.option("-v", "--verbose", count=True, help="More logging; -v also shows tracebacks.")
@click.version_option(package_name="digest")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """digest: turns the day's news into a short, trustworthy email."""
    daemon = ctx.invoked_subcommand in ("run", "serve")
    set_up_logging(verbose, daemon)
    app = Components(config_path=config_path, on_load=_say_which_config)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command()
@pass_app
def gather(app: Components) -> None:
    """Fetch every source, store new articles, extract and summarise them."""
    from digest.pipeline import gather as run_gather

    if not app.config.sources:
        raise DigestError(
            f"no sources configured in {app.config.path or 'the embedded defaults'}",
            hint="Add a [[sources]] table with a url (see config.example.toml), or pass --config.",
        )
    fetcher = app.fetcher()
    try:
        report = run_gather(app.config, app.store, fetcher, app.summarizer_loader(), progress)
    finally:
        fetcher.close()
    click.echo(
        f"{_count(report.sources_ok, 'source', 'sources')} read, {report.sources_failed} failed"
        + (f", {report.sources_waiting} waiting" if report.sources_waiting else "")
        + "; "
        f"{_count(report.new_articles, 'new article', 'new articles')} ({report.from_page} from "
        f"their pages, {report.from_feed} from feed text); {report.summarised} summarised"
        + (f" by {report.model_id}" if report.model_id else "")
        + (f", {report.not_summarised} not summarised" if report.not_summarised else "")
        + (
            f"; {report.deferred} left for the next gather ([fetch] gather_deadline passed)"
            if report.deferred
            else ""
        )
    )
    for error in report.errors:
        click.echo(f"  failed: {printable(error)}", err=True)
    for hint in report.hints:
        click.echo(f"  hint: {hint}", err=True)
    for line in report.unsummarised[:MAX_LISTED]:
        click.echo(f"  not summarised: {printable(line)}", err=True)
    if len(report.unsummarised) > MAX_LISTED:
        click.echo(
            f"  ... and {len(report.unsummarised) - MAX_LISTED} more not summarised", err=True
        )
    if report.sources_failed and not report.sources_ok and not report.sources_waiting:
        raise DigestError(
            f"every source failed ({report.sources_failed})",
            hint="See the errors above; `digest check` tries each source again.",
        )


@cli.command()
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the HTML here (text beside it)."
)
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Edition date (default: today).")
@pass_app
def build(app: Components, out: str | None, day: str | None) -> None:
    """Build today's edition from the stored articles (HTML and text)."""
    from digest.pipeline import build_edition

    edition, view = build_edition(app.config, app.store, app.renderer(), _date(day))
    html_path = Path(out or app.config.digest.preview)
    _write(html_path, edition.html)
    _write(html_path.with_suffix(".txt"), edition.text)
    click.echo(
        f"edition {edition.date}: {_count(edition.story_count, 'story', 'stories')}, "
        f"{_size(edition.html)} of HTML -> {html_path} and {html_path.with_suffix('.txt')}"
    )
    _warn_if_empty(edition.story_count)
    _warn_if_cut(app, view)


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write the preview HTML here.")
@click.option(
    "--serve",
    is_flag=True,
    help="Serve the live preview on [web] preview_host:preview_port (loopback by default).",
)
@_address_options
@pass_app
def preview(
    app: Components, out: str | None, serve: bool, host: str | None, port: int | None
) -> None:
    """Write or serve the HTML preview of today's edition (read-only: nothing is claimed)."""
    if serve:
        from digest.web import serve_preview

        web = app.config.web
        web = replace(
            web,
            preview_host=host or web.preview_host,
            preview_port=web.preview_port if port is None else port,
        )
        serve_preview(replace(app.config, web=web))
        return
    from digest.pipeline import preview_edition

    view, rendered = app.renderer().fit(preview_edition(app.config, app.store))
    path = Path(out or app.config.digest.preview)
    _write(path, rendered.html)
    click.echo(
        f"{path} ({_size(rendered.html)} of HTML, {_count(view.story_count, 'story', 'stories')})"
    )
    _warn_if_empty(view.story_count)
    _warn_if_cut(app, view)


def _size(html: str) -> str:
    return f"{len(html.encode('utf-8')) / 1000:.1f} KB"


def _warn_if_empty(stories: int) -> None:
    if not stories:
        click.echo("0 stories: run `digest gather` first", err=True)


def _warn_if_cut(app: Components, view: Any) -> None:
    """Say so when the email had to leave stories out to stay under Gmail's clipping limit."""
    if view.more_stories:
        click.echo(
            f"warning: the edition is over [digest] max_html_bytes "
            f"({app.config.digest.max_html_bytes} bytes): the email shows its top "
            f"{view.story_count} stories and links {view.more_stories} more in the web archive"
            + (f" ({view.archive_url})" if view.archive_url else ""),
            err=True,
        )


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show who would get the edition; send nothing.")
@click.option(
    "--date",
    "day",
    metavar="YYYY-MM-DD",
    help="Send this date's edition to everyone (default: each subscriber's local today).",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Re-queue the failed deliveries of the edition (today's, or --date's) and send them.",
)
@click.option(
    "--test",
    "test_address",
    metavar="ADDRESS",
    help="Send the edition to this one address only; the ledger is not touched.",
)
@pass_app
def send(
    app: Components, dry_run: bool, day: str | None, retry_failed: bool, test_address: str | None
) -> None:
    """Deliver today's edition to every active subscriber who has not had it yet."""
    import signal

    from digest.errors import MailSettingsError
    from digest.pipeline import edition_date, send_edition, send_test
    from digest.schedule import send_due

    _warn_about_config(app)
    if dry_run:
        _print_plan(app, _date(day))
        return
    if test_address:
        mailer = app.mailer()
        try:
            tested = send_test(
                app.config, app.store, app.renderer(), mailer, test_address, _date(day)
            )
        finally:
            mailer.close()
        click.echo(
            f"sent the {tested.date} edition ({_count(tested.story_count, 'story', 'stories')}) "
            f"to {test_address}; no subscriber's delivery changed"
        )
        return

    stop = threading.Event()

    def finish_and_stop(signum: int, frame: Any) -> None:
        stop.set()  # the message in flight finishes; no new one starts

    if retry_failed:
        target = _date(day) or edition_date(app.config)
        failed_one = app.store.get_edition(target.isoformat())
        requeued = app.store.requeue_failed(failed_one.id) if failed_one else 0
        click.echo(
            f"re-queued {_count(requeued, 'failed delivery', 'failed deliveries')} "
            f"of the {target} edition",
            err=True,
        )
        day = day or target.isoformat()
    console = _SendConsole()
    previous = signal.signal(signal.SIGTERM, finish_and_stop)
    options: dict[str, Any] = {"progress": progress, "stop": stop, "observer": console}
    try:
        if day:
            reports = [
                send_edition(
                    app.config, app.store, app.renderer(), app.mailer, day=_date(day), **options
                )
            ]
        else:
            reports = send_due(
                app.config, app.store, app.renderer(), app.mailer, retry_now=True, **options
            )
    except MailSettingsError:
        console.summarise()
        click.echo(
            "sending stopped: no delivery was marked failed; they stay pending and go out on "
            "the next `digest send` once the setting is fixed (`digest check` tests it)",
            err=True,
        )
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.summarise()
    if not reports:
        click.echo(_nothing_to_send(app))
    for report in reports:
        click.echo(
            f"edition {report.edition_date}: {_count(report.stories, 'story', 'stories')}; "
            f"sent {report.sent}, failed {report.failed}, already sent before "
            f"{report.skipped_already_sent}"
            + (f", uncertain {report.uncertain}" if report.uncertain else "")
            + (f", still to retry {report.retrying}" if report.retrying else "")
            + (f", nothing in their sections {report.skipped}" if report.skipped else "")
            + (f", recovered after a crash {report.recovered}" if report.recovered else "")
        )
        if not report.stories:
            click.echo("  0 stories: run `digest gather` first", err=True)
    if stop.is_set():
        click.echo("stopped by SIGTERM; `digest send` sends the rest", err=True)
        return
    sent = sum(report.sent for report in reports)
    failed = sum(report.failed for report in reports)
    waiting = sum(report.retrying + report.uncertain for report in reports)
    if waiting and not sent:
        click.echo(
            f"nobody received the edition: {_count(waiting, 'delivery', 'deliveries')} still "
            "pending; `digest send` tries again (`digest status` shows the errors)",
            err=True,
        )
    if failed:
        click.echo(
            f"{_count(failed, 'delivery', 'deliveries')} failed for good; "
            "`digest send --retry-failed` re-queues them once the cause is fixed",
            err=True,
        )
    if failed or (waiting and not sent):
        sys.exit(2)


def _clock(stamp: str) -> str:
    """An ISO UTC time as the operator reads it: 'HH:MM:SS UTC' today, else with its date."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(stamp).astimezone(UTC)
    if moment.date() == datetime.now(UTC).date():
        return moment.strftime("%H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class _SendConsole(SendObserver):
    """Prints the first error of each kind at once (with its hint), then how many more alike;
    and each wait for a retry, with a countdown on a terminal."""

    def __init__(self) -> None:
        self.kinds: dict[tuple[str, str], list[Any]] = {}
        self.last_wait = ""
        self.lock = threading.Lock()

    def failed(self, email: str, error: DigestError, retry_at: str | None) -> None:
        kind = (type(error).__name__, error.hint)
        with self.lock:
            seen = self.kinds.setdefault(kind, [error, 0])
            seen[1] += 1
            if seen[1] > 1:
                return
        then = f"retrying at {_clock(retry_at)}" if retry_at else "not retried"
        click.echo(f"error: {email}: {error} ({then})", err=True)
        if error.hint:
            click.echo(f"  hint: {error.hint}", err=True)

    def waiting(self, until: str, pending: int) -> None:
        from datetime import UTC, datetime

        left = max(0, int((datetime.fromisoformat(until) - datetime.now(UTC)).total_seconds()))
        line = (
            f"waiting to retry {_count(pending, 'delivery', 'deliveries')}: next at "
            f"{_clock(until)} (in {left // 60}m {left % 60:02d}s); Ctrl-C stops, "
            "`digest send` resumes"
        )
        if sys.stderr.isatty():
            click.echo("\r" + line, err=True, nl=False)
        elif until != self.last_wait:
            click.echo(line, err=True)
        self.last_wait = until

    def summarise(self) -> None:
        """After the run: how many more attempts failed like each first one printed."""
        if self.last_wait and sys.stderr.isatty():
            click.echo("", err=True)
        for error, times in self.kinds.values():
            if times > 1:
                click.echo(f"  ... and {times - 1} more like it: {error}", err=True)


def _print_plan(app: Components, day: Any) -> None:
    """A dry run: each active subscriber, their local date, the edition and what they would get."""
    from collections import Counter

    from digest.pipeline import PLAN_OUTCOMES, plan_sends

    planned = plan_sends(app.config, app.store, app.renderer(), day)
    if not planned:
        click.echo("no subscribers: add one with `digest subscribers add EMAIL`")
        return
    width = max(len(p.email) for p in planned)
    zones = max(len(p.timezone) for p in planned)
    for p in planned:
        click.echo(
            f"{p.email:<{width}}  {p.timezone:<{zones}}  local {p.local_date}  edition "
            f"{p.edition_date}  {_count(p.stories, 'story', 'stories'):>11}  "
            f"{PLAN_OUTCOMES[p.outcome]}"
        )
    for edition_date in sorted({p.edition_date for p in planned}):
        outcomes = Counter(p.outcome for p in planned if p.edition_date == edition_date)
        parts = ", ".join(
            f"{PLAN_OUTCOMES[o].split(' (')[0]} {outcomes[o]}" for o in PLAN_OUTCOMES if outcomes[o]
        )
        click.echo(f"edition {edition_date}: {parts}")
        if outcomes["empty"]:
            click.echo(
                f"  the {edition_date} edition has 0 stories: run `digest gather` first, or "
                "they went into an edition built earlier for a later date",
                err=True,
            )


def _warn_about_config(app: Components) -> None:
    from digest.config import config_warnings

    for warning in config_warnings(app.config):
        click.echo(f"warning: {warning}", err=True)


def _nothing_to_send(app: Components) -> str:
    """Why a `digest send` sent nothing, from the ledger: never 'everyone had it' unless so."""
    from digest.schedule import local_today

    people = app.store.list_subscribers("active")
    if not people:
        return "no subscribers: add one with `digest subscribers add EMAIL`"
    parts = []
    for day in sorted({local_today(app.config, person) for person in people}):
        edition = app.store.get_edition(day.isoformat())
        counts = app.store.count_deliveries(edition.id) if edition else {}
        if counts:
            states = ", ".join(f"{state} {n}" for state, n in sorted(counts.items()))
            parts.append(f"edition {day}: {states}")
    summary = "; ".join(parts) or "no deliveries planned"
    return f"nothing new to send ({summary}); `digest status` shows more"


@cli.command()
@pass_app
def check(app: Components) -> None:
    """Check the config, database, templates, mail server (no mail sent) and every source."""
    from digest.check import run_checks

    try:
        config = app.config
    except ConfigError as exc:
        click.echo(f"ERROR config: {exc}")
        if exc.hint:
            click.echo(f"      hint: {exc.hint}")
        sys.exit(1)
    failed = 0
    for outcome in run_checks(config, app.open_store, app.smtp_mailer, app.fetcher):
        label = "WARN " if outcome.warning else "OK   " if outcome.ok else "ERROR"
        click.echo(f"{label} {outcome.what}: {outcome.detail}")
        if outcome.hint:
            click.echo(f"      hint: {outcome.hint}")
        failed += not outcome.ok
    click.echo(f"{_count(failed, 'problem', 'problems')} found" if failed else "all checks passed")
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--editions", default=3, show_default=True, help="How many recent editions to show.")
@pass_app
def status(app: Components, editions: int) -> None:
    """Show the last gather and send, each recent edition's deliveries, and the next runs."""
    from datetime import UTC, datetime, timedelta

    from digest.schedule import next_sends

    store, config = app.store, app.config
    now = datetime.now(UTC)
    click.echo(
        f"config:      {config.path.resolve() if config.path else 'none (embedded defaults)'}"
    )
    click.echo(f"database:    {config.store.path}")
    sources = store.list_sources()
    checked = max((s.last_checked_at for s in sources if s.last_checked_at), default="")
    failing = [s for s in sources if s.failures or s.disabled]
    click.echo(
        f"last gather: {_clock(checked) if checked else 'never'}"
        + f" ({_count(len(config.sources), 'source', 'sources')} configured"
        + (f", {len(failing)} failing: `digest sources` says why" if failing else "")
        + ")"
    )
    sent_at, tried_at = store.last_attempt_at()
    click.echo(
        f"last send:   {_clock(sent_at) if sent_at else 'never'}"
        + (f" (last attempt {_clock(tried_at)})" if tried_at and tried_at > sent_at else "")
    )
    for edition in store.list_editions(editions):
        counts = store.count_deliveries(edition.id)
        states = ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "not sent"
        retry = store.next_retry_at(edition.id) if counts.get("pending") else None
        click.echo(
            f"edition {edition.date}: {_count(edition.story_count, 'story', 'stories')}; {states}"
            + (f"; next retry {_clock(retry)}" if retry else "")
        )
        for email, state, error in store.latest_errors(edition.id, 3):
            click.echo(f"    {email} ({state}): {error}")
    if checked:
        due = datetime.fromisoformat(checked) + timedelta(
            minutes=config.digest.gather_every_minutes
        )
        click.echo(
            f"next gather: {_clock(max(due, now).isoformat())} under `digest run` "
            f"(every {config.digest.gather_every_minutes} min)"
        )
    coming = next_sends(config, store, now)
    if coming:
        moment, count = coming[0]
        click.echo(
            f"next send:   {_clock(moment.isoformat())} to "
            f"{_count(count, 'subscriber', 'subscribers')} under `digest run`"
        )
    else:
        click.echo("next send:   none: no subscribers (`digest subscribers add EMAIL`)")


@cli.command()
@_address_options
@pass_app
def serve(app: Components, host: str | None, port: int | None) -> None:
    """Serve the public web app: unsubscribe, preferences, archive, sign-up (no preview)."""
    from digest.web import serve as run_server

    run_server(
        app.config,
        host=host or app.config.web.host,
        port=app.config.web.port if port is None else port,
        mailer=app.mailer,
    )


@cli.command()
@pass_app
def run(app: Components) -> None:
    """Run the scheduler: gather on an interval and send daily at the configured time."""
    if app.config.store.url:  # PostgreSQL: queue the jobs; `digest worker` processes run them
        from digest import jobs

        jobs.run_scheduler(app.config, jobs.make_app(app))
        return
    from digest.schedule import run_scheduler

    _warn_about_config(app)
    run_scheduler(app)


@cli.command()
@click.option(
    "--queues",
    default=",".join(("fetch", "extract", "summarise", "send")),
    show_default=True,
    help="Comma-separated queues to take jobs from.",
)
@click.option("--until-empty", is_flag=True, help="Stop once the queues are empty.")
@pass_app
def worker(app: Components, queues: str, until_empty: bool) -> None:
    """Run queued jobs (PostgreSQL store): fetch, extract, summarise, send."""
    from digest import jobs

    names = jobs.queues_from(queues)  # checked before anything connects
    jobs.run_worker(app.config, jobs.make_app(app), names, wait=not until_empty)


@cli.group()
def subscribers() -> None:
    """Manage the people who receive the digest."""


@subscribers.command("add")
@click.argument("email")
@click.option("--name", default="", help="The subscriber's name.")
@click.option("--timezone", default="", help="Their IANA time zone (default: the configured one).")
@click.option(
    "--hour", metavar="HH[:MM]", help="Local time of their daily send: an hour (0-23) or HH:MM."
)
@click.option("--sections", default="", help="Comma-separated sections or sources (default: all).")
@click.option("--force", is_flag=True, help="Re-activate someone who unsubscribed or bounced.")
@pass_app
def subscribers_add(
    app: Components,
    email: str,
    name: str,
    timezone: str,
    hour: str | None,
    sections: str,
    force: bool,
) -> None:
    """Add (or, with --force, re-activate) a subscriber."""
    from digest.subscribers import subscriber_row, unknown_sections

    row = subscriber_row(email, name, timezone, hour, sections)
    if row.sections:
        known = [name for s in app.config.sources for name in (s.name, s.section)]
        known += [name for s in app.store.list_sources() for name in (s.name, s.section)]
        unknown = unknown_sections(row.sections, known)
        if not any(known):
            click.echo(
                "warning: no sources are configured yet, so the sections cannot be checked",
                err=True,
            )
        elif unknown:
            raise DigestError(
                f"no source has the section {', '.join(repr(u) for u in unknown)}",
                hint="Known sections and sources: "
                + ", ".join(sorted({k for k in known if k}))
                + ".",
            )
    existing = app.store.find_subscriber(row.email)
    if existing is not None and existing.status != "active" and not force:
        raise DigestError(
            f"{existing.email} is {existing.status}: they asked to stop"
            if existing.status == "unsubscribed"
            else f"{existing.email} is {existing.status}: their server refused mail",
            hint="Add --force to re-activate them, only if they asked to come back.",
        )
    subscriber, changed = app.store.add_subscriber(
        row.email,
        row.name,
        timezone=row.timezone,
        hour=row.hour,
        minute=row.minute,
        sections=row.sections,
    )
    state = "re-activated" if existing is not None and existing.status != "active" else "added"
    click.echo(f"{subscriber.email}: {state if changed else 'already subscribed'}")


@subscribers.command("remove")
@click.argument("email")
@pass_app
def subscribers_remove(app: Components, email: str) -> None:
    """Unsubscribe an address (its history is kept)."""
    subscriber = app.store.set_subscriber_status(email, "unsubscribed")
    if subscriber is None:
        raise DigestError(
            f"{email} is not a subscriber", hint="`digest subscribers list` shows them."
        )
    click.echo(f"{subscriber.email}: unsubscribed")


@subscribers.command("list")
@click.option(
    "--status",
    type=click.Choice(["active", "unsubscribed", "bounced"]),
    help="Only subscribers in this state.",
)
@pass_app
def subscribers_list(app: Components, status: str | None) -> None:
    """List subscribers with their state."""
    for s in app.store.list_subscribers(status):
        when = f"{s.timezone or app.config.digest.timezone} " + (
            f"{s.hour:02d}:{s.minute:02d}" if s.hour is not None else app.config.digest.send_at
        )
        fields = (s.email, s.status, s.name, when, ",".join(s.sections))
        click.echo("\t".join(printable(value) for value in fields))


@subscribers.command("import")
@click.argument("csv_file", type=click.File("rb"))
@pass_app
def subscribers_import(app: Components, csv_file: IO[bytes]) -> None:
    """Add subscribers from a CSV (header: email[,name,timezone,hour,sections]) or a list of
    addresses, one per line."""
    from digest.subscribers import read_csv

    parsed = read_csv(csv_file.read())
    for error in parsed.errors:
        click.echo(printable(error), err=True)
    counts = app.store.import_subscribers(parsed.rows)
    click.echo(
        f"{counts.added} added, {counts.updated} updated, {counts.kept_inactive} kept "
        f"unsubscribed or bounced, {len(parsed.errors)} rows with errors skipped"
    )
    if parsed.errors:
        sys.exit(2)


@subscribers.command("export")
@click.option("--status", type=click.Choice(["active", "unsubscribed", "bounced"]))
@pass_app
def subscribers_export(app: Components, status: str | None) -> None:
    """Write subscribers as CSV to stdout (the import format, plus status)."""
    from digest.subscribers import write_csv

    write_csv(app.store.list_subscribers(status), sys.stdout)


@cli.command()
@pass_app
def sources(app: Components) -> None:
    """Show each source's health: state, failures, last check and error, next allowed fetch."""
    from digest.store import now_utc

    for entry in app.config.sources:
        app.store.upsert_source(entry.url, entry.name, entry.section)
    now = now_utc()
    configured = {entry.url for entry in app.config.sources}
    for source in app.store.list_sources():
        state = "disabled" if source.disabled else source.status
        if configured and source.url not in configured:
            state = "removed from the config (not fetched; its stories stay out of editions)"
        waiting = source.not_before if source.not_before > now else ""
        line = (
            f"{printable(source.name or source.url)}\t{state}\tfailures={source.failures}\t"
            f"checked={source.last_checked_at or 'never'}\t"
            f"next={'never' if source.disabled else waiting or 'now'}\t{printable(source.url)}"
        )
        if source.feed_url and source.feed_url != source.url:
            line += f"\n    reads: {printable(source.feed_url)}"
        if source.last_error:
            line += f"\n    last error: {printable(source.last_error)}"
        click.echo(line)


@cli.command()
@click.argument("source", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    help="Batch: each input line {id, html, url?}; each output line {id, title, text, author, "
    "description, kind}.",
)
@pass_app
def extract(app: Components, source: str | None, as_json: bool, jsonl: IO[str] | None) -> None:
    """Extract an article's title and main text from a URL, an HTML file or - (stdin)."""
    from digest.extract import extract as run_extract

    if jsonl is not None:
        for number, record in _records(jsonl, "html"):
            if "error" in record:
                click.echo(
                    json.dumps(
                        {"id": record["id"], "title": "", "text": "", "error": record["error"]}
                    )
                )
                continue
            try:
                page = run_extract(record["html"], record.get("url"))
                out = {
                    "id": record["id"],
                    "title": page.title,
                    "text": page.text,
                    # what `digest summarize --jsonl` reads besides the text, so the two chain
                    "author": page.author or "",
                    "description": page.description,
                    "kind": page.kind,
                }
            except Exception as exc:  # one bad record must not stop the batch
                out = {"id": record["id"], "title": "", "text": "", "error": str(exc)}
                click.echo(f"line {number}: {exc}", err=True)
            click.echo(json.dumps(out, ensure_ascii=False))
        return
    if not source:
        raise DigestError(
            "extract needs a SOURCE (URL, HTML file or -) or --jsonl FILE",
            hint="See `digest extract --help`.",
        )
    html, url = _read_source(app, source)
    page = run_extract(html, url)
    if as_json:
        click.echo(json.dumps(asdict(page), ensure_ascii=False))
    else:
        click.echo(f"{page.title}\n\n{page.text}")


@cli.command()
@click.argument("source", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    help="Batch: each input line {id, text, title?, author?, description?, kind?}; "
    "each output line {id, bullets}.",
)
@click.option("--backend", help="Summariser backend (default: [summarizer] backend).")
@click.option("--model", help="Model name or local path (abstractive).")
@pass_app
def summarize(
    app: Components,
    source: str | None,
    as_json: bool,
    jsonl: IO[str] | None,
    backend: str | None,
    model: str | None,
) -> None:
    """Summarise an article (a URL, a text file or -) into "In Short" bullets."""
    from digest.summarize import unsuitable, written_by

    load = app.summarizer_loader(backend, model)
    if jsonl is not None:
        _summarize_jsonl(app, jsonl, load)
        return
    if not source:
        raise DigestError(
            "summarize needs a SOURCE (URL, text file or -) or --jsonl FILE",
            hint="See `digest summarize --help`.",
        )
    text, title, context = _read_text(app, source)
    reason = unsuitable(text)
    summarizer = load() if reason is None else None
    bullets = summarizer.summarize([text], [title], [context])[0] if summarizer else []
    if as_json:
        result: dict[str, Any] = {"title": title, "bullets": bullets}
        if summarizer:
            result["model"] = written_by(summarizer, 0)
        if reason:
            result["skipped"] = reason
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo("\n".join(f"- {bullet}" for bullet in bullets) or f"(not summarised: {reason})")


def _summarize_jsonl(app: Components, stream: IO[str], load: Callable[[], Any]) -> None:
    from digest.summarize import unsuitable

    batch: list[dict[str, Any]] = []
    size = app.config.summarizer.batch_size

    def flush() -> None:
        todo = [r for r in batch if not r.get("skipped")]
        if todo:
            summarizer = load()
            try:
                results = summarizer.summarize(
                    [r["text"] for r in todo],
                    [str(r.get("title") or "") for r in todo],
                    [_context_of(r) for r in todo],
                )
                for record, bullets in zip(todo, results, strict=True):
                    record["bullets"] = bullets
            except DigestError as exc:
                for record in todo:
                    record["bullets"], record["error"] = [], str(exc)
                click.echo(f"summariser failed on a batch: {exc}", err=True)
        for record in batch:
            out = {"id": record["id"], "bullets": record.get("bullets", [])}
            for key in ("skipped", "error"):
                if record.get(key):
                    out[key] = record[key]
            click.echo(json.dumps(out, ensure_ascii=False))
        batch.clear()

    for _, record in _records(stream, "text"):
        if "error" not in record:
            reason = unsuitable(str(record["text"]))
            if reason:
                record["skipped"] = reason
        batch.append(record)
        if len(batch) >= size:
            flush()
    flush()


def _context_of(record: dict[str, Any]) -> Any:
    """The optional "description", "author" and "kind" of a JSONL record, as the summariser reads them."""
    from digest.summarize import Context

    def field(name: str) -> str:
        value = record.get(name)
        return value.strip() if isinstance(value, str) else ""

    return Context(description=field("description"), author=field("author"), kind=field("kind"))


def _records(stream: IO[str], field: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Numbered JSON objects from a JSONL stream; a bad line yields a record with 'error'."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        record: Any = None
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError("each line must be a JSON object with an 'id'")
            if not isinstance(record.get(field), str):
                raise ValueError(f"each line needs a string '{field}'")
        except ValueError as exc:
            click.echo(f"line {number}: {exc}", err=True)
            known = isinstance(record, dict) and record.get("id") is not None
            yield (
                number,
                {
                    "id": record["id"] if known else f"line-{number}",
                    field: "",
                    "error": f"line {number}: {exc}",
                },
            )
            continue
        yield number, record


def _read_source(app: Components, source: str) -> tuple[bytes, str | None]:
    if source == "-":
        return sys.stdin.buffer.read(), None
    if source.startswith(("http://", "https://")):
        fetcher = app.fetcher()
        try:
            response = fetcher.fetch(source, source=source)  # the operator's own URL
        finally:
            fetcher.close()
        return response.body, response.url
    try:
        return Path(source).read_bytes(), None
    except OSError as exc:
        raise DigestError(
            f"cannot read {source}: {exc.strerror}",
            hint="Give a URL, a readable file or - for stdin.",
        ) from exc


def _read_text(app: Components, source: str) -> tuple[str, str, Any]:
    """Article text, title and context: URLs and .html files go through extraction (which reads
    the byline, the publisher's description and the kind of piece), other files are text.

    A feed is refused: its XML or JSON is not an article to summarise.
    """
    from digest.summarize import Context

    web = source.startswith(("http://", "https://"))
    data, url = _read_source(app, source)
    _refuse_feed(source, data, url or source)
    if web or source.lower().endswith((".html", ".htm")):
        from digest.extract import extract as run_extract

        page = run_extract(data, url)
        description = page.description or " ".join(page.publisher_summary)
        return page.text, page.title, Context(description, page.author or "", page.kind)
    return data.decode("utf-8", errors="replace"), "", Context()


def _refuse_feed(source: str, data: bytes, url: str) -> None:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf", b"<urlset", b"{")):
        return
    from digest.sources import read_feed

    try:
        _, items = read_feed(data, url)
    except DigestError:
        return  # not a feed after all: let extraction judge it
    raise DigestError(
        f"{source} is a feed ({_count(len(items), 'item', 'items')}), not an article",
        hint="Give one article's URL, an HTML or text file, or -; `digest gather` reads feeds.",
    )


def _date(value: str | None) -> Any:
    if not value:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"'{value}' is not a date", hint="Use YYYY-MM-DD.") from exc


def _write(path: Path, content: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise DigestError(
            f"cannot write {path}: {exc.strerror}", hint="Choose a writable path with --out."
        ) from exc


@cli.command()
@click.option(
    "--site",
    type=click.Path(file_okay=False, exists=True),
    help="The demo site folder (default: demo/site in the source checkout).",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    default="var/demo",
    show_default=True,
    help="Where the demo's database, outbox and preview go.",
)
@click.option("--port", type=int, default=8631, show_default=True, help="Port of the demo site.")
def demo(site: str | None, workdir: str, port: int) -> None:
    """Run the whole flow against a bundled demo news site, on embedded defaults."""
    from digest.demo import run_demo

    run_demo(site=site, workdir=Path(workdir), port=port, echo=click.echo, progress=progress)


def storage_failure(exc: BaseException) -> DigestError | None:
    """A database or disk failure as an error the operator can act on; None for anything else.

    SQLite rolls an interrupted transaction back, so a full disk loses nothing already stored.
    """
    import errno

    message = str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return DigestError(
                f"the disk is full: {exc.strerror} ({exc.filename or 'writing'})",
                hint="Free some space and run the command again; nothing stored was lost.",
            )
        return None
    if "full" in message or "disk I/O error" in message:
        return DigestError(
            f"the database could not be written: {message}",
            hint="Check that the disk holding [store] path has free space and is healthy, then "
            "run the command again; the change was rolled back, nothing stored was lost.",
        )
    if isinstance(exc, sqlite3.DatabaseError) and (
        "malformed" in message or "not a database" in message or "corrupt" in message
    ):
        return DigestError(
            f"the database is damaged: {message}",
            hint="Restore [store] path from a backup, or save what is readable with "
            "`sqlite3 DB .recover | sqlite3 NEW.db` and point [store] path at NEW.db.",
        )
    return DigestError(
        f"the database failed: {message}",
        hint="Check [store] path (its file and folder must be readable and writable); "
        "-v shows the details.",
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning DigestError into a clean message and exit status 1."""
    verbose = any(arg in ("-v", "-vv", "--verbose") for arg in (argv or sys.argv[1:]))
    try:
        try:
            cli.main(args=argv, standalone_mode=False)
        except (sqlite3.Error, OSError) as exc:
            problem = storage_failure(exc)
            if problem is None:
                raise
            raise problem from exc
    except DigestError as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        click.echo(f"Error: {printable(exc)}", err=True)
        if exc.hint:
            click.echo(f"Hint: {printable(exc.hint)}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
