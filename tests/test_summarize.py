"""The "In Short" summariser: its settings, post-processing and each backend with real model code.

The extractive tests use the packaged all-MiniLM-L6-v2 model. The abstractive tests build a tiny
BART (small config, byte-level BPE tokenizer trained on the articles below) in a temporary folder
and load it by path, exactly as a downloaded checkpoint would be. All article text here is
written for these tests.
"""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import pytest

from digest.errors import ConfigError, ModelUnavailableError
from digest.summarize import (
    BACKENDS,
    Context,
    SummarizerSettings,
    grammar,
    load_summarizer,
    unsuitable,
)
from digest.summarize import extractive as extractive_module
from digest.summarize.bullets import Candidate, quotations_given, select_bullets
from digest.summarize.extractive import _attributed, _cut_short, _up_to_a_refusal
from digest.summarize.sentences import marked_sentences, split_sentences, words

HARBOUR = (
    "PORTLAND, Maine — The city council voted 7 to 2 on Tuesday to rebuild the old ferry pier, "
    "ending a debate that has divided the waterfront for three years. "
    "The new pier will cost about $14 million and should open in the spring of 2027, "
    "officials said. "
    "Mayor Helen Okafor, who backed the plan from the start, called the vote a turning point "
    "for the harbour. "
    '"This pier carried our grandparents to the islands, and it will carry our grandchildren," she '
    "told reporters outside City Hall. "
    "Opponents argued that the money would be better spent on the island schools. "
    "Two councillors voted against the plan, saying the cost estimate was far too optimistic. "
    "Construction crews are expected to begin removing the rotten timber piles in January. "
    "During the work, ferries will dock at a temporary landing near the fish market. "
    "The ferry service carries about 900,000 passengers a year between the city and six islands. "
    "Island residents have complained for years about cancelled crossings in winter storms."
)
ORCHARD = (
    "(CNN) -- A late frost has destroyed nearly half of the apple blossom in the valley's "
    "orchards, growers said on Friday. "
    "The cold snap arrived after two weeks of unusually warm weather had coaxed the trees into "
    "flower early. "
    "Temperatures fell to minus 4 degrees on Wednesday night, the lowest April reading in a "
    "decade. "
    "Growers lit fires and ran wind machines through the night to keep the air moving over the "
    "trees. "
    "Farmer Tomas Reyes said he lost most of the blossom on his oldest trees within a few hours. "
    "The regional growers' association expects the harvest to be about 40 percent smaller than "
    "last year. "
    "Apple prices in local markets are likely to rise in the autumn as a result. "
    "Insurers have started sending assessors to the worst-hit farms this week."
)
REPEATED = (
    "The regional library will stay open until midnight during the exam season, the board decided. "
    "The regional library will stay open until midnight during the exam season, the board said. "
    "Students asked for longer hours in a petition signed by more than 3,000 people last autumn. "
    "The extra hours will be staffed by volunteers from the university and the town. "
    "A quiet reading room on the second floor will be reserved for students with exams. "
    "The board will review the longer opening hours at the end of the summer term."
)


def _bullet_ok(bullet: str, max_words: int = SummarizerSettings().max_words) -> bool:
    return (
        len(bullet.split()) <= max_words
        and grammar.judge(grammar.parse([bullet])[0]).reason is None
    )


# ---- settings and registry


def test_backends_are_registered_by_name() -> None:
    assert set(BACKENDS) == {"extractive", "abstractive", "lead", "auto", "generative"}


def test_unknown_backend_fails_with_the_names() -> None:
    with pytest.raises(ConfigError) as caught:
        load_summarizer(SummarizerSettings(backend="magic"))
    for name in BACKENDS:
        assert name in str(caught.value)


@pytest.mark.parametrize(
    "settings",
    [
        SummarizerSettings(bullets=0),
        SummarizerSettings(max_words=3),
        SummarizerSettings(device="tpu"),
        SummarizerSettings(batch_size=0),
        SummarizerSettings(backend="generative", mode="poem"),
        SummarizerSettings(backend="generative", endpoint="http://127.0.0.1:1/v1", retries=-1),
        SummarizerSettings(backend="generative", endpoint="http://127.0.0.1:1/v1", concurrency=0),
    ],
)
def test_invalid_settings_fail_at_load(settings: SummarizerSettings) -> None:
    with pytest.raises(ConfigError):
        load_summarizer(settings)


def test_importing_the_package_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys, digest.summarize, digest.dedupe, digest.embed; print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# ---- text checks


def test_unsuitable_gives_reasons() -> None:
    assert unsuitable("   ") is not None and "empty" in (unsuitable("   ") or "")
    assert "too short" in (unsuitable("The pier reopens on Monday after repairs.") or "")
    german = (
        "Der Stadtrat hat am Dienstag beschlossen, den alten Fähranleger neu zu bauen. Die "
        "Arbeiten "
        "sollen im Januar beginnen und im Frühjahr enden. Während der Bauzeit legen die Fähren an "
        "einem provisorischen Steg beim Fischmarkt an. Die Inselbewohner klagen seit Jahren über "
        "ausgefallene Fahrten bei Winterstürmen, und viele hoffen nun auf einen verlässlicheren "
        "Betrieb. Der Bürgermeister sprach von einem Wendepunkt für den Hafen der Stadt."
    )
    assert "not English" in (unsuitable(german) or "")
    russian = "Городской совет проголосовал за восстановление старого причала. " * 8
    assert "not English" in (unsuitable(russian) or "")
    assert unsuitable(HARBOUR) is None


def test_split_sentences_keeps_abbreviations_and_initials() -> None:
    text = (
        "Mr. Reyes met Dr. J. Okafor in the U.S. capital on Sept. 3. They talked for an hour. "
        '"It went well," she said. Was it worth it?'
    )
    assert split_sentences(text) == [
        "Mr. Reyes met Dr. J. Okafor in the U.S. capital on Sept. 3.",
        "They talked for an hour.",
        '"It went well," she said.',
        "Was it worth it?",
    ]


