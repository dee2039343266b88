"""Article extraction on pages we wrote ourselves, wrapped in the boilerplate real sites carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.extract import Extracted, extract

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
