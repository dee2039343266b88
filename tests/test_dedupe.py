"""Near-duplicate merging: the demo site's storm story, told by two outlets, is one story. The
demo's gathered database is an SQLite file, then the same rows in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from digest.config import Config
from digest.dedupe import group_duplicates, shared_embedder, story_text
from digest.pipeline import build_edition, edition_view
from digest.render import Renderer
from digest.store import open_store


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    return both_backends_url


class TableEmbedder:
    """Vectors looked up by the text's first word: a fake we own, for the grouping logic."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.table[text.split()[0]] for text in texts]


def test_the_storm_pair_is_one_story_listing_both_sources(demo_config: Config) -> None:
    store = open_store(demo_config)
    edition, view = build_edition(demo_config, store, Renderer())
    merged = [story for story in view.stories if len(story.sources) > 1]
    assert len(merged) == 1, [s.sources for s in view.stories]
    (storm,) = merged
    assert "storm" in storm.title.lower()
    assert set(storm.sources) == {"Harbour Herald", "Circuit Weekly"}
    assert {url.rsplit("/", 1)[-1] for url in storm.source_urls} == {
        "storm-cuts-power.html",
        "storm-wire-copy.html",
    }
    assert storm.rank == 0  # covered by two outlets: the top story
    assert view.story_count == 8  # nine articles, one pair merged
    assert edition.story_count == 8
    assert edition.html.lower().count("storm corvina") >= 1
    assert "Also reported by" in edition.html and "Also reported by:" in edition.text
    other = storm.source_urls[1]
    assert f'href="{other}"' in edition.html and other in edition.text
    store.close()


def test_different_stories_stay_apart(demo_config: Config) -> None:
    store = open_store(demo_config)
    edition, _ = build_edition(demo_config, store, Renderer())
    articles = store.edition_articles(edition.id)
    texts = [story_text(a.title, a.text) for a in articles]
    slugs = [a.url.rsplit("/", 1)[-1] for a in articles]
    threshold = demo_config.digest.duplicate_threshold
    bridge, flu = slugs.index("harbour-bridge.html"), slugs.index("flu-vaccine-pharmacies.html")
    assert group_duplicates([texts[bridge], texts[flu]], threshold) == [[0], [1]]
    # Every pair but the storm pair is far below the threshold; the storm pair far above it.
    vectors = shared_embedder().embed(texts)
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            cosine = sum(x * y for x, y in zip(vectors[i], vectors[j], strict=True))
            if slugs[i].startswith("storm-") and slugs[j].startswith("storm-"):
                assert cosine > threshold + 0.05, (slugs[i], slugs[j], cosine)
            else:
                assert cosine < threshold - 0.15, (slugs[i], slugs[j], cosine)
    store.close()


def test_threshold_zero_never_merges(demo_config: Config) -> None:
    config = replace(demo_config, digest=replace(demo_config.digest, duplicate_threshold=0.0))
    store = open_store(config)
    _, view = build_edition(config, store, Renderer())
    assert view.story_count == 9
    assert all(len(story.sources) == 1 for story in view.stories)
    store.close()


def test_groups_follow_their_leader_and_do_not_chain() -> None:
    # b is close to a, c is close to b but not to a: c must not join a's group through b.
    embedder = TableEmbedder({"a": [1.0, 0.0], "b": [0.8, 0.6], "c": [0.28, 0.96], "d": [1.0, 0.0]})
    assert group_duplicates(["a", "b", "c", "d"], 0.75, embedder) == [[0, 1, 3], [2]]
    assert group_duplicates(["a", "d"], 0.0, embedder) == [[0], [1]]
    assert group_duplicates(["a"], 0.75, embedder) == [[0]]


def test_the_view_is_rebuilt_the_same_way(demo_config: Config) -> None:
    store = open_store(demo_config)
    edition, shown = build_edition(demo_config, store, Renderer())
    again = edition_view(demo_config, store, edition)
    assert [s.title for s in again.stories] == [s.title for s in shown.stories]
    store.close()


class CountingEmbedder:
    """Embeds every text as the same vector (all stories merge) and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        return [[1.0, 0.0] for _ in texts]


def test_a_frozen_edition_keeps_its_groups_without_the_model(demo_config: Config) -> None:
    store = open_store(demo_config)
    edition, built = build_edition(demo_config, store, Renderer())
    store.freeze_edition(edition.id)
    frozen = store.get_edition_by_id(edition.id)
    assert len(frozen.story_groups) == built.story_count
    counting = CountingEmbedder()  # would merge everything if it were asked
    view = edition_view(demo_config, store, frozen, counting)
    assert counting.calls == 0
    assert [s.article_ids for s in view.stories] == [s.article_ids for s in built.stories]
    unfrozen = replace(frozen, frozen_at="")
    merged = edition_view(demo_config, store, unfrozen, counting)
    assert counting.calls == 1 and merged.story_count == 1
