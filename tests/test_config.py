from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from digest.config import Config, config_from_dict, describe_schema, load_config
from digest.errors import ConfigError
from digest.summarize import SummarizerSettings

ROOT = Path(__file__).resolve().parent.parent


def test_no_file_gives_embedded_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIGEST_CONFIG", raising=False)
    config = load_config(None)
    assert config == Config()
    assert config.summarizer.backend == "extractive"
    assert config.mail.backend == "outbox"


def test_the_summariser_defaults_are_the_summarisers_own() -> None:
    # a config without the key gives what the README, the example file and the benchmarks use
    settings = SummarizerSettings()
    assert Config().summarizer.max_words == settings.max_words == 25
    assert Config().summarizer.bullets == settings.bullets
    shorter = config_from_dict({"summarizer": {"max_words": 18}})
    assert shorter.summarizer.max_words == 18


def test_the_contract_keys_load(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()  # the store's folder must exist
    path = tmp_path / "digest.toml"
    path.write_text(
        """
[store]
path = "data/news.db"
[[sources]]
url = "https://example.com/feed.xml"
name = "Example"
[fetch]
allow_private_addresses = true
[summarizer]
backend = "abstractive"
model = "/models/bart"
bullets = 4
[mail]
backend = "smtp"
from = "Digest <digest@example.com>"
[mail.smtp]
host = "mail.example.com"
port = 465
security = "tls"
username = "digest"
""",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.store.path == str(tmp_path / "data" / "news.db")  # relative to the file
    assert config.sources[0].url == "https://example.com/feed.xml"
    assert config.sources[0].name == "Example"
    assert config.fetch.allow_private_addresses is True
    assert (config.summarizer.backend, config.summarizer.model, config.summarizer.bullets) == (
        "abstractive",
        "/models/bart",
        4,
    )
    assert config.mail.sender == "Digest <digest@example.com>"
    assert (config.mail.smtp.host, config.mail.smtp.port, config.mail.smtp.security) == (
        "mail.example.com",
        465,
        "tls",
    )


def test_unknown_key_names_itself_and_suggests(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"summarizer": {"bulets": 3}}, base=tmp_path)
    assert "summarizer.bulets" in str(caught.value)
    assert "summarizer.bullets" in caught.value.hint


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'mailer'"):
        config_from_dict({"mailer": {}}, base=tmp_path)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"summarizer": {"bullets": "three"}}, "summarizer.bullets"),
        ({"fetch": {"allow_private_addresses": "yes"}}, "fetch.allow_private_addresses"),
        ({"mail": {"smtp": {"security": "ssl"}}}, "mail.smtp.security"),
        ({"summarizer": {"backend": "gpt"}}, "summarizer.backend"),
        ({"sources": [{"url": "ftp://example.com/feed"}]}, "sources[0].url"),
        ({"sources": [{"url": "https://example.com", "nme": "x"}]}, "sources[0].nme"),
        ({"digest": {"timezone": "Mars/Olympus"}}, "digest.timezone"),
        ({"digest": {"send_at": "25:00"}}, "digest.send_at"),
        ({"summarizer": {"bullets": 0}}, "summarizer.bullets"),
        ({"digest": {"duplicate_threshold": 1.5}}, "digest.duplicate_threshold"),
        ({"mail": {"rate_per_second": -1}}, "mail.rate_per_second"),
        ({"mail": {"backend": "sendmail"}}, "mail.backend"),
        ({"mail": {"from": "Digest"}}, "mail.from"),
        ({"mail": {"from": "digest at example.com"}}, "mail.from"),
        ({"mail": {"subject": "{titel} on {date}"}}, "{titel}"),
        ({"mail": {"subject": "News {date"}}, "mail.subject"),
        ({"digest": {"base_url": "news.example.com"}}, "digest.base_url"),
        ({"digest": {"base_url": "ftp://news.example.com"}}, "digest.base_url"),
        ({"digest": {"base_url": "https://"}}, "digest.base_url"),
        ({"digest": {"template_dir": "no-such-folder"}}, "digest.template_dir"),
        ({"store": {"path": "missing/digest.db"}}, "store.path"),
        ({"fetch": {"timeout": 0}}, "fetch.timeout"),
        ({"mail": {"smtp": {"timeout": -1}}}, "mail.smtp.timeout"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, raw: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(raw, base=tmp_path)
    assert fragment in str(caught.value)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "digest.toml"
    path.write_text("[store\npath = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_explicit_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret")
    assert Config().smtp_password == "s3cret"


def test_example_config_loads_and_documents_every_key() -> None:
    example = ROOT / "config.example.toml"
    config = load_config(example)
    assert config.sources, "the example should show a source"
    text = example.read_text(encoding="utf-8")
    tomllib.loads(text)
    for name, _default, help_text in describe_schema():
        assert help_text, f"{name} has no help"
        key = name.rsplit(".", 1)[-1]
        assert re.search(rf"^#?\s*{re.escape(key)}\s*=", text, re.M), (
            f"{name} is not in the example"
        )


def test_good_values_of_the_start_up_checks_pass(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    config = config_from_dict(
        {
            "mail": {"from": "news@example.com", "subject": "{title}: {date} {{daily}}"},
            "digest": {"base_url": "https://news.example.com/digest", "template_dir": "mine"},
            "fetch": {"timeout": 0.5},
        },
        base=tmp_path,
    )
    assert config.digest.template_dir == str(tmp_path / "mine")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(
            {
                "summarizer": {"bulets": 3},
                "mail": {"from": "nobody", "subject": "{titel}"},
                "digest": {"base_url": "news.example.com", "timezone": "Mars/Olympus"},
            },
            base=tmp_path,
        )
    message = str(caught.value)
    assert message.startswith("the config has 5 problems:")
    for fragment in ("summarizer.bulets", "mail.from", "{titel}", "digest.base_url", "Mars"):
        assert fragment in message
    assert "Did you mean {title}?" in message and "summarizer.bullets" in message


def test_mail_over_smtp_with_a_local_or_plain_http_base_url_is_warned_about(
    tmp_path: Path,
) -> None:
    from digest.config import config_warnings

    def warnings(backend: str, base_url: str) -> list[str]:
        raw = {"mail": {"backend": backend}, "digest": {"base_url": base_url}}
        return config_warnings(config_from_dict(raw, base=tmp_path))

    assert "local address" in warnings("smtp", "http://127.0.0.1:8080")[0]
    assert "local address" in warnings("smtp", "https://192.168.1.20")[0]
    assert "plain http" in warnings("smtp", "http://news.example.com")[0]
    assert warnings("smtp", "https://news.example.com") == []
    assert warnings("outbox", "http://127.0.0.1:8080") == []  # nothing goes out