def test_a_short_quotation_inside_a_sentence_ends_no_sentence() -> None:
    # a slogan's stops, in a quotation opened after the sentence's first words, end nothing
    slogan = "Skerrow's viral \u201cSail. We\u2019re on it.\u201d campaign drew mockery on Monday."
    assert split_sentences(slogan + " Darrow was concerned.") == [slogan, "Darrow was concerned."]
    assert split_sentences('The band played "Stop. Look." at the pier. Fans sang.') == [
        'The band played "Stop. Look." at the pier.',
        "Fans sang.",
    ]
    # speech that opens the sentence, or a long quotation, is split as before
    assert split_sentences("\u201cWe will sail. The pier is safe,\u201d Darrow said.") == [
        "\u201cWe will sail.",
        "The pier is safe,\u201d Darrow said.",
    ]
    long = (
        'Darrow said the ferry "will sail on Monday. It is safe, and the crews have trained for '
        'a month and more," she added.'
    )
    assert len(split_sentences(long)) == 2
    unclosed = 'Darrow called it "the best ferry. The pier reopened on Monday.'
    assert len(split_sentences(unclosed)) == 2


# ---- post-processing


def test_select_bullets_limits_count_length_and_duplicates() -> None:
    candidates = split_sentences(REPEATED)
    chosen = select_bullets(candidates, REPEATED, bullets=3, max_words=20)
    bullets = [bullet for _, bullet in chosen]
    assert len(bullets) == 3
    assert all(_bullet_ok(b) for b in bullets)
    # the second sentence repeats the first: it must not become a bullet of its own
    assert [index for index, _ in chosen] == [0, 2, 3]


def test_select_bullets_replaces_a_bullet_the_source_does_not_support() -> None:
    invented_name = "Mayor Daniel Whitcombe said the pier would reopen next spring after repairs."
    invented_number = "The new ferry pier will cost about $19 million and open in the spring."
    supported = "The city council voted on Tuesday to rebuild the old ferry pier."
    chosen = select_bullets(
        [invented_name, invented_number, supported], HARBOUR, bullets=1, max_words=20
    )
    assert chosen == [(2, supported)]


# ---- lead


def test_a_line_the_page_wrapped_goes_on_but_a_heading_stands_alone() -> None:
    text = (
        "Ferry News\nThe skipper, who in 2008 sailed the\nSkerrow Channel single-handed, has\n"
        "retired from the harbour.\nNext Story\nThe pier reopens on Monday."
    )
    assert split_sentences(text) == [
        "Ferry News",
        "The skipper, who in 2008 sailed the Skerrow Channel single-handed, has retired from the "
        "harbour.",
        "Next Story",
        "The pier reopens on Monday.",
    ]


def test_a_line_without_its_stop_above_a_new_sentence_ends_there() -> None:
    # A standfirst that lost its full stop, above the first paragraph: the line ends on a word that
    # could go on ("on"), but the next opens a sentence of its own.
    text = "That cannot go on\nThere are some numbers that ought to stop the ferry board."
    assert split_sentences(text) == [
        "That cannot go on",
        "There are some numbers that ought to stop the ferry board.",
    ]
    # A name after the wrapped line goes on as before.
    wrapped = "The skipper who sailed in\nThe Minch single-handed has retired."
    assert split_sentences(wrapped) == [
        "The skipper who sailed in The Minch single-handed has retired."
    ]


def test_a_short_line_over_lower_case_is_a_heading_but_a_longer_one_was_wrapped() -> None:
    text = (
        "Getting started\nferryctl is sold at the harbour office.\n"
        "The office opens at nine\nevery weekday morning.\n"
        "It needs:\nrope, fuel and charts."
    )
    assert split_sentences(text) == [
        "Getting started",
        "ferryctl is sold at the harbour office.",
        "The office opens at nine every weekday morning.",  # five words: a line the page wrapped
        "It needs: rope, fuel and charts.",  # a line that ends on a colon goes on below
    ]


def test_lead_takes_the_first_usable_sentences() -> None:
    summarizer = load_summarizer(SummarizerSettings(backend="lead"))
    [bullets] = summarizer.summarize([ORCHARD])
    # the dateline goes; the growers' claim keeps its speaker
    assert bullets[0] == (
        "A late frost has destroyed nearly half of the apple blossom in the valley's orchards, "
        "growers said on Friday."
    )
    assert len(bullets) == 3 and all(_bullet_ok(b) for b in bullets)
    assert summarizer.name == "lead" and summarizer.model_id == "lead"


# ---- extractive (the packaged all-MiniLM-L6-v2)


@pytest.fixture(scope="session")
def extractive():  # type: ignore[no-untyped-def]
    return load_summarizer(SummarizerSettings(backend="extractive"))


def test_extractive_bullets_are_short_faithful_sentences(extractive) -> None:  # type: ignore[no-untyped-def]
    results = extractive.summarize([HARBOUR, ORCHARD, REPEATED])
    assert len(results) == 3
    for text, bullets in zip([HARBOUR, ORCHARD, REPEATED], results, strict=True):
        assert len(bullets) == 3
        assert all(_bullet_ok(b) for b in bullets), bullets
        vocabulary = set(words(text)) | {w.capitalize() for w in words(text)}
        for bullet in bullets:  # extracted: every word of a bullet is in its article
            assert set(words(bullet)) <= vocabulary, bullet
    harbour = results[0]
    assert "PORTLAND" not in " ".join(harbour)
    for bullet in harbour:  # a forecast keeps its speaker
        assert "$14 million" not in bullet or bullet.endswith("officials said."), bullet
    # the lead, less the day of its past vote: the vote and its count are the news
    assert harbour[0].startswith("The city council voted 7 to 2 to rebuild the old ferry pier")


def test_extractive_skips_near_duplicates_and_follows_article_order(extractive) -> None:  # type: ignore[no-untyped-def]
    [bullets] = extractive.summarize([REPEATED])
    library = [b for b in bullets if "until midnight" in b]
    assert len(library) == 1
    positions = [REPEATED.index(b.rstrip(".")[:30]) for b in bullets]
    assert positions == sorted(positions)


CONDUCTOR = (
    "Music lovers in the river town were dismayed on Monday after conductor Ilse Marken announced "
    "she will step down next spring. Marken has led the town's small orchestra for eleven years "
    "and turned it into a touring ensemble. Her decision to step down surprised the players, who "
    "learned of it at a rehearsal. The orchestra's board said it will begin the search for a new "
    "conductor in the autumn. Marken said she wants to spend more time composing and teaching "
    "young musicians. Tickets for her final season of concerts go on sale at the town hall next "
    "week."
)


def test_extractive_can_pick_the_news_inside_a_clause(extractive) -> None:  # type: ignore[no-untyped-def]
    [bullets] = extractive.summarize([CONDUCTOR])
    assert "Conductor Ilse Marken announced she will step down next spring." in bullets
    assert all(_bullet_ok(b) for b in bullets), bullets


