"""Article extraction on pages we wrote ourselves, wrapped in the boilerplate real sites carry."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import HtmlElement

from digest.extract import Extracted, extract
from digest.extract.boilerplate import clean_paragraphs, word_key
from digest.extract.furniture import (
    PageSigns,
    cut_at_end_marker,
    drop_furniture_lines,
    is_bracketed_furniture,
    is_byline,
    is_contact_line,
    is_date_line,
)
from digest.extract.metadata import clean_author, strip_kicker
from digest.extract.page import parse_page

PAGES = Path(__file__).parent / "data" / "pages"


def read_page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.fixture(scope="module")
def ferry() -> Extracted:
    return extract(read_page("harbour_ferry.html"), "https://ledger.example/news/harbour-ferry?x=1")


@pytest.fixture(scope="module")
def council() -> Extracted:
    return extract(read_page("council_budget.html"), "https://valley.example/news/library-budget")


FERRY_PARAGRAPHS = [
    "The Gullwing, the squat blue ferry that has linked the old harbour with Tern Island",
    "Engineers replaced the vessel's diesel engine with a hybrid unit",
    "Islanders have relied on a chartered catamaran since the Gullwing left service.",
    "The refit ran late after surveyors found corrosion in the hull plating",
    "Timetables published on Friday show eleven return crossings on weekdays",
]

FERRY_BOILERPLATE = [
    "We use cookies",
    "Accept all cookies",
    "Home",
    "Weather",
    "Share on Facebook",
    "Share this",
    "Click to share on WhatsApp",
    "Related articles",
    "Pier lights switched off",
    "morning newsletter",
    "in your inbox",
    "Leave a Reply",
    "Please enter your",
    "incorrect email address",
    "Save my name",
    "Follow us on",
    "All rights reserved",
    "Exit mobile version",
]


@pytest.mark.parametrize("paragraph", FERRY_PARAGRAPHS)
def test_article_paragraphs_are_kept(ferry: Extracted, paragraph: str) -> None:
    assert paragraph in ferry.text


def test_one_paragraph_per_line(ferry: Extracted) -> None:
    lines = ferry.text.split("\n")
    assert len(lines) == len(FERRY_PARAGRAPHS)
    for line, start in zip(lines, FERRY_PARAGRAPHS, strict=True):
        assert line.startswith(start)
    # the quote spanning a line break in the source is one paragraph with single spaces
    assert '"It was quicker, but you could not take a bicycle' in ferry.text


@pytest.mark.parametrize("boilerplate", FERRY_BOILERPLATE)
def test_boilerplate_is_dropped(ferry: Extracted, boilerplate: str) -> None:
    assert boilerplate.lower() not in ferry.text.lower()


def test_metadata_comes_from_the_page(ferry: Extracted) -> None:
    assert ferry.title == "Harbour ferry returns after two-year refit"
    assert ferry.author == "Maren Okafor"
    assert ferry.published == "2026-03-14T08:30:00+00:00"
    assert ferry.language == "en"
    assert ferry.canonical_url == "https://ledger.example/news/harbour-ferry-returns"
    assert ferry.image == "https://ledger.example/media/ferry-lead.jpg"


def test_key_points_box_becomes_the_publisher_summary(ferry: Extracted) -> None:
    assert ferry.publisher_summary == (
        "The Gullwing ferry resumes crossings to Tern Island on Monday.",
        "A new hybrid engine cuts fuel use by about a third.",
        "Fares stay at last year's prices until the autumn.",
    )
    assert "Key points" not in ferry.text
    assert "resumes crossings" not in ferry.text


def test_title_is_not_repeated_in_the_text(ferry: Extracted, council: Extracted) -> None:
    assert ferry.title not in ferry.text
    assert council.title not in council.text


# the second page has no helpful class names: boilerplate sits in plain <p> inside the article
COUNCIL_BOILERPLATE = [
    "Read more: Council floats branch closures",
    "Share this article",
    "Leave a Reply",
    "Please enter your name here",
    "You have entered an incorrect email address",
    "Exit mobile version",
    "In Short",
]


@pytest.mark.parametrize("boilerplate", COUNCIL_BOILERPLATE)
def test_boilerplate_in_plain_paragraphs_is_dropped(council: Extracted, boilerplate: str) -> None:
    assert boilerplate not in council.text


def test_plain_paragraphs_of_the_article_are_kept(council: Extracted) -> None:
    lines = council.text.split("\n")
    assert len(lines) == 4
    assert lines[0].startswith("After almost five hours of debate")
    assert "We are borrowing from next winter's leaking roofs" in lines[1]
    assert lines[2].endswith("from the start of the new term.")


def test_in_short_label_with_list_becomes_the_publisher_summary(council: Extracted) -> None:
    assert council.publisher_summary == (
        "Councillors approved the library budget by nine votes to six.",
        "Opening hours on Saturdays will be extended from September.",
    )
    assert "nine votes to six" not in council.text


def test_declared_windows_1252_charset_is_honoured(council: Extracted) -> None:
    assert "The café in the main branch" in council.text


def test_json_ld_metadata(council: Extracted) -> None:
    assert council.title == "Council backs library budget after late-night vote"
    assert council.author == "Tomasz Lindqvist"
    assert council.published == "2026-02-03"
    assert council.language == "en"
    assert council.image == "https://valley.example/img/library.jpg"
    assert council.canonical_url is None


def test_str_and_bytes_give_the_same_result() -> None:
    raw = read_page("harbour_ferry.html")
    assert extract(raw.decode("utf-8")) == extract(raw)


def test_bytes_in_a_declared_charset_are_decoded() -> None:
    body = "<p>" + "Der Bürgermeister eröffnete die neue Brücke über die Förde. " * 8 + "</p>"
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Brücke</title></head>'
        f"<body><article>{body}</article></body></html>"
    )
    result = extract(page.encode("iso-8859-1"))
    assert "Der Bürgermeister eröffnete die neue Brücke" in result.text
    assert result.title == "Brücke"


def test_utf8_byte_order_mark_wins_over_a_wrong_declaration() -> None:
    body = "<p>" + "Les élèves ont visité la forêt près du château. " * 8 + "</p>"
    page = f'<html><head><meta charset="ascii"></head><body><article>{body}</article></body></html>'
    result = extract(b"\xef\xbb\xbf" + page.encode("utf-8"))
    assert "Les élèves ont visité la forêt" in result.text


@pytest.mark.parametrize(
    "page",
    [
        "",
        b"",
        "   \n  ",
        "just some words, not a page",
        b"\x00\x01\x02\xff\xfe\x00garbage",
        "<html><body></body></html>",
        "<html><head><title>Only a title</title></head></html>",
        "<<<>>><p>unclosed <div><span>",
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
        '{"json": "not html"}',
        "<html><body>" + "<div>" * 3000 + "deep" + "</div>" * 3000 + "</body></html>",
        '<html><head><script type="application/ld+json">{broken json</script></head></html>',
        '<html><head><meta charset="no-such-charset"></head><body><p>x</p></body></html>',
    ],
)
def test_malformed_or_empty_input_does_not_raise(page: str | bytes) -> None:
    result = extract(page)
    assert isinstance(result, Extracted)
    assert isinstance(result.text, str)


def test_page_without_article_text_gives_empty_text() -> None:
    page = (
        "<html><head><title>Shop</title></head><body><nav><a href='/'>Home</a>"
        "<a href='/cart'>Cart</a></nav><footer>All rights reserved.</footer></body></html>"
    )
    result = extract(page)
    assert result.text == ""
    assert result.title == "Shop"
    assert result.publisher_summary == ()


@pytest.fixture(scope="module")
def orchard() -> Extracted:
    return extract(read_page("split_body.html"), "https://valley.example/orchards")


def test_article_body_split_between_ads_is_kept_whole(orchard: Extracted) -> None:
    lines = orchard.text.split("\n")
    assert len(lines) == 5
    assert lines[0].startswith("Apple growers in the river valley")
    assert lines[2].startswith("Not everyone is convinced.")
    assert lines[4].startswith("Labour inspectors will visit")


def test_link_only_paragraph_and_closing_call_out_are_dropped(orchard: Extracted) -> None:
    assert "Heat record broken" not in orchard.text
    assert "Follow Jana Weiss" not in orchard.text
    assert "Advertisement" not in orchard.text
    assert "Most read" not in orchard.text
    assert "Bridge closure" not in orchard.text


def test_meta_date_and_language(orchard: Extracted) -> None:
    assert orchard.title == "Orchard growers try night picking in the heat"
    assert orchard.published == "2026-07-22"
    assert orchard.language == "de"
    assert orchard.author is None
    assert orchard.publisher_summary == ()


def test_short_page_without_sentences_is_not_an_article() -> None:
    page = "<html><body><div><p>Archive</p><p>(113)</p><p>March</p><p>(98)</p></div></body></html>"
    assert extract(page).text == ""


def test_summary_box_named_by_its_class_without_a_label() -> None:
    prose = "<p>" + "The tram depot will close for a fortnight while the tracks are relaid. " * 6
    page = (
        "<html><body><article><h1>Tram depot closes</h1>"
        '<div class="story-highlights"><ul><li>The depot closes for two weeks.</li>'
        "<li>Buses replace the number four tram.</li></ul></div>"
        f"{prose}</p>{prose}</p></article></body></html>"
    )
    result = extract(page)
    assert result.publisher_summary == (
        "The depot closes for two weeks.",
        "Buses replace the number four tram.",
    )
    assert "Buses replace" not in result.text
    assert "The tram depot will close" in result.text


def test_a_list_of_links_is_not_a_summary() -> None:
    prose = "<p>" + "Volunteers counted the swifts nesting under the church roof again. " * 6
    page = (
        f"<html><body><article>{prose}</p><h3>Highlights</h3><ul>"
        '<li><a href="/x">Swift numbers up on last year</a></li>'
        '<li><a href="/y">How to build a nest box</a></li></ul></article></body></html>'
    )
    assert extract(page).publisher_summary == ()


def test_leftovers_inside_the_article_container_are_dropped() -> None:
    prose = [
        "The river authority opened the new fish ladder at the weir on Thursday morning.",
        "Salmon have been unable to pass the weir since it was raised in the nineteen-sixties.",
        "Biologists will count the fish that use the ladder with an underwater camera.",
        "The first results are expected before the end of the autumn spawning run.",
    ]
    paragraphs = "".join(f"<p>{' '.join([p] * 3)}</p>" for p in prose)
    teasers = "".join(
        f'<li><a href="/story/{n}">{title}</a> {dek}</li>'
        for n, (title, dek) in enumerate(
            [
                ("Weir cafe reopens under new owners", "The terrace seats forty."),
                ("Anglers protest new licence fees", "The fee rises in April."),
                ("Flood wall survey finds cracks", "Repairs start next year."),
            ]
        )
    )
    archive = "".join(
        f"<p>{month}</p><p>({n})</p>"
        for n, month in enumerate(
            ["March", "April", "May", "June", "July", "August", "September", "October"]
        )
    )
    page = (
        "<html><body><article><h1>Fish ladder opens at the weir</h1>"
        f"{paragraphs}<ul>{teasers}</ul>{archive}"
        "<p>https://river.example/news/fish-ladder</p>"
        "<p>Copyright 2026 River Gazette</p>"
        '<p>[button link="/tips"]Send us your tips[/button]</p>'
        "</article></body></html>"
    )
    result = extract(page, "https://river.example/news/fish-ladder")
    assert result.text.split("\n") == [" ".join([p] * 3) for p in prose]


# page furniture, kicker, end marker, byline and kind: one page with telling class names, one
# built of bare <div>s where only shape and position are left to go by


@pytest.fixture(scope="module")
def column() -> Extracted:
    url = "https://courier.example/opinion/2026/oct/04/night-buses"
    return extract(read_page("opinion_column.html"), url)


@pytest.fixture(scope="module")
def release() -> Extracted:
    return extract(
        read_page("bare_divs_release.html"), "https://fenland.example/news/marsh-reopens"
    )


COLUMN_FURNITURE = [
    "Black Friday",
    "Claim offer",
    "By Idris Halvorsen",
    "transport columnist",
    "Updated",
    "07:00",
    "Photograph: Lena Strom",
    "Night economy",
    "He drove a night bus",
    "morning briefing",
    "We use cookies",
    "Opinion",
]


@pytest.mark.parametrize("furniture", COLUMN_FURNITURE)
def test_marked_furniture_stays_out_of_the_text(column: Extracted, furniture: str) -> None:
    assert furniture not in column.text


def test_prose_that_looks_like_furniture_is_kept(column: Extracted) -> None:
    lines = column.text.split("\n")
    assert len(lines) == 5
    # mentions subscribing, but inside the news
    assert "Residents can subscribe to the council's text alerts" in lines[2]
    # opens with a date, but is a sentence of the article
    assert lines[3].startswith("12 October, the date set for the consultation to close")


def test_opinion_page_kind_byline_and_description(column: Extracted) -> None:
    assert column.kind == "opinion"
    assert column.author == "Idris Halvorsen"
    assert column.description == (
        "Cutting the night routes saves little and strands the people who keep the town "
        "running, argues Idris Halvorsen."
    )
    assert column.title == "The town should keep its night buses"


BARE_FURNITURE = [
    "Black Friday",
    "Claim offer",
    "Nature",
    "BREAKING",
    "By Corrie Ashdown",
    "Posted on",
    "Picture: Fenland Wildlife Trust",
    "Sign up for our weekly nature newsletter",
    "Continue reading",
    "ENDS",
    "About Fenland Wildlife Trust",
    "Marshes",
]


@pytest.mark.parametrize("furniture", BARE_FURNITURE)
def test_furniture_of_a_bare_div_page_stays_out(release: Extracted, furniture: str) -> None:
    assert furniture not in release.text


def test_bare_div_page_keeps_its_article(release: Extracted) -> None:
    lines = release.text.split("\n")
    assert lines[0].startswith("The Heronsgate marsh reserve will reopen")
    assert lines[1].startswith("14 March 2025 was the night the sea came through.")
    # a subheading inside the article and a bracketed sentence without a link are the article's
    assert "What visitors will find" in lines
    assert (
        "(The trust did not say how many breeding pairs of avocets returned this spring.)" in lines
    )
    # the end marker ended the article: its last line is the last one before the marker
    assert lines[-1].startswith("Entry remains free for members.")
    assert len(lines) == 8


def test_kicker_is_not_glued_to_the_title(release: Extracted) -> None:
    assert release.title == "Marsh reserve reopens after flood repairs"
    assert release.author == "Corrie Ashdown"
    assert release.kind == "news"
    assert release.description.startswith("The Heronsgate marsh reserve reopens on Saturday")


@pytest.mark.parametrize(
    ("line", "is_date"),
    [
        ("Posted on 14 March 2026, 09:15", True),
        ("Updated: Tue., Nov. 19, 2019", True),
        ("2026-03-14 09:15", True),
        ("Published 3 hours ago", True),
        ("14 March 2025 was the night the sea came through.", False),
        ("The vote is on March 3.", False),
        ("- 2019: fourteen deaths", False),
        ("Polling stations open at 7am and close at 10pm on Thursday across the county.", False),
    ],
)
def test_date_lines(line: str, is_date: bool) -> None:
    assert is_date_line(line) is is_date


@pytest.mark.parametrize(
    ("line", "links", "is_furniture"),
    [
        ("[Sign up for the weekly nature newsletter here]", {"here"}, True),
        ("[Read more: Ferry fares rise again]", {"ferry fares rise again"}, True),
        ("(Reporting by Jane Doe; editing by Omar Reyes)", set(), True),
        ("[Sign up for the weekly nature newsletter", set(), True),
        ("(The company did not respond to a request for comment.)", set(), False),
        (
            "(We never settled on a name, unlike the town council, which has dozens of them.)",
            {"them"},
            False,
        ),
        ("[The ministry later corrected its figures.]", {"ministry"}, False),
    ],
)
def test_bracketed_lines(line: str, links: set[str], is_furniture: bool) -> None:
    assert is_bracketed_furniture(line, frozenset(links)) is is_furniture


@pytest.mark.parametrize(
    ("line", "author", "byline"),
    [
        ("By Jane Doe", "", True),
        ("By Jane Doe and Omar Reyes, Staff writers", "", True),
        ("Jane Doe | Energy editor | 5 min read", "jane doe", True),
        ("By Tuesday the river had risen.", "", False),
        (
            "By the end of the season, Jane Doe had scored eleven goals for the club.",
            "jane doe",
            False,
        ),
    ],
)
def test_bylines(line: str, author: str, byline: bool) -> None:
    assert is_byline(line, author) is byline


PROSE = [
    "The harbour board approved the new ferry timetable at its meeting on Tuesday evening.",
    "Crossings will run every forty minutes from the first week of May until October.",
]


@pytest.mark.parametrize("marker", ["— ENDS —", "-ENDS-", "###", "# # #", "-30-", "END"])
def test_end_marker_ends_the_article(marker: str) -> None:
    after = "About the harbour board: it runs four piers. Subscribe to its newsletter today."
    assert cut_at_end_marker([*PROSE, marker, after]) == PROSE
    paragraphs = "".join(f"<p>{p}</p>" for p in [*PROSE * 2, marker, after])
    page = f"<html><body><article>{paragraphs}</article></body></html>"
    assert extract(page).text.split("\n") == PROSE * 2


def test_end_marker_needs_prose_before_it_and_a_line_of_its_own() -> None:
    assert cut_at_end_marker(["###", *PROSE]) == ["###", *PROSE]
    sentence = "The season ENDS tonight with the final at the harbour stadium."
    assert cut_at_end_marker([*PROSE, sentence, *PROSE]) == [*PROSE, sentence, *PROSE]
    # a bare number is a table cell or a score, not the "-30-" convention
    assert cut_at_end_marker([*PROSE, "30", *PROSE]) == [*PROSE, "30", *PROSE]


def test_author_bio_at_either_end_is_dropped_but_not_prose_naming_the_author() -> None:
    signs = PageSigns(author="jane doe")
    bio = "Jane Doe is the Courier's transport correspondent. She lives in Harlow."
    assert drop_furniture_lines([bio, *PROSE, bio], signs) == PROSE
    named = "Jane Doe, who covered the first crossings in 1998, rode the new boat this week."
    middle = [PROSE[0], named, *PROSE, PROSE[1]]
    assert drop_furniture_lines(middle, signs) == middle


def test_labels_at_either_end_are_dropped_but_not_lists_or_headings_inside() -> None:
    lines = ["World", *PROSE, "Timetable changes", PROSE[0], "Topics", "Harbour"]
    assert drop_furniture_lines(lines, PageSigns()) == [*PROSE, "Timetable changes", PROSE[0]]
    listed = ["What changes:", "- earlier first boat", "- later last boat", *PROSE, "- fares"]
    assert drop_furniture_lines(listed, PageSigns()) == listed


def test_text_before_the_headline_is_dropped_only_when_it_is_small() -> None:
    promo = "Black Friday: a year of the Courier for half price."
    article = PROSE * 3
    signs = PageSigns(before_headline=word_key(promo), page_text=" ".join([promo, *PROSE]))
    assert drop_furniture_lines([promo, *article], signs) == article
    # when most of the text comes from before the <h1>, that heading is not the article's top
    signs = PageSigns(
        before_headline=word_key(" ".join(PROSE)), page_text=word_key(" ".join(PROSE))
    )
    assert drop_furniture_lines(PROSE, signs) == PROSE


def _page(body: str, head: str = "") -> HtmlElement:
    tree = parse_page(f"<html><head>{head}</head><body>{body}</body></html>")
    assert tree is not None
    return tree


NASA_BODY = "<h1>NASA: rover finds ice under the crater rim</h1><p>NASA said the ice was old.</p>"


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("BREAKING: Marsh reserve reopens", "<h1>x</h1>", "Marsh reserve reopens"),
        ("LIVE | Storm updates from the coast", "<p>x</p>", "Storm updates from the coast"),
        (
            "Opinion | The town should keep its night buses",
            "",
            "The town should keep its night buses",
        ),
        (
            "Exclusive Ministers knew of the leak",
            "<h1><span>Exclusive</span> Ministers knew of the leak</h1>",
            "Ministers knew of the leak",
        ),
        (
            "NASA: rover finds ice under the crater rim",
            NASA_BODY,
            "NASA: rover finds ice under the crater rim",
        ),
        ("UK: inflation falls to two per cent", "", "UK: inflation falls to two per cent"),
        ("Budget 2026: what it means for renters", "", "Budget 2026: what it means for renters"),
        ("BREAKING: Storm", "", "BREAKING: Storm"),
    ],
)
def test_kicker_is_stripped_from_the_title(title: str, body: str, expected: str) -> None:
    assert strip_kicker(title, _page(body)) == expected


LD = '<script type="application/ld+json">{{"@type": "{0}", "headline": "Bus cuts"}}</script>'


@pytest.mark.parametrize(
    ("head", "body", "url", "kind"),
    [
        (LD.format("OpinionNewsArticle"), "", "https://x.example/news/bus-cuts", "opinion"),
        (LD.format("Review"), "", None, "review"),
        (LD.format("NewsArticle"), "", "https://x.example/comment/2026/bus-cuts", "opinion"),
        (LD.format("NewsArticle"), "", "https://x.example/2026/bus-cuts", "news"),
        (LD.format("BlogPosting"), "", None, "blog"),
        # an analysis is the writer's reading of the news: its claims are theirs
        ('<meta property="article:section" content="Analysis">', "", None, "opinion"),
        ("", '<div class="kicker">Analysis</div><h1>Bus cuts</h1>', None, "opinion"),
        (LD.format("AnalysisNewsArticle"), "", None, "opinion"),
        ("", "<h1><span>Review</span> The new bus station</h1>", None, "review"),
        ("", "", "https://x.example/reviews/bus-station", "review"),
        ("", "", "https://x.example/opinion-pieces/2026/bus-cuts", "opinion"),
        ("", "<p>Bus cuts</p>", None, "other"),
        # a menu link named "Opinion" says nothing about this page; nor does a slug
        ("", '<nav><a href="/opinion">Opinion</a></nav><h1>Bus cuts</h1>', None, "other"),
        ("", "", "https://x.example/2026/my-review-of-the-year", "other"),
        ("", "", "https://x.example/news/flood-gate-review/", "news"),  # a slug ending in "/"
        ("", "", "https://x.example/reviews/bus-station/", "review"),
    ],
)
def test_page_kind(head: str, body: str, url: str | None, kind: str) -> None:
    assert extract(f"<html><head>{head}</head><body>{body}</body></html>", url).kind == kind


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("By Jane Doe | Staff writer", "Jane Doe"),
        ("Jane Doe is a reporter at the Courier", "Jane Doe"),
        ("Jane Doe, a reporter at the Courier", "Jane Doe"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Jane Doe and Omar Reyes", "Jane Doe and Omar Reyes"),
        ("Jane Doe, Omar Reyes", "Jane Doe, Omar Reyes"),
        ("By Jane Doe (@janedoe)", "Jane Doe"),
        ("https://social.example/janedoe", None),
        ("jane@courier.example", None),
        # an unsigned leader says whose view it is
        ("By the Skerrow Courier editorial board", "Skerrow Courier editorial board"),
        ("The Editors", "Editors"),
        ("By the sea wall and the harbour", None),
    ],
)
def test_author_is_the_name_only(value: str, name: str | None) -> None:
    assert clean_author(value) == name


ARTICLE = "".join(f"<p>{p}</p>" for p in PROSE * 2)


def test_furniture_classes_do_not_remove_the_article_they_name() -> None:
    # WordPress tags the article itself with "category-x" and "tag-y"
    page = f'<html><body><article class="post category-opinion tag-ferries">{ARTICLE}</article></body></html>'
    assert extract(page).text.split("\n") == PROSE * 2


def test_inline_author_and_time_inside_a_sentence_are_kept() -> None:
    sentence = (
        'Harbour master <span class="author">Jane Doe</span> said the first boat leaves on '
        '<time datetime="2026-05-04">4 May</time> at dawn, weather permitting, from pier two.'
    )
    page = f"<html><body><article>{ARTICLE}<p>{sentence}</p></article></body></html>"
    assert "Jane Doe said the first boat leaves on 4 May at dawn" in extract(page).text


def test_description_is_the_publishers_and_a_slogan_is_not_one() -> None:
    head = '<meta name="description" content="The harbour ferry returns after a two-year refit.">'
    assert extract(f"<html><head>{head}</head></html>").description == (
        "The harbour ferry returns after a two-year refit."
    )
    slogan = '<meta name="description" content="News, views and more">'
    assert extract(f"<html><head>{slogan}</head></html>").description == ""


def test_a_description_escaped_twice_is_read_as_text() -> None:
    twice = (
        '<meta property="og:description" content="Experts warn the island halls are too full '
        'to be safe.&amp;nbsp;">'
    )
    assert extract(f"<html><head>{twice}</head></html>").description == (
        "Experts warn the island halls are too full to be safe."
    )
    once = '<meta property="og:description" content="Fish &amp; chips return to the Skerrow pier.">'
    assert extract(f"<html><head>{once}</head></html>").description == (
        "Fish & chips return to the Skerrow pier."
    )


@pytest.mark.parametrize(
    ("line", "is_contact"),
    [
        ("jane.doe@courier.example", True),
        ("social.example/janedoe", True),
        ("Listen: https://podcasts.example/episode-12", True),
        ("@janedoe | jane.doe@courier.example", True),
        ("Residents can write to the council at help@council.example before Friday.", False),
        ("The ferry timetable is at www.harbour.example and on the pier.", False),
    ],
)
def test_contact_lines(line: str, is_contact: bool) -> None:
    assert is_contact_line(line) is is_contact


def test_caption_beside_an_image_goes_but_a_paragraph_with_an_icon_stays() -> None:
    caption = "Crews lifted the span into place at dawn. Picture: Harbour Board"
    icon = (
        '<p><img src="/icons/pin.png" width="12" height="12"> The pier reopens to walkers on '
        "Saturday, and the kiosk at its end will sell tickets for the first crossings.</p>"
    )
    page = (
        f"<html><body><article>{ARTICLE}"
        f'<div><div><img src="/span.jpg"></div><div>{caption}</div></div>'
        f"{icon}{ARTICLE}</article></body></html>"
    )
    text = extract(page).text
    assert "Picture: Harbour Board" not in text
    assert "The pier reopens to walkers on Saturday" in text


def test_headline_repeated_below_the_masthead_is_dropped_but_not_in_the_article() -> None:
    title = "Ferry timetable approved"
    lines = ["Harbour", "News", title, *PROSE, title, PROSE[0]]
    assert clean_paragraphs(lines, title) == ["Harbour", "News", *PROSE, title, PROSE[0]]
