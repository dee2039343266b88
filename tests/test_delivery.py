"""Sending against a real SMTP server on loopback that can be scripted to fail.

Stories are stored directly (no model needed); the edition is rendered by the real templates and
sent through the real SMTPMailer, over the delivery ledger in a real SQLite file.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from digest.config import Config
from digest.deliver import SMTPMailer, compose, read_unsubscribe_token, unsubscribe_token
from digest.pipeline import send_edition, signing_secret
from digest.render import Renderer
from digest.store import NewArticle, Store, open_store
from digest.wiring import Components
from tests.scripted_smtp import Running, ScriptedSMTP

DAY = date(2026, 3, 2)


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    return both_backends_url


def seed_stories(
    store: Store, section: str, count: int = 2, start: int = 0, source_url: str = ""
) -> None:
    """Stored, extracted articles in one section (a source named after it, at ``source_url``
    when given: a configured source's, so that its stories go in editions)."""
    source = store.upsert_source(
        source_url or f"https://{section.lower()}.example.com/feed", section, section
    )
    for n in range(start, start + count):
        url = f"https://{section.lower()}.example.com/story-{n}"
        article_id = store.add_article(
            source.id,
            NewArticle(
                guid=url,
                url=url,
                url_norm=url,
                fingerprint=f"{section}-{n}",
                title=f"{section} story {n}",
                feed_text=f"The {section.lower()} desk reports item {n}. " * 5,
            ),
        )
        assert article_id is not None
        store.set_article_text(
            article_id,
            text=f"The {section.lower()} desk reports item {n}. " * 5,
            origin="feed",
            content_hash=f"hash-{section}-{n}",
        )


def smtp_config(make_config: Callable[..., Config], server: ScriptedSMTP, **mail: Any) -> Config:
    return make_config(
        mail={
            "backend": "smtp",
            "from": "Harbour Digest <digest@example.com>",
            "smtp": {"host": server.host, "port": server.port, "security": "none"},
            "retry_backoff_seconds": 0.02,
            "unsubscribe_mailto": "unsubscribe@example.com",
            "concurrency": 1,
            **mail,
        },
        digest={"base_url": "https://news.example.com", "title": "Harbour Digest"},
    )


def app_for(config: Config) -> Components:
    return Components(config)


def send(config: Config, store: Store, **options: Any) -> Any:
    return send_edition(config, store, Renderer(), app_for(config).mailer, day=DAY, **options)


def ledger(store: Store) -> dict[str, tuple[str, int, str]]:
    rows = store.db.execute(
        """SELECT s.email, d.state, d.attempts, d.message_id FROM deliveries d
           JOIN subscribers s ON s.id = d.subscriber_id"""
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


@pytest.fixture
def store(make_config: Callable[..., Config]) -> Any:
    opened = open_store(make_config())
    seed_stories(opened, "World")
    yield opened
    opened.close()


def add(store: Store, *emails: str) -> None:
    for address in emails:
        store.add_subscriber(address)


def test_451_and_421_are_retried_until_accepted(
    store: Store, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP(
        rcpt_replies={"a@example.com": ["451 4.7.1 Greylisted, try again", "451 4.7.1 Again"]},
        data_replies={"b@example.com": ["421 4.3.2 Shutting down"]},
    )
    add(store, "a@example.com", "b@example.com", "c@example.com")
    with Running(server):
        report = send(smtp_config(make_config, server), store)
    assert (report.sent, report.failed, report.retrying) == (3, 0, 0)
    assert server.per_recipient() == {"a@example.com": 1, "b@example.com": 1, "c@example.com": 1}
    states = ledger(store)
    assert states["a@example.com"][:2] == ("sent", 3)
    assert states["b@example.com"][:2] == ("sent", 2)
    assert states["c@example.com"][:2] == ("sent", 1)


def test_a_temporary_failure_past_the_deadline_is_failed(
    store: Store, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP(rcpt_replies={"a@example.com": ["451 4.7.1 later"] * 5})
    add(store, "a@example.com")
    with Running(server):
        report = send(smtp_config(make_config, server, retry_deadline_minutes=0), store)
    assert (report.sent, report.failed) == (0, 1)
    assert ledger(store)["a@example.com"][:2] == ("failed", 1)
    assert store.list_subscribers()[0].status == "active"  # a 4xx is not a bounce


def test_550_is_not_retried_and_marks_the_address_bounced(
    store: Store, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP(rcpt_replies={"gone@example.com": ["550 5.1.1 No such user"]})
    add(store, "gone@example.com", "ok@example.com")
    config = smtp_config(make_config, server)
    with Running(server):
        report = send(config, store)
        assert (report.sent, report.failed) == (1, 1)
        assert "550" in report.errors[0]
        assert ledger(store)["gone@example.com"][:2] == ("failed", 1)
        assert {s.email: s.status for s in store.list_subscribers()}["gone@example.com"] == (
            "bounced"
        )
        again = send(config, store)
    assert (again.sent, again.failed) == (0, 0)
    assert server.per_recipient() == {"ok@example.com": 1}


def test_a_connection_dropped_every_n_messages_loses_and_doubles_nothing(
    store: Store, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP(drop_every=3)
    emails = [f"reader{n}@example.com" for n in range(10)]
    add(store, *emails)
    with Running(server):
        report = send(smtp_config(make_config, server, messages_per_connection=100), store)
    assert report.sent == 10
    assert server.per_recipient() == {address: 1 for address in emails}
    assert len(server.sessions) == 4  # 3 + 3 + 3 + 1: each drop is met by a fresh connection
    assert all(attempts == 1 for _, attempts, _ in ledger(store).values())


def test_connections_are_reused_for_the_configured_number_of_messages(
    store: Store, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP()
    add(store, *[f"reader{n}@example.com" for n in range(5)])
    with Running(server):
        send(smtp_config(make_config, server, messages_per_connection=2), store)
    assert len(server.received) == 5
    assert len(server.sessions) == 3


def test_a_lost_reply_after_data_is_uncertain_and_retried_once_with_the_same_message_id(
    store: Store, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP(lose_reply={"lost@example.com": 1, "twice@example.com": 2})
    add(store, "lost@example.com", "twice@example.com", "fine@example.com")
    with Running(server):
        report = send(smtp_config(make_config, server), store)
    counts = server.per_recipient()
    # The lost reply hid an accepted message: its one retry is a duplicate the receiver can
    # recognise (same Message-ID). This is the only kind of duplicate the ledger allows.
    assert counts == {"lost@example.com": 2, "twice@example.com": 2, "fine@example.com": 1}
    states = ledger(store)
    assert states["lost@example.com"][:2] == ("sent", 2)
    assert states["twice@example.com"][:2] == ("uncertain", 2)  # not retried a second time
    assert report.uncertain == 3 and report.sent == 2
    for address in ("lost@example.com", "twice@example.com"):
        ids = {r.message["Message-ID"] for r in server.received if r.recipient == address}
        assert ids == {states[address][2]}


def test_several_connections_and_a_rate_limit_deliver_each_message_once(
    store: Store, make_config: Callable[..., Config]
) -> None:
    import time

    server = ScriptedSMTP(drop_every=4)
    emails = [f"reader{n}@example.com" for n in range(12)]
    add(store, *emails)
    config = smtp_config(make_config, server, concurrency=3, rate_per_second=100.0)
    with Running(server):
        started = time.monotonic()
        report = send(config, store)
        elapsed = time.monotonic() - started
    assert report.sent == 12
    assert server.per_recipient() == {address: 1 for address in emails}
    assert elapsed >= 11 / 100  # 12 messages at most 100 a second: at least 11 gaps
    assert len(server.sessions) >= 3


def test_headers_list_unsubscribe_one_click_and_no_injection(
    store: Store, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP()
    store.add_subscriber("eve@example.com", "Eve\r\nBcc: victim@example.com")
    config = smtp_config(make_config, server, list_id="Harbour Digest <harbour.example.com>")
    with Running(server):
        send(config, store)
    (received,) = server.received
    message = received.message
    for header in ("From", "To", "Date", "Message-ID", "List-Id", "Subject"):
        assert message[header], header
    assert message["List-Id"] == "Harbour Digest <harbour.example.com>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, https = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert mailto.startswith("mailto:unsubscribe@example.com")
    assert https.startswith("https://news.example.com/unsubscribe/")
    token = https.rsplit("/", 1)[1]
    subscriber_id = store.list_subscribers()[0].id
    assert read_unsubscribe_token(signing_secret(config, store), token) == subscriber_id
    assert message["Bcc"] is None and b"\nBcc:" not in received.raw
    assert "Eve Bcc" in message["To"]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert token in body  # the footer links the same signed URL


def test_compose_folds_control_characters_out_of_every_header() -> None:
    message = compose(
        sender="Digest\r\nX-Evil: 1 <digest@example.com>",
        recipient="a@example.com",
        recipient_name="A\nB",
        subject="News\r\nBcc: victim@example.com",
        html="<p>x</p>",
        text="x",
        extra_headers={"List-Id": "L\r\nX-Injected: yes <l.example.com>"},
    )
    raw = bytes(message)
    for bad in (b"\r\nBcc:", b"\nBcc:", b"\nX-Injected:", b"\nX-Evil:"):
        assert bad not in raw


def test_tokens_are_signed_per_subscriber() -> None:
    token = unsubscribe_token("secret", 42)
    assert read_unsubscribe_token("secret", token) == 42
    assert read_unsubscribe_token("other-secret", token) is None
    number, mac = token.split(".")
    assert read_unsubscribe_token("secret", f"43.{mac}") is None
    assert read_unsubscribe_token("secret", f"{number}.{mac[:-2]}xx") is None
    assert read_unsubscribe_token("secret", "nonsense") is None


def test_without_a_secret_key_one_is_made_once_and_kept_in_the_database(
    store: Store, make_config: Callable[..., Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGEST_SECRET_KEY", raising=False)
    config = make_config()
    first = signing_secret(config, store)
    reopened = open_store(config)
    assert signing_secret(config, reopened) == first and len(first) >= 32
    reopened.close()
    monkeypatch.setenv("DIGEST_SECRET_KEY", "from-the-environment")
    assert signing_secret(config, store) == "from-the-environment"


def test_each_subscriber_gets_only_their_sections(
    store: Store, make_config: Callable[..., Config]
) -> None:
    seed_stories(store, "Tech", start=10)
    store.add_subscriber("all@example.com")
    store.add_subscriber("tech@example.com", sections=["tech"])
    store.add_subscriber("sport@example.com", sections=["Sport"])
    server = ScriptedSMTP()
    with Running(server):
        report = send(smtp_config(make_config, server), store)
    assert (report.sent, report.skipped) == (2, 1)
    text = {
        r.recipient: r.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for r in server.received
    }
    assert "Tech story 10" in text["tech@example.com"]
    assert "World story" not in text["tech@example.com"]
    assert "World story 0" in text["all@example.com"] and "Tech story 10" in text["all@example.com"]
    assert ledger(store)["sport@example.com"][0] == "skipped"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_dkim_signature_covers_the_unsubscribe_headers_and_verifies(
    store: Store, make_config: Callable[..., Config], tmp_path: Path
) -> None:
    import base64

    import dkim

    key, public = tmp_path / "dkim.pem", tmp_path / "dkim.pub"
    _openssl("genrsa", "-traditional", "-out", str(key), "2048")
    _openssl("rsa", "-in", str(key), "-pubout", "-outform", "DER", "-out", str(public))
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public.read_bytes())
    add(store, "a@example.com")
    server = ScriptedSMTP()
    config = smtp_config(
        make_config,
        server,
        dkim_selector="news",
        dkim_domain="example.com",
        dkim_key_file=str(key),
    )
    with Running(server):
        send(config, store)
    raw = server.received[0].raw
    signature = email.message_from_bytes(raw, policy=email.policy.default)["DKIM-Signature"]
    signed = signature.split("h=", 1)[1].split(";", 1)[0].replace(" ", "").lower().split(":")
    assert {"list-unsubscribe", "list-unsubscribe-post", "list-id", "from"} <= set(signed)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"news._domainkey.example.com."
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: x"
    )
    assert not dkim.verify(tampered, dnsfunc=dns)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_implicit_tls_with_login(tmp_path: Path, security: str) -> None:
    import ssl

    from aiosmtpd.smtp import AuthResult

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    options: dict[str, Any] = {"authenticator": authenticate}
    if security == "starttls":
        options.update(tls_context=server_context, require_starttls=True, auth_required=True)
    else:  # TLS from the first byte, which aiosmtpd's AUTH-only-over-TLS check cannot see
        options.update(ssl_context=server_context, auth_require_tls=False)
    handler = ScriptedSMTP()
    client_context = ssl.create_default_context(cafile=str(cert))
    with Running(handler, **options):
        mailer = SMTPMailer(
            host="127.0.0.1",
            port=handler.port,
            security=security,
            username="digest",
            password="s3cret",
            ssl_context=client_context,
        )
        for n in range(2):
            mailer.send(
                compose(
                    sender="digest@example.com",
                    recipient=f"r{n}@example.com",
                    subject="s",
                    html="<p>h</p>",
                    text="t",
                )
            )
        mailer.close()
    assert handler.per_recipient() == {"r0@example.com": 1, "r1@example.com": 1}
    assert logins == [(b"digest", b"s3cret")]  # one login: the connection was reused


@pytest.mark.parametrize(
    ("name", "html"),
    [
        ("", "<p>Plain</p>"),
        ('Zoë "Q" O\'Brien', "<p>" + "é and more words " * 30 + "</p>\n.a dot\nFrom here \n"),
        ("A very long display name " * 4, "no line end at all"),
    ],
)
def test_the_composer_writes_the_message_compose_does(name: str, html: str) -> None:
    from digest.deliver import Composer, list_headers, message_bytes

    headers = list_headers(
        list_id="Harbour Digest <harbour.example.com>",
        unsubscribe_url="https://news.example.com/unsubscribe/7.abcdefghijklmnopqrstuvwxyz0123",
        unsubscribe_mailto="unsubscribe@example.com",
    )
    subject = "Harbour Dïgest for Monday 2 March 2026, with a subject long enough to fold"
    composer = Composer(
        sender="Harbour Dïgest <digest@example.com>",
        subject=subject,
        extra_headers={k: v for k, v in headers.items() if k != "List-Unsubscribe"},
    )
    fast = composer.compose(
        recipient="reader@example.com",
        recipient_name=name,
        html=html,
        text="Text part\n.starts with a dot",
        message_id="<1@example.com>",
        extra_headers={"List-Unsubscribe": headers["List-Unsubscribe"]},
    )
    slow = compose(
        sender="Harbour Dïgest <digest@example.com>",
        recipient="reader@example.com",
        recipient_name=name,
        subject=subject,
        html=html,
        text="Text part\n.starts with a dot",
        message_id="<1@example.com>",
        extra_headers=headers,
    )
    ours, theirs = (
        email.message_from_bytes(data, policy=email.policy.default)
        for data in (fast.data, message_bytes(slow))
    )
    assert fast.data.isascii() and max(len(line) for line in fast.data.split(b"\r\n")) <= 78
    assert not ours.defects
    for header in ("From", "To", "Subject", "Message-ID", "MIME-Version", *headers):
        assert ours[header] == theirs[header], header
    assert [p.get_content_type() for p in ours.iter_parts()] == ["text/plain", "text/html"]
    for mine, reference in zip(ours.iter_parts(), theirs.iter_parts(), strict=True):
        assert mine.get_content() == reference.get_content()  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="not a valid email address"):
        composer.compose(recipient="not an address", html="", text="", message_id="<2@x.y>")


def test_templates_that_change_the_address_are_rendered_for_each_message(
    store: Store, make_config: Callable[..., Config], tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "digest.txt").write_text("For {{ recipient.email | upper }}\n")
    add(store, "ada@example.com", "bea@example.com", "o'neil@example.com")
    server = ScriptedSMTP()
    config = smtp_config(make_config, server)
    with Running(server):
        report = send_edition(config, store, Renderer(folder), app_for(config).mailer, day=DAY)
    assert report.sent == 3
    text = {
        r.recipient: r.message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
        for r in server.received
    }
    assert text == {
        "ada@example.com": "For ADA@EXAMPLE.COM\n",
        "bea@example.com": "For BEA@EXAMPLE.COM\n",
        "o'neil@example.com": "For O'NEIL@EXAMPLE.COM\n",
    }


class StopAfterFirst:
    """A mailer that sets the stop event once its first message has gone (like SIGTERM)."""

    def __init__(self, inner: Any, stop: Any) -> None:
        self.inner, self.stop = inner, stop

    def send(self, message: Any) -> None:
        self.inner.send(message)
        self.stop.set()

    def close(self) -> None:
        self.inner.close()


def test_a_stop_mid_batch_gives_back_the_claims_whose_message_never_started(
    store: Store, make_config: Callable[..., Config]
) -> None:
    import threading

    add(store, *(f"reader{n}@example.com" for n in range(5)))
    server = ScriptedSMTP()
    config = smtp_config(make_config, server)
    stop = threading.Event()
    with Running(server):
        mailer = StopAfterFirst(app_for(config).mailer(), stop)
        try:
            report = send_edition(config, store, Renderer(), mailer, day=DAY, stop=stop)
        finally:
            mailer.close()
        assert report.sent == 1 and report.stopped
        states = sorted(state for state, _, _ in ledger(store).values())
        assert states == ["pending"] * 4 + ["sent"]  # claimed together, given back unsent
        assert all(
            attempts == 0 for state, attempts, _ in ledger(store).values() if state == "pending"
        )
        report = send(config, store)
    assert report.sent == 4
    assert server.per_recipient() == {f"reader{n}@example.com": 1 for n in range(5)}


class CountingRenderer(Renderer):
    """The real renderer, counting the full renderings it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.renders = 0

    def render(self, edition: Any, recipient: Any = None) -> Any:
        self.renders += 1
        return super().render(edition, recipient)


def test_each_section_set_is_rendered_once_and_every_message_is_its_own(
    store: Store, make_config: Callable[..., Config]
) -> None:
    seed_stories(store, "Tech", start=10)
    everything = [f"all{n}@example.com" for n in range(4)]
    add(store, *everything)
    for n in range(3):
        store.add_subscriber(f"tech{n}@example.com", sections=["Tech"])
    server = ScriptedSMTP()
    config = smtp_config(make_config, server)
    renderer = CountingRenderer()
    with Running(server):
        report = send_edition(config, store, renderer, app_for(config).mailer, day=DAY)
    assert report.sent == 7
    assert renderer.renders == 2  # one check rendering per section set, not one per message
    secret = signing_secret(config, store)
    for received in server.received:
        body = received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        (subscriber,) = [s for s in store.list_subscribers() if s.email == received.recipient]
        assert f"at {received.recipient}." in body.replace("\r\n", "\n")
        assert unsubscribe_token(secret, subscriber.id) in body
        assert ("World story" in body) == received.recipient.startswith("all")


@pytest.mark.parametrize(
    "text",
    [
        '<p>Hello SLOT-A,</p>\n<a href="SLOT-B">unsubscribe</a>\n',
        "SLOT-A at the start, trailing space \nSLOT-B",  # no final line end; a slot ends it
        "x" * 75 + "SLOT-A" + "y" * 200 + "\r\n.SLOT-B\r.\n" + "é " * 90 + "SLOT-A",
        "no slot at all, and no line end",
    ],
)
def test_a_part_encoded_once_decodes_to_the_text_with_each_recipients_values(text: str) -> None:
    from digest.deliver import Composer, EncodedPart

    composer = Composer(sender="Digest <digest@example.com>", subject="S", extra_headers={})
    part = EncodedPart(text, ["SLOT-A", "SLOT-B"])
    for values in (
        {"SLOT-A": "ada@example.com", "SLOT-B": "https://d.example/u/1." + "z" * 120},
        {"SLOT-A": "Zoë ", "SLOT-B": ".dot=first"},
    ):
        filled = text.replace("SLOT-A", values["SLOT-A"]).replace("SLOT-B", values["SLOT-B"])
        encoded, plain = (
            composer.compose(
                recipient="r@example.com", html=body, text=body, message_id="<1@example.com>"
            )
            for body in (part.fill(values), filled)
        )
        assert encoded.data.isascii()
        assert max(len(line) for line in encoded.data.split(b"\r\n")) <= 76
        ours, theirs = (
            email.message_from_bytes(message.data, policy=email.policy.default)
            for message in (encoded, plain)
        )
        assert not ours.defects
        for mine, reference in zip(ours.iter_parts(), theirs.iter_parts(), strict=True):
            assert mine.get_content() == reference.get_content()  # type: ignore[attr-defined]


def test_a_part_encoded_once_refuses_a_value_with_a_line_break() -> None:
    from digest.deliver import EncodedPart

    part = EncodedPart("Dear SLOT-A,\n", ["SLOT-A"])
    assert part.fill({"SLOT-A": "Ada"}) == b"Dear=20=\r\nAda=\r\n,\r\n\r\n"
    for value in ("Ada\nBcc: x@example.com", "Ada\r"):
        with pytest.raises(ValueError, match="line break"):
            part.fill({"SLOT-A": value})


def test_parallel_deliveries_into_a_new_outbox_all_land(tmp_path: Path) -> None:
    """Deliveries run in parallel: each may find the outbox missing and make it at once, and none
    may fail for it (a flaky "cannot write to the outbox" under load). A path that cannot be a
    folder still fails with the clear message."""
    from concurrent.futures import ThreadPoolExecutor
    from email.message import EmailMessage
    from threading import Barrier

    from digest.deliver import OutboxMailer
    from digest.errors import TemporaryDeliveryError

    for round_ in range(5):
        folder = tmp_path / f"outbox-{round_}"
        mailer = OutboxMailer(folder)
        start = Barrier(8)

        def deliver(number: int, mailer: OutboxMailer = mailer, start: Barrier = start) -> None:
            message = EmailMessage()
            message["To"] = f"reader{number}@example.com"
            message.set_content("hello")
            start.wait()
            mailer.send(message)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(deliver, range(8)))
        assert len(list(folder.glob("*.eml"))) == 8
    (tmp_path / "a-file").write_text("not a folder")
    message = EmailMessage()
    message.set_content("hello")
    with pytest.raises(TemporaryDeliveryError, match="cannot write to the outbox"):
        OutboxMailer(tmp_path / "a-file").send(message)