def test_extractive_quantized_gives_bullets_under_its_own_cache_key(extractive) -> None:  # type: ignore[no-untyped-def]
    quantized = load_summarizer(SummarizerSettings(quantize=True, device="cpu"))
    [bullets] = quantized.summarize([ORCHARD])
    assert len(bullets) == 3 and all(_bullet_ok(b) for b in bullets)
    assert quantized.cache_key != extractive.cache_key


def test_extractive_batches_with_titles_and_reports_its_model(extractive) -> None:  # type: ignore[no-untyped-def]
    one_by_one = [extractive.summarize([t])[0] for t in (HARBOUR, ORCHARD)]
    together = extractive.summarize([HARBOUR, ORCHARD])
    assert together == one_by_one
    titled = extractive.summarize([HARBOUR, ""], titles=["Council backs new ferry pier", ""])
    assert len(titled) == 2 and titled[1] == []
    assert extractive.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert "extractive" in extractive.cache_key and "max_words=25" in extractive.cache_key
    other = load_summarizer(SummarizerSettings(backend="lead", max_words=15))
    assert other.cache_key != load_summarizer(SummarizerSettings(backend="lead")).cache_key


def test_extractive_and_duplicate_merging_share_one_model(extractive) -> None:  # type: ignore[no-untyped-def]
    from digest.dedupe import shared_embedder
    from digest.embed import shared_encoder

    encoder = shared_encoder()  # "auto", like the summariser's default device
    assert extractive.encoder is encoder  # type: ignore[attr-defined]
    model = encoder._model
    [vector] = shared_embedder().embed([HARBOUR])
    assert encoder._model is model  # no second load
    direct = encoder.encode([HARBOUR])[0].tolist()
    assert max(abs(a - b) for a, b in zip(vector, direct, strict=True)) < 1e-5
    assert abs(sum(x * x for x in vector) - 1) < 1e-4


def test_the_shared_encoder_serves_threads_at_once(extractive) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from digest.embed import shared_encoder

    encoder = shared_encoder()
    texts = split_sentences(HARBOUR) + split_sentences(ORCHARD)
    alone = encoder.encode(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda _: encoder.encode(texts), range(4)))
    for result in together:
        assert float((result - alone).abs().max()) < 1e-5


# ---- abstractive (a tiny BART built here, loaded by path)


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    from tests.tiny_models import save_bpe_tokenizer

    folder = tmp_path_factory.mktemp("tiny-bart")
    vocab = save_bpe_tokenizer(folder, [HARBOUR, ORCHARD, REPEATED], vocab_size=400, max_length=64)
    config = BartConfig(
        vocab_size=vocab,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=64,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(folder)
    return folder


def test_abstractive_loads_by_path_batches_and_survives_long_input(tiny_bart: Path) -> None:
    settings = SummarizerSettings(backend="abstractive", model=str(tiny_bart), batch_size=2)
    summarizer = load_summarizer(settings)
    assert summarizer.name == "abstractive" and summarizer.model_id == str(tiny_bart)
    # neither the input nor the summary may outgrow the model's 64 positions
    assert summarizer.max_input_tokens == 64  # type: ignore[attr-defined]
    assert summarizer._generation_options()["max_length"] <= 64  # type: ignore[attr-defined]
    very_long = " ".join([HARBOUR] * 30)  # about 5,000 words, far beyond 64 positions
    texts = [HARBOUR, ORCHARD, very_long, ""]
    results = summarizer.summarize(texts)
    assert len(results) == 4 and results[3] == []
    for text, bullets in zip(texts[:3], results[:3], strict=True):
        # random weights write nonsense: every bullet must have been replaced by the article's own
        assert len(bullets) == 3 and all(_bullet_ok(b) for b in bullets)
        assert all(b.rstrip(".")[:25] in text for b in bullets), bullets


def test_abstractive_quantized_on_cpu_changes_the_cache_key(tiny_bart: Path) -> None:
    plain = load_summarizer(SummarizerSettings(backend="abstractive", model=str(tiny_bart)))
    quantized = load_summarizer(
        SummarizerSettings(backend="abstractive", model=str(tiny_bart), quantize=True, device="cpu")
    )
    assert quantized.cache_key != plain.cache_key
    assert len(quantized.summarize([ORCHARD])[0]) == 3


@pytest.fixture
def dead_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the hub at a local port nothing listens on, so a download attempt is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def test_abstractive_fails_fast_when_the_hub_is_unreachable(dead_hub: None) -> None:
    start = time.monotonic()
    with pytest.raises(ModelUnavailableError) as caught:
        load_summarizer(
            SummarizerSettings(backend="abstractive", model="digest-tests/no-such-model")
        )
    assert time.monotonic() - start < 10
    assert "cannot be reached" in str(caught.value) and caught.value.hint


def test_abstractive_missing_path_fails_with_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError):
        load_summarizer(SummarizerSettings(backend="abstractive", model=str(tmp_path / "none")))


def test_auto_falls_back_to_extractive_and_says_so(
    dead_hub: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="digest.summarize"):
        summarizer = load_summarizer(
            SummarizerSettings(backend="auto", model="digest-tests/no-such-model")
        )
    assert summarizer.name == "extractive"
    assert summarizer.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert "falling back to extractive" in caplog.text
    assert "all-MiniLM-L6-v2" in caplog.text


def test_auto_uses_the_abstractive_model_when_it_loads(tiny_bart: Path) -> None:
    summarizer = load_summarizer(SummarizerSettings(backend="auto", model=str(tiny_bart)))
    assert summarizer.name == "abstractive"


def test_shortening_is_the_same_in_every_process() -> None:
    """The search over deletions must not depend on string hashing (PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    sentence = (
        "The mayor, who took office in 2019, said on Monday that the new ferry service, "
        "which will cost 12 million dollars, would start in the spring, officials said."
    )
    code = (
        "from digest.summarize.bullets import select_bullets; "
        f"print(select_bullets([{sentence!r}], {sentence!r}, 1, 20))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            timeout=60,
        ).stdout
        for seed in range(3)
    }
    assert len(outputs) == 1 and outputs.pop().strip()


# ---- context: the byline, the kind of piece and the publisher's description

COLUMN = (
    "The harbour board has spent three years arguing about a pier that nobody wants to pay for. "
    "The new ferry timetable cuts two winter crossings to the outer islands without any warning. "
    "Island families will now wait six hours longer for a boat in the darkest months of the year. "
    "The board should publish the full costs of the new landing stage before it spends any more. "
    "Harbour Ferries Ltd has refused to explain why the winter crossings were cut this year. "
    "The council could still restore the crossings at its next meeting in January."
)


def test_an_opinion_piece_is_attributed_to_its_author(extractive) -> None:  # type: ignore[no-untyped-def]
    opinion = Context(author="By Jane Okoro, Harbour Editor", kind="opinion")
    [attributed] = extractive.summarize([COLUMN], ["Winter ferries"], [opinion])
    assert attributed and all(b.startswith("Jane Okoro writes that ") for b in attributed)
    assert all(len(b.split()) <= extractive.settings.max_words for b in attributed)
    [news] = extractive.summarize([COLUMN], ["Winter ferries"], [Context(kind="news")])
    assert news and not any("writes that" in b for b in news)
    [unsigned] = extractive.summarize([COLUMN], [""], [Context(author="Staff", kind="opinion")])
    assert unsigned and all(b.startswith("A columnist writes that ") for b in unsigned)
    [leader] = extractive.summarize(
        [COLUMN], [""], [Context(author="Skerrow Courier editorial board", kind="opinion")]
    )
    assert leader and all(b.startswith("The editorial writes that ") for b in leader)
    [review] = extractive.summarize([COLUMN], [""], [Context(author="Staff", kind="review")])
    assert review and all(b.startswith("A reviewer writes that ") for b in review)


def test_the_publishers_description_is_never_a_bullet_of_ours(extractive) -> None:  # type: ignore[no-untyped-def]
    # the email shows it under the headline, as the publisher's (digest.pipeline.story_of)
    described = Context(
        description="Harbour Ferries Ltd plans to save fuel money by cutting winter crossings to "
        "the islands"
    )
    [bullets] = extractive.summarize([COLUMN], ["Winter ferries"], [described])
    assert bullets and not any("fuel money" in b for b in bullets), bullets
    teaser = Context(description="Find out what the new timetable means for you?")
    [plain] = extractive.summarize([COLUMN], ["Winter ferries"], [teaser])
    assert not any("Find out" in b for b in plain)
    cut = Context(description="Harbour Ferries Ltd plans to save fuel money over the win...")
    [uncut] = extractive.summarize([COLUMN], ["Winter ferries"], [cut])
    assert not any("fuel money" in b for b in uncut)


U_S_PIER = (
    "Divers raised a sunken lobster boat from the harbour floor at Kettle Point in August. "
    "Its owner's rival pleaded guilty to sinking it on Monday, the U.S. Attorney's Office in "
    "Portland announced. "
    "The rival faces up to five years in prison when he is sentenced in March. "
    "Fishermen on the point said the feud between the two crews had lasted for a decade."
)


def test_a_description_the_site_cut_inside_a_sentence_is_not_a_bullet(extractive) -> None:  # type: ignore[no-untyped-def]
    # The site cut its description at "U.S." (its own splitter took it for a full stop): the
    # article's sentence goes on, so the description is no sentence of its own.
    cut = "A Maine fisherman pleaded guilty to sinking a rival's boat on Monday, the U.S."
    [bullets] = extractive.summarize([U_S_PIER], ["Kettle Point"], [Context(description=cut)])
    assert not any(b.endswith("the U.S.") for b in bullets), bullets
    # A description that ends where an article sentence ends (or that the article does not
    # repeat) is whole.
    sentences = marked_sentences(U_S_PIER, 20)
    assert _cut_short(cut, sentences)
    assert not _cut_short("The rival faces up to five years in prison.", sentences)
    assert not _cut_short("Kettle Point has the longest fishing feud in the U.S.", sentences)


LATE_NEWS = (
    "I have lived on Skerrow Island for most of my life and I still love the crossing. "
    "We used to take the boat to the mainland every Friday for the market in Portree. "
    "My father ran the harbour shop for thirty years before he retired in 2004. "
    "You can see the seabird colonies on the western cliffs from our kitchen window. "
    "I remember the first car ferry arriving when I was still at the island school. "
    "We never thought the island could be cut off for a whole winter. "
    "The winter ferry to Skerrow Island has been cancelled by its operator, Harbour Ferries."
)


def test_bullets_come_from_the_lead_and_not_from_further_in(extractive) -> None:  # type: ignore[no-untyped-def]
    title = "Winter ferry to Skerrow Island cancelled by Harbour Ferries"
    [late] = extractive.summarize([LATE_NEWS], [title])
    assert not any("ferry" in b for b in late)
    early = LATE_NEWS.split(". ")
    moved = ". ".join([early[-1].rstrip("."), *early[:-1]]) + "."
    [lead] = extractive.summarize([moved], [title])
    assert any("winter ferry" in b for b in lead)


CANCELLED = (
    "Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday. "
    "The company blamed a shortage of trained crew for the cancellations. "
    "Islanders will now have to wait until April for a boat to the mainland. "
    "The island school will close early for the Christmas holidays this year."
)


LEANING = (
    "Harbour Ferries made an announcement on Monday. "
    "The company blamed a shortage of trained crew for cancelling every winter sailing. "
    "A shortage of trained crew has hit ferry firms across the region. "
    "Training new crew takes two years, and trained crew are scarce everywhere."
)


def test_a_bullet_leaning_on_another_comes_only_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # One bullet, and the headline is about the sentence that leans on the one before it ("The
    # company"): it ranks first, but may not stand alone, so the sentence it leans on takes the
    # place (rather than no bullet at all once the leaning one is dropped).
    # (Here the lone-bullet floor is off: "made an announcement" says little about the crew.)
    monkeypatch.setattr(extractive_module, "ALONE_ON_TOPIC", 0.0)
    one = load_summarizer(SummarizerSettings(bullets=1))
    title = "Shortage of trained crew blamed for cancelling every winter sailing"
    [bullets] = one.summarize([LEANING], [title])
    assert bullets == ["Harbour Ferries made an announcement on Monday."]


def test_a_paraphrase_of_a_chosen_bullet_is_dropped(extractive, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The description says what the lead says in other words (cosine 0.6; other pairs 0.4 or less).
    # It is never a bullet itself, but a sentence that repeats it adds nothing under it.
    described = Context(
        description="Every winter crossing to Skerrow Island has been called off by its operator."
    )
    [both] = extractive.summarize([CANCELLED], ["Winter ferries"], [described])
    assert any("cancelled every" in b for b in both) and not any("called off" in b for b in both)
    monkeypatch.setattr(extractive_module, "PARAPHRASE", 0.55)
    # (the other sentences are far from the description: the on-topic bar is off here)
    monkeypatch.setattr(extractive_module, "OFF_TOPIC", 0.0)
    [one] = extractive.summarize([CANCELLED], ["Winter ferries"], [described])
    assert one and not any("called off" in b or "cancelled every" in b for b in one), one


def test_a_description_the_site_cut_without_a_stop_is_not_a_bullet(extractive) -> None:  # type: ignore[no-untyped-def]
    # The site ended its description at "in prison" with no full stop, where the article's
    # sentence goes on to say when: what it left out may be the point.
    cut = "A Kettle Point fisherman now faces up to five years in prison"
    [found] = extractive._candidates([U_S_PIER], ["Kettle Point"], [Context(description=cut)])
    assert all(c.position != -1 for c in found), found
    # With the site's own full stop it is a sentence of the site's, and may be a bullet.
    whole = cut + "."
    [found] = extractive._candidates([U_S_PIER], ["Kettle Point"], [Context(description=whole)])
    assert [c.text for c in found if c.position == -1] == [whole], found


QUOTED_CUTS = (
    "Harbour Ferries will cut its winter timetable to Skerrow Island from January. "
    "Its chief executive, Ines Darrow, told islanders the company had \u201cno choice left on "
    "the winter routes\u201d after six years of losses. "
    "The company said the crossings had run at a loss for six winters in a row. "
    "Islanders called the cuts \u201cthe end of the island as we know it\u201d at a meeting."
)


def test_a_description_that_cuts_a_quotation_is_not_a_bullet(extractive) -> None:  # type: ignore[no-untyped-def]
    def described(description: str) -> list[str]:
        [found] = extractive._candidates([QUOTED_CUTS], ["Ferry cuts"], [Context(description)])
        return [c.text for c in found if c.position == -1]

    # the speaker said it of the winter routes: cut there, it is a different claim
    cut = "Skerrow Island's ferry operator has \u201cno choice left\u201d after a run of costly winters."
    assert described(cut) == []
    # quoted whole (stops and case aside) it is the article's, and may be a bullet
    whole = (
        "Skerrow Island will lose most crossings because Harbour Ferries has \u201cNo choice left "
        "on the winter routes\u201d."
    )
    assert described(whole) == [whole]
    # a quoted term of fewer than three words may come from inside a longer quotation
    term = "Skerrow islanders fear \u201cthe end\u201d of their way of life after the ferry cuts."
    assert described(term) == [term]


FERRY_AND_CAROLS = (
    "Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday. "
    "A brass band played carols outside the village church on Sunday evening. "
    "Islanders will now have to wait until April for a boat to the mainland."
)


def test_a_bullet_off_the_headlines_topic_goes(extractive) -> None:  # type: ignore[no-untyped-def]
    # Under a headline about the ferries the carols are colour (cosine 0.05 to it): two bullets
    # beat three with one to skip. With no headline there is nothing to measure against.
    title = "Harbour Ferries cancels every winter sailing to Skerrow Island"
    [headed] = extractive.summarize([FERRY_AND_CAROLS], [title])
    assert len(headed) == 2 and not any("carols" in b for b in headed), headed
    [bare] = extractive.summarize([FERRY_AND_CAROLS])
    assert any("carols" in b for b in bare), bare
    # The closest one stays, when it is about the headline (0.58 to this one).
    [carols] = extractive.summarize([FERRY_AND_CAROLS], ["Carols for the village"])
    assert carols == ["A brass band played carols outside the village church on Sunday evening."]


def test_with_a_description_to_fall_back_on_a_bullet_must_be_closer_to_the_story(
    extractive,
) -> None:  # type: ignore[no-untyped-def]
    # Under the headline and the description, the wait until April is 0.37 away: background the
    # reader can skip, and the email shows the description. Under the headline alone (0.47) it
    # stays: a dropped bullet could leave the story with nothing.
    title = "Skerrow Island ferries"
    described = Context(
        description="Harbour Ferries has cancelled every winter sailing to the island."
    )
    [headed] = extractive.summarize([FERRY_AND_CAROLS], [title], [described])
    assert headed == ["Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday."]
    [bare] = extractive.summarize([FERRY_AND_CAROLS], [title])
    assert bare == [
        "Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday.",
        "Islanders will now have to wait until April for a boat to the mainland.",
    ]
    # A description that speaks of the islanders brings the wait to 0.44: it stays, and the
    # carols (0.11) still go.
    waiting = Context(
        description="Islanders face a long winter without ferries after every sailing was cancelled."
    )
    [kept] = extractive.summarize([FERRY_AND_CAROLS], [title], [waiting])
    assert kept == bare


REFUSED_BETWEEN = (
    "Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday. "
    "I have taken that boat every winter since I was a child. "
    "Islanders will now have to wait until April for a boat to the mainland."
)


def test_no_bullet_comes_from_past_a_refused_lead_sentence_when_a_description_stands_in(
    extractive,
) -> None:  # type: ignore[no-untyped-def]
    # The first-person sentence gives no bullet, so the islanders' wait, after it, gives none
    # either: the publisher's description (shown under the headline) says the news instead.
    title = "Harbour Ferries cancels every winter sailing to Skerrow Island"
    described = Context("Harbour Ferries blamed a shortage of trained crew for the decision.")
    [refused] = extractive.summarize([REFUSED_BETWEEN], [title], [described])
    assert refused == [
        "Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday."
    ]
    assert not any("until April" in b for b in refused), refused
    # With no description to stand in, the sentence after the refused one may still be a bullet.
    [bare] = extractive.summarize([REFUSED_BETWEEN], [title])
    assert any("until April" in b for b in bare), bare

    # What stops the lead is a sentence that gives no bullet; one that gives a bullet the
    # selection may leave out (colour, a repeat) stops nothing. The description stays.
    def candidate(position: int) -> Candidate:
        return Candidate(position, f"s{position}", False, frozenset(), False, False)

    description, first, second, fourth = (candidate(p) for p in (-1, 0, 1, 3))
    everything = [description, first, second, fourth]
    assert _up_to_a_refusal(everything, [0, 1, 3]) == everything
    assert _up_to_a_refusal(everything, [0, 1, 2, 3]) == [description, first, second]
    assert _up_to_a_refusal([description, second, fourth], [0, 1, 3]) == [description]


def test_the_publishers_description_alone_is_shown_as_theirs_not_as_a_bullet(extractive) -> None:  # type: ignore[no-untyped-def]
    # A deck is written to be read under its headline: it is no bullet of ours (the email shows
    # it as the publisher's), whether or not the article gives bullets of its own.
    title = "Harbour Ferries cancels every winter sailing to Skerrow Island"
    described = Context("Harbour Ferries blamed a shortage of trained crew for the decision.")
    refused_first = "I have taken that boat every winter since I was a child. " + FERRY_AND_CAROLS
    assert extractive.summarize([refused_first], [title], [described]) == [[]]
    [led] = extractive.summarize([REFUSED_BETWEEN], [title], [described])
    assert led == ["Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday."]


def test_a_reviews_bullet_keeps_the_capital_of_a_name_the_parse_took_for_a_word() -> None:
    def candidate(text: str) -> Candidate:
        return Candidate(0, text, False, frozenset(), False, False)

    review = Context(author="Ines Darrow", kind="review")
    text = (
        "Orion's new laptop gets almost everything right. The screen is the best we have seen. "
        "There's a moment when the fan wakes up."
    )
    shown = _attributed(
        [
            candidate("Orion's new laptop gets almost everything right."),
            candidate("The screen is the best we have seen."),
            candidate("There's a moment when the fan wakes up."),
            candidate("Few laptops are this quiet."),
            candidate("Twelve fans stand at a long bench."),
            candidate("Closing the fan room would turn fans away."),
            candidate("Regional ferries have cut their timetables."),
            candidate("Natural England has closed the island."),
            candidate("British ferries have cut their timetables."),
            candidate("Less than 4 per cent of it is online, writes historian Dr Ines Darrow."),
            candidate("Less than 4 per cent of it is online, writes historian Dr Tom Keel."),
            candidate("Ferry fares should be frozen, argues a retired teacher from Skerrow."),
            candidate("There's a moment, says the board, when the fan wakes up."),
        ],
        review,
        text,
    )
    assert shown == [
        "Ines Darrow writes that Orion's new laptop gets almost everything right.",
        "Ines Darrow writes that the screen is the best we have seen.",
        "Ines Darrow writes that there's a moment when the fan wakes up.",
        "Ines Darrow writes that few laptops are this quiet.",  # a closed-class word
        "Ines Darrow writes that twelve fans stand at a long bench.",  # so is a number's
        "Ines Darrow writes that closing the fan room would turn fans away.",  # and a gerund
        # an adjective of a common noun ("Regional ferries") is one wherever it stands ...
        "Ines Darrow writes that regional ferries have cut their timetables.",
        # ... not a name's first word, nor a people's
        "Ines Darrow writes that Natural England has closed the island.",
        "Ines Darrow writes that British ferries have cut their timetables.",
        # a deck that closes on who says it needs no second attribution, whoever it names
        "Less than 4 per cent of it is online, writes historian Dr Ines Darrow.",
        "Less than 4 per cent of it is online, writes historian Dr Tom Keel.",
        "Ferry fares should be frozen, argues a retired teacher from Skerrow.",
        # ... a verb of saying inside the claim is no closing attribution
        "Ines Darrow writes that there's a moment, says the board, when the fan wakes up.",
    ]


CAROLS_ALONE = (
    "A brass band played carols outside the village church on Sunday evening. "
    "I was there with my family. We sang along until it was dark."
)


def test_a_lone_bullet_must_be_about_the_headline(extractive) -> None:  # type: ignore[no-untyped-def]
    # The only sentence that may be a bullet is colour under a headline about the ferries: no
    # "In Short" at all (the email shows the publisher's description), rather than that one.
    ferries = "Harbour Ferries cancels every winter sailing to Skerrow Island"
    assert extractive.summarize([CAROLS_ALONE], [ferries]) == [[]]
    [told] = extractive.summarize([CAROLS_ALONE], ["Brass band plays carols at the village church"])
    assert told == ["A brass band played carols outside the village church on Sunday evening."]
    # Two or more bullets may all be loosely about a vague headline (0.26 and 0.44 here)
    [island] = extractive.summarize([FERRY_AND_CAROLS], ["Island life"])
    assert len(island) == 2 and not any("carols" in b for b in island), island


SCENE_THEN_FIRST_PERSON = (
    "By six in the morning, Morag Tait has already fed the hens and lit the stove in her cottage "
    "on Skerrow Island. I have known her for twenty years. We drank tea while the wind rattled "
    "the windows."
)


def test_a_lone_bullet_is_judged_alone_when_the_description_kept_it_company(extractive) -> None:  # type: ignore[no-untyped-def]
    # The description may win a place beside a scene (cosine 0.28 to the headline), but it is
    # shown as the publisher's, not as a bullet: the scene is then the lone bullet it is, and
    # goes, as it does with no description.
    title = "Harbour Ferries cancels every winter sailing to Skerrow Island"
    described = Context(
        "Islanders must now wait until April for a boat to the mainland, after the company ran "
        "short of trained crew."
    )
    assert extractive.summarize([SCENE_THEN_FIRST_PERSON], [title], [described]) == [[]]
    assert extractive.summarize([SCENE_THEN_FIRST_PERSON], [title]) == [[]]
    # A lone bullet about what the headline says stays beside the same description.
    news = SCENE_THEN_FIRST_PERSON.replace(
        "By six in the morning, Morag Tait has already fed the hens and lit the stove in her "
        "cottage on Skerrow Island.",
        "Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday.",
    )
    assert extractive.summarize([news], [title], [described]) == [
        ["Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday."]
    ]


CREDITED = (
    "Harbour Ferries cancelled every winter sailing to Skerrow Island on Monday. "
    "Ines Darrow spent a week on the island as the last boats left for the mainland. "
    "Islanders will now have to wait until April for a boat to the mainland."
)


def test_the_line_that_credits_the_pieces_reporter_is_no_bullet(extractive) -> None:  # type: ignore[no-untyped-def]
    # The byline's person as the subject is the deck's credit line: who went to report it.
    title = "A winter without ferries: Skerrow Island waits for spring"
    credit = "Ines Darrow spent a week on the island as the last boats left for the mainland."
    for byline in ("Ines Darrow", "By INES DARROW | Islands Correspondent"):
        [bullets] = extractive.summarize([CREDITED], [title], [Context(author=byline)])
        assert len(bullets) == 2 and credit not in bullets, bullets
    # It is no refused lead sentence either: what follows it may still be a bullet where the
    # publisher's description stands in for what a refusal cuts.
    described = Context("Harbour Ferries blamed a shortage of crew.", "Ines Darrow")
    [after] = extractive.summarize([CREDITED], [title], [described])
    assert any("until April" in b for b in after), after
    # Anyone else by that name is news: another byline, a desk's or none.
    for byline in ("Tom Keel", "Skerrow Courier staff", ""):
        [bullets] = extractive.summarize([CREDITED], [title], [Context(author=byline)])
        assert credit in bullets, (byline, bullets)


SET_UP_AND_TURN = (
    "Skerrow Island Council will save two million pounds a year by cutting the winter ferries. "
    "But cutting the ferries will cost Skerrow's shops and schools far more than the council "
    "saves. Harbour Ferries has sold two of its four boats to a Norwegian operator."
)


def test_what_a_column_sets_up_to_knock_down_is_not_its_writers_view(extractive) -> None:  # type: ignore[no-untyped-def]
    title = "Cutting the winter ferries will cost Skerrow more than it saves"
    saving = "Skerrow Island Council will save two million pounds a year"
    turn = "cutting the ferries will cost Skerrow's shops and schools far more"
    column = Context(author="Jane Okoro", kind="opinion")
    [bullets] = extractive.summarize([SET_UP_AND_TURN], [title], [column])
    assert not any(saving in b for b in bullets), bullets
    assert any(b.startswith(f"Jane Okoro writes that {turn}") for b in bullets), bullets
    # Where the next sentence does not turn against it, it is the writer's own claim ...
    plain = SET_UP_AND_TURN.replace("But cutting", "Cutting")
    [kept] = extractive.summarize([plain], [title], [column])
    assert any(saving in b for b in kept), kept
    # ... in a news story a fact the next sentence qualifies is still a fact ...
    [news] = extractive.summarize([SET_UP_AND_TURN], [title], [Context(kind="news")])
    assert any(b.startswith(saving) for b in news), news
    # ... and a review's "but" weighs a merit against a fault: both are its verdict.
    review = Context(author="Jane Okoro", kind="review")
    [weighed] = extractive.summarize([SET_UP_AND_TURN], [title], [review])
    assert any(saving in b for b in weighed), weighed


def test_a_surname_alone_is_named_in_full_from_the_publishers_description(extractive) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Darrow said the Skerrow pier would reopen in May after two winters of repairs.\n\n"
        "The harbour board has spent four million pounds on the new concrete piles."
    )
    described = Context(description="Harbour engineer Ines Darrow has inspected the pier.")
    # the description competes as a bullet: the name reaches it too ("Darrow has inspected ...")
    [found] = extractive._candidates([text], ["Skerrow pier"], [described])
    shown = [c.text for c in found]
    assert (
        "Ines Darrow said the Skerrow pier would reopen in May after two winters of repairs."
        in (shown)
    )
    # and to the description's own first sentence, from its second
    two = Context(
        description="Darrow says the board overspent by a million pounds. Ines Darrow is engineer."
    )
    [found] = extractive._candidates([text], ["Skerrow pier"], [two])
    assert [c.text for c in found if c.position == -1] == [
        "Ines Darrow says the board overspent by a million pounds."
    ]
    [bare] = extractive._candidates([text], ["Skerrow pier"], [Context()])
    assert "Darrow said the Skerrow pier would reopen in May after two winters of repairs." in (
        [c.text for c in bare]
    )


def test_a_pronoun_that_means_a_surname_is_shown_as_the_full_name(extractive) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Harbour engineer Ines Darrow inspected the Skerrow pier on Monday.\n\n"
        "Darrow said the pier would reopen in May after two winters of repairs.\n\n"
        "She added that the board had spent four million pounds on new concrete piles."
    )
    added = "added that the board had spent four million pounds on new concrete piles."
    [found] = extractive._candidates([text], ["Skerrow pier"], [Context()])
    assert f"Ines Darrow {added}" in [c.text for c in found]
    # with no full name in the article, the surname is all there is to show
    [bare] = extractive._candidates([text.split("\n\n", 1)[1]], ["Skerrow pier"], [Context()])
    assert f"Darrow {added}" in [c.text for c in bare]


RUMOUR = (
    "Ines Darrow, the Skerrow harbour master, owns a fleet of twelve private yachts.\n\n"
    "The claim spread on social media last week, but records show Darrow owns no boat at all.\n\n"
    "The harbour board said the rumour began with a parody account that has since been removed."
)


def test_a_bullet_that_answers_a_yes_or_no_headline_goes(extractive) -> None:  # type: ignore[no-untyped-def]
    # A fact-check asks whether a claim is true and answers no: the claim as a bullet is false.
    for asked in (
        "Does Ines Darrow Own a Fleet of Twelve Private Yachts?",
        "Fact Check: Does Ines Darrow Own Twelve Private Yachts?",
    ):
        [found] = extractive._candidates([RUMOUR], [asked], [Context()])
        assert not any("twelve private yachts" in c.text for c in found), (asked, found)
    # a headline that states it, or asks what or why, leaves the same sentence a candidate
    for title in (
        "Ines Darrow owns no boat, records show",
        "Why did a rumour about Ines Darrow's yachts spread?",
        "Does Skerrow believe rumours about its harbour master?",  # asks something else
        "Who Owns a Fleet of Twelve Private Yachts on Skerrow?",  # no yes or no to give
        "Do Not Believe Ines Darrow Owns a Fleet of Twelve Private Yachts",  # no question
        "Was It Darrow?",  # too little asked to be restated
    ):
        [found] = extractive._candidates([RUMOUR], [title], [Context()])
        assert any("twelve private yachts" in c.text for c in found), (title, found)


CUP_TIE = (
    "Skerrow beat Port Ellen 3-0 in the first round of the island cup on Saturday.\n\n"
    "The win was the club's first over its neighbour since 2011, when a storm cut the match short."
)


def test_a_description_whose_numbers_the_article_does_not_give_is_no_bullet(extractive) -> None:  # type: ignore[no-untyped-def]
    for wrong in (
        "The island cup opened with a 2-0 win for Skerrow over its neighbour.",  # it was 3-0
        "Skerrow won the derby for the first time since 2009, ending a long wait.",  # no 2009
    ):
        [found] = extractive._candidates([CUP_TIE], ["Island cup"], [Context(description=wrong)])
        assert all(c.position != -1 for c in found), (wrong, found)
    for right in (
        "The island cup opened with a 3-0 win for Skerrow over its neighbour.",
        "Skerrow won the derby for the first time since 2011, ending a long wait.",
        "Skerrow opened the island cup with a comfortable home win over Port Ellen.",  # no number
    ):
        [found] = extractive._candidates([CUP_TIE], ["Island cup"], [Context(description=right)])
        assert [c.text for c in found if c.position == -1] == [right], (right, found)


def test_a_quoted_term_the_article_never_says_is_not_given() -> None:
    article = (
        "Skerrow Ferries said it had found unauthorised activity on its booking system. "
        "The harbour master called the delays 'a disgrace to the island', and the crew's union "
        "agreed."
    )
    # single quotation marks are quotation marks; a short quoted term must be the article's words
    assert not quotations_given("The operator reported a 'cyber incident' on Monday.", article)
    assert quotations_given("The operator found 'unauthorised activity' on Monday.", article)
    assert quotations_given("The delays were ‘a disgrace to the island’, she said.", article)
    assert not quotations_given(
        "The delays were 'a shame for the whole island', she said.", article
    )
    # an apostrophe is no quotation mark
    assert quotations_given("The crew's union backed the ferry workers' claim.", article)


def test_numbers_are_matched_as_written() -> None:
    from digest.summarize.bullets import numbers_given

    source = "The pier cost $1,400,000 and opened in 2019 after a 12-week delay."
    assert numbers_given("The pier cost $1400000.", source)  # thousands' commas aside
    assert numbers_given("The pier cost $1,400,000.", source)
    assert not numbers_given("Skerrow lost 0-3.", "Skerrow won 3-0.")  # a score, whole
    # small numbers and scores the article writes in words, in the same order
    assert numbers_given("The board voted 9-2 for the pier.", "It voted nine to two on Monday.")
    assert numbers_given("3 ferries sank.", "All three ferries sank in the storm.")
    assert not numbers_given("The board voted 2-9 for it.", "It voted nine to two on Monday.")
    # up to ninety-nine, and a half more
    assert numbers_given("After 37 years, a pier.", "Thirty-seven years is long enough to wait.")
    assert numbers_given("4.5 million pints.", "He left four and a half million pints.")
    assert not numbers_given("After 38 years, a pier.", "Thirty-seven years is long enough.")
    assert not numbers_given("4.5 million pints.", "He left four million pints and a half-pint.")
    assert not numbers_given("The last 15 minutes soar.", "The last minutes soar.")
    assert numbers_given("The pier opened in 2019 after a 12-week delay.", source)
    assert not numbers_given("The pier opened in 201 after a delay.", source)  # inside 2019
    assert not numbers_given("The pier opened after a 2-week delay.", source)  # inside 12-week
    assert not numbers_given("The pier cost $1.4 million.", source)


def test_a_round_bound_is_met_by_a_number_of_the_same_kind() -> None:
    from digest.summarize.bullets import numbers_given

    source = (
        "Tom Keel was fined a total of £10,550. Officers have identified 43 people who lost money "
        "to the Skerrow ferry scheme, and 4,127 Skerrow harbour moorings were checked. Just 58.3 "
        "per cent of the 212 ferries sailed on time in the 107 days of the 42-minute crossing."
    )
    met = [
        "Tom Keel was ordered to pay more than £10,000.",
        "More than 40 people lost money to the scheme.",
        "More than 4,000 harbour moorings were checked.",  # the word after may differ
        "Almost 60% of the ferries sailed on time.",  # "per cent" is "%"
        "About 200 ferries sailed.",
        "Close to 45 people lost money to the scheme.",  # close to: either side, as "about"
        "Approximately 4,100 harbour moorings were checked.",
    ]
    for description in met:
        assert numbers_given(description, source), description
    unmet = [
        "Tom Keel was ordered to pay more than £11,000.",  # the bound is not met
        "More than 40 minutes were lost.",  # 43 people, 42-minute: no number of minutes near it
        "Nearly 320 ferries sailed.",  # 212 and 107 make 319 between them, but neither alone
        "Close to 50 people lost money to the scheme.",  # 43 is not close to 50
        "Approximately 5,000 harbour moorings were checked.",
        "Tom Keel was fined 10,000.",  # without a bound, a number must be the article's own
    ]
    for description in unmet:
        assert not numbers_given(description, source), description


def test_an_opinion_bullet_that_leans_on_it_keeps_it_in_lower_case(extractive) -> None:  # type: ignore[no-untyped-def]
    # "It" left as it is (it leans on the bullet before) is no name: "writes that it is ..."
    column = (
        "Skerrow Ferries will cut two of its winter sailings to the outer islands from next month. "
        "It is the third cut to the island timetable in five years. "
        "The harbour board should publish the full costs of the new landing stage before it "
        "spends any more. "
        "Island families will now wait six hours longer for a boat in the darkest months of the "
        "year."
    )
    [shown] = extractive.summarize(
        [column], ["Winter ferries"], [Context(author="Ines Darrow", kind="opinion")]
    )
    assert "Ines Darrow writes that it is the third cut to the island timetable in five years." in (
        shown
    ), shown
    # a name keeps its capital
    assert any(b.startswith("Ines Darrow writes that Skerrow Ferries") for b in shown), shown


def test_a_drop_cap_little_word_goes_to_sentence_case_but_a_shouted_name_stays() -> None:
    from digest.summarize.bullets import usable

    def shown(text: str) -> str:
        return usable(marked_sentences(text)[0])

    assert shown("THE first ferry has sailed from the new Skerrow pier.") == (
        "The first ferry has sailed from the new Skerrow pier."
    )
    assert shown("AT least four ferries sailed from the new Skerrow pier.") == (
        "At least four ferries sailed from the new Skerrow pier."
    )
    # a name, an acronym or a tabloid's shouted noun is as the site wrote it
    for kept in (
        "NASA scientists watched the ferry sail from the new Skerrow pier.",
        "US officials watched the ferry sail from the new Skerrow pier.",
        "IT staff watched the ferry sail from the new Skerrow pier.",
        "A SKIPPER who sank a ferry off the Skerrow pier was fined on Monday.",
    ):
        assert shown(kept) == kept
