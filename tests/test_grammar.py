"""The syntactic judge and shortener behind every bullet (spaCy's English pipeline, for real).

Each rule has a sentence where it must act and one where it must refuse. Every sentence here is
written for these tests.
"""

from __future__ import annotations

import pytest

from digest.summarize import grammar
from digest.summarize.bullets import (
    Candidate,
    article_names,
    candidate_of,
    candidates,
    select_bullets,
    strip_dateline,
    usable,
)
from digest.summarize.extractive import _standing
from digest.summarize.sentences import Sentence, marked_sentences


def judge(sentence: str) -> str | None:
    return grammar.judge(grammar.parse([sentence])[0]).reason


def shorten(sentence: str, max_words: int = 20, previous: tuple[str, ...] = ()) -> str | None:
    """The bullet one sentence gives (``previous``: the sentences before it, in article order)."""
    docs = grammar.parse([*previous, sentence])
    candidate = candidate_of(docs[-1], len(previous), max_words, reversed(docs[:-1]))
    return candidate.text if candidate else None


# ---- what may stand as a bullet


@pytest.mark.parametrize(
    "sentence",
    [
        "The harbour board approved a new ferry timetable for the winter months on Tuesday.",
        "Rain is expected across the northern valleys from Thursday afternoon.",
        "There were no injuries among the passengers or the crew of the stranded ferry.",
        "Jane Okoro, the board's chair, said the timetable would save about 40 crossings a year.",
    ],
)
def test_complete_statements_are_accepted(sentence: str) -> None:
    assert judge(sentence) is None


def test_the_past_perfect_is_backstory_but_a_report_of_it_is_news() -> None:
    _refused_and_kept(
        "past perfect",
        (
            "Ines Darrow had missed six of her first eight shots at the Skerrow regatta on Friday.",
            "The harbour funds had been kept in a locked drawer of the Skerrow ferry office.",
            "Ines Darrow had been telling the Skerrow crews all week that she would not race.",
        ),
        (
            "Ines Darrow missed six of her first eight shots at the Skerrow regatta on Friday.",
            "Police said Tom Keel had taken the harbour funds from a locked drawer in the office.",
            "Harbour Ferries had its busiest summer on the Skerrow crossing since the 1990s.",
            "Harbour Ferries has cancelled every winter sailing to Skerrow Island this year.",
            "Ines Darrow has been telling the Skerrow crews that she will not race this winter.",
        ),
    )


def test_a_surname_in_s_after_a_first_name_is_who_his_means() -> None:
    # the tagger takes "Rees" after "Callum" for a plural; the two are still one person's name
    rees = "Callum Rees won the first Skerrow regatta of his career on Sunday."
    assert [t.tag_ for t in grammar.parse([rees])[0]][:2] == ["NNP", "NNPS"]
    assert judge(rees) is None
    # a plural name alone is no person, and an object never means its own verb's subject
    assert "'his'" in (judge("The Rangers won the first Skerrow regatta of his career.") or "")
    assert "'him'" in (judge("Skerrow Rovers sacked him on Friday after a run of defeats.") or "")


def test_a_sentence_that_opens_on_the_clock_is_a_scene() -> None:
    _refused_and_kept(
        "on the clock",
        (
            "At 3.40am, Ines Darrow is kneeling on the floor of the Skerrow ferry office.",
            "By a quarter past nine, six children sit at four tables in the Skerrow schoolhouse.",
            "At 6 p.m. on a Thursday, Tom Keel has already peeled 40 pounds of potatoes.",
            "Shortly after dawn the first Skerrow boats slip out past the harbour wall.",
            "At ten minutes to five, Tom Keel unlocks the Skerrow ferry office in the dark.",
            "At twenty-two minutes past eleven, the lights went out across Skerrow Island.",
        ),
        (
            "The Skerrow ferry ran aground at 3.40am on Tuesday with 40 passengers on board.",
            "Around 20 minutes after the crash, the first Skerrow lifeboat reached the ferry.",
            "At ten minutes before the final whistle, Skerrow Rovers scored a second goal.",
            "At least 40 passengers were on board the Skerrow ferry when it ran aground.",
            "At Skerrow harbour, the ferry company cancelled every winter sailing on Monday.",
            "By 2027, Skerrow Island Council wants every home on the island heated by wind.",
        ),
    )


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Was opened in 1990 and is still run by the family that built it.", "no subject"),
        ("Because the harbour was closed for most of the winter season.", "subordinate"),
        ("Which left the council with a bill of almost two million pounds.", "relative"),
        ("Will the ferry timetable survive another winter of storms on the coast?", "question"),
        ("Get a year of unlimited harbour news for half the usual price today.", "finite verb"),
        ("This is the third time the ferry has been cancelled in a single month.", "demonstrative"),
        ("The old lighthouse keeper was buried there in the spring of 1954.", "refers"),
        ("I think the council has made a serious mistake with the ferry plan.", "first or second"),
        ("Reporter Sam Hale contributed to this report from the harbour office.", "furniture"),
        ("Photo: the harbour at dawn, taken from the lighthouse by Sam Hale.", "furniture"),
        ("Published on 29 November 2026 at 7.10am by the Skerrow Herald desk.", "furniture"),
        (
            '"We are not going to let the island be cut off again this winter," Okoro said.',
            "quotation",
        ),
        ("The harbour master explains.", "attribution"),
        ("The second was in September after the storms had passed.", "names nothing"),
        ("The harbour board approved a new ferry timetable for the winter months", "full stop"),
    ],
)
def test_what_cannot_stand_alone_is_refused(sentence: str, reason: str) -> None:
    found = judge(sentence)
    assert found is not None and reason in found, found


# ---- deletions the grammar allows


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (  # an appositive between commas
            "Jane Okoro, who has chaired the harbour board since the floods of 2019, said the new "
            "timetable would start in November.",
            "Jane Okoro said the new timetable would start in November.",
        ),
        (  # a closing clause of time: the main claim stands without it
            "The ferry operator cancelled all crossings to the outer islands on Monday after a "
            "storm damaged the landing stage at the north pier.",
            "The ferry operator cancelled all crossings to the outer islands on Monday.",
        ),
        (  # an opening connective always goes
            "But the harbour board approved a new ferry timetable for the winter months.",
            "The harbour board approved a new ferry timetable for the winter months.",
        ),
        (  # a parenthesis
            "The Harbour Users Association (HUA) has asked the board to publish the full costs "
            "of the new landing stage at once.",
            "The Harbour Users Association has asked the board to publish the full costs of the "
            "new landing stage at once.",
        ),
    ],
)
def test_optional_parts_are_deleted_to_fit(sentence: str, expected: str) -> None:
    assert shorten(sentence) == expected


def test_a_closing_place_goes_but_a_phrase_the_verb_needs_stays() -> None:
    place = "Police arrested the van driver near the harbour in Inverness."
    assert shorten(place, max_words=8) == "Police arrested the van driver near the harbour."
    needed = (
        "The harbour board's inquiry into the collapse of the north pier has focused on the "
        "work of its maintenance contractor."
    )
    assert shorten(needed, max_words=16) is None


def test_a_phrase_closing_the_sentence_may_go_from_a_clause_inside_it() -> None:
    muttered = (
        'A Skerrow ferry worker is apologizing for the "poor choice of words" he muttered under '
        "his breath after the team's stunning loss on Saturday."
    )
    # "on Saturday" hangs on "muttered" too: it goes with the phrase before it
    assert shorten(muttered, max_words=20) == (
        'A Skerrow ferry worker is apologizing for the "poor choice of words" he muttered under '
        "his breath."
    )
    # a phrase that only closes a clause in the middle of the sentence stays
    admitted = (
        "Claims of waste within the board, and Ines Darrow's admission that she felt unwell "
        "during the inquiry, have been reported across Skerrow."
    )
    assert "during the inquiry" in (shorten(admitted, max_words=18) or "during the inquiry")
    said = muttered.replace(" on Saturday.", " on Saturday, the harbour master said.")
    assert shorten(said, max_words=20) is None


def test_a_shortened_bullet_keeps_more_than_a_husk() -> None:
    husk = "Ines Darrow raised the motion after the storms wrecked the north pier at Skerrow."
    assert shorten(husk, max_words=10) is None  # not "Ines Darrow raised the motion."
    kept = "Ines Darrow raised the motion at the harbour council after the storms wrecked the pier."
    assert shorten(kept, max_words=10) == "Ines Darrow raised the motion at the harbour council."


def test_an_aside_the_parser_ran_past_its_closing_comma_stays() -> None:
    past = (
        "A Skerrow court heard that Ines Darrow had agreed to allow a skipper, posing as a "
        "harbour inspector, to use the north pier to land stolen fish."
    )
    assert shorten(past, max_words=16) is None  # not "... had agreed to allow a skipper."
    aside = (
        "Ines Darrow allowed the ferry to land at the north pier, breaking the harbour rules "
        "set by the Skerrow council."
    )
    assert (
        shorten(aside, max_words=12) == "Ines Darrow allowed the ferry to land at the north pier."
    )


def test_examples_go_only_where_nothing_of_the_sentence_follows_them() -> None:
    closing = (
        "The Skerrow harbour board published its new figures for the winter, including ferry "
        "crossings and cargo."
    )
    assert shorten(closing, max_words=12) == (
        "The Skerrow harbour board published its new figures for the winter."
    )
    # the parser hangs "landed" outside the examples: deleting them would leave it dangling
    dangling = closing.replace("cargo.", "cargo landed.")
    short = shorten(dangling, max_words=12)
    assert short is None or "including" in short, short


def test_a_footnote_marker_is_cut_but_a_score_in_brackets_is_not() -> None:
    marked = "The Skerrow ferry[2] was the island's only link to the mainland for a century (1)."
    assert usable(Sentence(marked, 0, False)) == (
        "The Skerrow ferry was the island's only link to the mainland for a century."
    )
    score = "Skerrow (2) beat Portree (1) in the island cup final at the harbour park."
    assert usable(Sentence(score, 0, False)) == score


def test_a_label_opening_a_line_is_never_a_bullet() -> None:
    assert (
        usable(Sentence("Anchor: Heavy rain flooded the coastal road on Monday night.", 0, False))
        == ""
    )
    assert usable(
        Sentence("Heavy rain flooded the coastal road to the harbour on Monday night.", 0, False)
    )


def test_a_sentence_that_fits_is_kept_whole() -> None:
    sentence = "Jane Okoro, the board's chair, said the timetable would start in November."
    assert shorten(sentence) == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        # the condition is what the claim depends on: never "will not resume flights."
        "The airline will not resume its flights to the island unless the government guarantees "
        "the safety of its crews and passengers at the airport.",
        # a restrictive relative clause is what makes the claim damning
        "The inspector who wrote the safety report was paid by the company he was investigating "
        "at the time of the fire at the depot.",
        # "By 2030" bounds the claim in time
        "By 2030, the city will ban petrol cars from the whole of the historic centre and most "
        "of the streets around the old harbour.",
        # an opening phrase with a number is not an aside: 607 is not a claim about every year
        "In 2014, at least 607 people were executed around the world according to the annual "
        "figures of the human rights group.",
    ],
)
def test_deletions_that_would_change_meaning_are_refused(sentence: str) -> None:
    bullet = shorten(sentence)
    assert bullet is None or bullet == sentence, bullet


def test_nothing_inside_quotation_marks_is_deleted() -> None:
    sentence = (
        'The harbour master called the new landing stage "a disaster, which nobody here wanted, '
        'from the very first day" at a meeting of the island council on Tuesday evening.'
    )
    quoted = '"a disaster, which nobody here wanted, from the very first day"'
    bullet = shorten(sentence, max_words=40)
    assert bullet is not None and quoted in bullet, bullet
    # "at a meeting" is no place's name; the rest is the quotation: it cannot fit 20 words
    assert shorten(sentence, max_words=20) is None


def test_an_aside_inside_a_list_is_not_deleted() -> None:
    sentence = (
        "The island network serves Westray, the largest and most remote of the six islands, "
        "Sanday and Stronsay with two crossings a day in winter."
    )
    bullet = shorten(sentence)
    assert bullet is None or "the largest and most remote" in bullet


def test_six_and_five_are_alike() -> None:
    for number in ("five", "six"):
        sentence = (
            f"Orkney Islands Council bought {number} new buses for the island routes this summer."
        )
        assert shorten(sentence) == sentence


def test_a_dateline_is_cut_and_a_name_is_not() -> None:
    assert strip_dateline("LAGOS — The port reopened on Monday.") == "The port reopened on Monday."
    assert strip_dateline("SIOUX FALLS, S.D. – The plant closed.") == "The plant closed."
    assert (
        strip_dateline("Mr Okoro — the chair — spoke first.")
        == "Mr Okoro — the chair — spoke first."
    )
    assert strip_dateline("Skerrow News – Police searched the pier.") == "Police searched the pier."
    assert strip_dateline("Port Ellen, NY – The ferry returned.") == "The ferry returned."
    assert strip_dateline("Port Ellen, NY, said the ferry returned.") == (
        "Port Ellen, NY, said the ferry returned."
    )
    assert (
        strip_dateline("Skerrow News – the island's paper – closed.")
        == "Skerrow News – the island's paper – closed."
    )
    # a wire dateline with its date and agency
    assert strip_dateline("SKERROW, Nov 27 (Harbour Wire) - The pier reopened.") == (
        "The pier reopened."
    )
    assert strip_dateline("PORTREE, Dec 4 (Reuters) - The ferry sailed.") == "The ferry sailed."
    # an agency's longer name, or one with a hyphen
    assert strip_dateline(
        "SKERROW, Nov 24 (Continental Harbour Press Agency) - The pier shut."
    ) == ("The pier shut.")
    assert strip_dateline("PORTREE (Reuters-style agency) - The ferry sailed.") == (
        "The ferry sailed."
    )
    # brackets after a name, with no dash, are part of the sentence
    assert strip_dateline("Ines Darrow (pictured) said the pier would shut.") == (
        "Ines Darrow (pictured) said the pier would shut."
    )
    assert strip_dateline("SKERROW PIER (News 9) - Twelve people were hurt.") == (
        "Twelve people were hurt."
    )
    # a live story's time stamp on its latest line; a bare "UPDATE:" tops a note or a correction
    # (a label, which no bullet keeps), and "Updates" is a word of the sentence
    assert strip_dateline("UPDATE 3.10pm: Police say a man was arrested.") == (
        "Police say a man was arrested."
    )
    assert strip_dateline("Updated at 14:05 GMT: The pier reopened.") == "The pier reopened."
    assert strip_dateline("UPDATE: This article was corrected.") == (
        "UPDATE: This article was corrected."
    )
    assert strip_dateline("Updates to the timetable came on Monday.") == (
        "Updates to the timetable came on Monday."
    )
    assert strip_dateline("Route 9 (north) was closed.") == "Route 9 (north) was closed."
    assert (
        strip_dateline("In 2019, 607 people (AP) were hurt.")
        == "In 2019, 607 people (AP) were hurt."
    )


def test_prose_that_says_when_something_was_published_is_no_timestamp() -> None:
    assert (
        judge("The Skerrow harbour study was published on Wednesday by the island council.") is None
    )


# ---- pronouns


def test_an_opening_he_is_resolved_to_the_person_just_named() -> None:
    previous = ("Harbour master Jane Okoro closed the north pier to all traffic on Monday.",)
    bullet = shorten(
        "She said the pier would stay closed until the storm damage is repaired.", previous=previous
    )
    assert (
        bullet == "Jane Okoro said the pier would stay closed until the storm damage is repaired."
    )


def test_an_opening_he_is_refused_when_two_people_could_be_meant() -> None:
    previous = ("Jane Okoro met Tom Reyes at the north pier to discuss the storm damage.",)
    assert (
        shorten("She said the pier would stay closed for at least a month.", previous=previous)
        is None
    )


def test_an_opening_he_is_refused_with_nothing_before_it() -> None:
    doc = grammar.parse(["He said the pier would stay closed for at least a month."])[0]
    assert grammar.judge(doc).pronoun == 0  # acceptable only once resolved
    assert shorten("He said the pier would stay closed for at least a month.") is None


# ---- quotations across sentences


def test_sentences_inside_a_quotation_are_marked() -> None:
    text = (
        'The mayor spoke at the pier. "We will rebuild it. We will do it by spring. Nobody will '
        'be left behind," she said.\n\nThe island council meets again on Friday.'
    )
    marked = marked_sentences(text)
    assert [s.quoted for s in marked] == [False, True, True, True, False]
    assert usable(marked[2]) == ""  # "We will do it by spring." is the mayor's, not ours
    assert usable(marked[4]) == "The island council meets again on Friday."


def test_select_bullets_skips_what_the_grammar_refuses() -> None:
    candidates = [
        "He said the pier would stay closed for at least a month.",
        "Was repaired twice in the last decade and still leaks.",
        "The harbour board closed the north pier to all traffic on Monday.",
    ]
    chosen = select_bullets(candidates, " ".join(candidates), bullets=3, max_words=20)
    assert chosen == [(2, "The harbour board closed the north pier to all traffic on Monday.")]


def test_usable_drops_what_need_not_be_parsed() -> None:
    assert usable(Sentence("Subscribe now", 0, False)) == ""
    assert usable(Sentence("THE HARBOUR IN NUMBERS.", 0, False)) == ""
    assert usable(Sentence("The harbour board met on Monday to discuss the pier.", 3, False))


# ---- rules added after the blind reads


def test_both_of_what_the_bullet_does_not_say_is_refused() -> None:
    assert "names nobody" in (judge("Both ferries were built in Skerrow in the 1970s.") or "")
    assert judge("Both Skerrow ferries were built on the island in the 1970s.") is None


def test_a_vague_subject_is_refused_and_a_named_one_kept() -> None:
    assert "names nobody" in (judge("The company cut its prices by a fifth on Monday.") or "")
    assert judge("Harbour Ferries Ltd cut its prices by a fifth on Monday.") is None
    # whose claim it is may be plain: the sentence is about the library
    assert judge("The Skerrow library will stay open until midnight, the board decided.") is None


def test_a_hyphenated_role_is_one_word_that_names_nobody() -> None:
    # the parser splits "centre-back" into three tokens; the reader still asks which one
    assert "names nobody" in (
        judge("The centre-back has made 436 appearances for eight Skerrow clubs.") or ""
    )
    assert judge("Centre-back Tom Keel has made 436 appearances for eight Skerrow clubs.") is None
    assert judge("The ferry's co-owner said Skerrow would get a second ferry next year.") is None


def test_a_demonstrative_before_a_noun_points_back_but_not_before_a_time() -> None:
    assert "points at earlier context" in (
        judge("The council rejected these findings at its meeting on Monday.") or ""
    )
    assert judge("The Skerrow harbour council rejected the plan at its meeting this week.") is None


def test_a_surname_alone_becomes_the_full_name_the_article_gave() -> None:
    previous = ("Angela Bolger bought a laptop battery from an online shop in 2015.",)
    docs = grammar.parse([*previous, "Bolger said the battery burst into flames at home."])
    names = grammar.full_names(docs)
    candidate = candidate_of(docs[-1], 1, 20, reversed(docs[:-1]), names)
    assert candidate is not None
    assert candidate.text == "Angela Bolger said the battery burst into flames at home."
    # a word of a longer name is no surname
    other = grammar.parse(["Indigenous Peoples manage about a quarter of the world's forests."])[0]
    assert grammar.surnames(other, {"Indigenous": "Aboriginal Indigenous"}) == {}


def test_an_institutions_name_gives_no_full_name() -> None:
    docs = grammar.parse(
        [
            "Ines Darrow, a Skerrow Harbour Board Ferries expert, gave evidence on Tuesday.",
            "Lt. Col. Ines Darrow testified for six hours about the ferries.",
        ]
    )
    assert "Ferries" not in grammar.full_names(docs[:1])
    assert grammar.full_names(docs[1:]) == {"Darrow": "Ines Darrow"}


def test_examples_may_go_but_not_a_condition() -> None:
    sentence = (
        "Scientists unveiled the first geological map of the frozen moon including vast plains "
        "and dunes of organic material and lakes of liquid methane."
    )
    assert shorten(sentence) == "Scientists unveiled the first geological map of the frozen moon."
    guarded = (
        "The board will reopen the pier to all boats including the largest ferries unless the "
        "inspectors find further damage to the piles."
    )
    bullet = shorten(guarded)
    assert bullet is None or "unless" in bullet


def test_it_may_mean_a_country() -> None:
    assert judge("Sweden has dropped its investigation into the rape allegation.") is None
    assert shorten("It has dropped its investigation into the rape allegation.") is None


def test_a_surname_two_people_share_is_not_expanded() -> None:
    docs = grammar.parse(
        [
            "B.B. King played his last concert in Chicago in the autumn of 2014.",
            "His daughter Claudette King said he was resting at home in Las Vegas.",
            "King played guitars made by the same firm for more than sixty years.",
        ]
    )
    names = grammar.full_names(docs)
    assert "King" not in names
    # nor by a name the unparsed text writes out, one of the two
    pair = grammar.parse(["Ines Darrow and her brother Tomas Darrow sail the Skerrow ferry."])
    assert "Darrow" not in grammar.full_names(pair, ["Tomas Darrow spoke."])
    assert grammar.surnames(docs[-1], names) == {}


def test_an_aside_after_an_object_keeps_the_comma_before_the_attribution() -> None:
    sentence = (
        "Police found no sign of foul play in the death of Tom Getty, grandson of the harbour's "
        "founder, said Detective Ann Kerr."
    )
    assert shorten(sentence, max_words=18) == (
        "Police found no sign of foul play in the death of Tom Getty, said Detective Ann Kerr."
    )


def test_a_sentence_ending_on_a_colon_is_a_fragment() -> None:
    assert "colon" in (judge("An assistant coach read a quote from Lauren Hill: .") or "")


def test_a_clause_cut_out_keeps_its_own_end() -> None:
    doc = grammar.parse(["The harbour board met on Monday, and the ferries ran late all week!"])[0]
    assert grammar.embedded_clauses(doc) == [
        "The ferries ran late all week!",
        "The harbour board met on Monday.",
    ]


def test_a_clause_cut_out_may_not_leave_behind_the_name_its_town_stands_for() -> None:
    def clauses(sentence: str) -> list[str]:
        return grammar.embedded_clauses(grammar.parse([sentence])[0])

    # "the town" is Skerrow, which stays in the sentence around the clause
    assert (
        clauses(
            "Skerrow traders have threatened to sue the council after councillors voted to introduce "
            "Sunday parking charges in the town."
        )
        == []
    )
    assert clauses(
        "Skerrow traders protested on Monday, and councillors raised parking charges across the "
        "town."
    ) == ["Skerrow traders protested on Monday."]
    # a clause that names its place itself stands
    assert clauses(
        "Traders have threatened to sue the council after Skerrow councillors voted to introduce "
        "parking charges in the town."
    ) == ["Skerrow councillors voted to introduce parking charges in the town."]
    assert "Councillors raised parking charges across Skerrow." in clauses(
        "Skerrow traders protested on Monday, and councillors raised parking charges across "
        "Skerrow."
    )
    assert "Councillors raised parking charges in the town of Skerrow." in clauses(
        "Skerrow traders protested on Monday, and councillors raised parking charges in the "
        "town of Skerrow."
    )


def test_what_a_but_turns_against_is_not_cut_out_whatever_and_came_before_it() -> None:
    # "and" joins "funny" to "observed"; "but" joins the clause: the verdict does not stand alone
    turned = (
        "The Skerrow ferry musical is beautifully staged and sharply funny – but the Skerrow "
        "company loses its footing before the end."
    )
    assert grammar.embedded_clauses(grammar.parse([turned])[0]) == [
        "The Skerrow company loses its footing before the end."
    ]
    joined = turned.replace("– but the", "– and the")
    assert "The Skerrow ferry musical is beautifully staged and sharply funny." in (
        grammar.embedded_clauses(grammar.parse([joined])[0])
    )


def test_no_clause_is_cut_from_a_list_of_clauses() -> None:
    # "A, B and C": cut at "and", the part before it would be two clauses with only a comma
    listed = (
        "The harbour board raised its fees, the ferry company cut its timetable and the pier "
        "closed early."
    )
    assert grammar.embedded_clauses(grammar.parse([listed])[0]) == []
    # a clause after the main verb, or one before a verb of saying, is no list
    after_the_verb = (
        "The board decided the fees were fair, but the ferry company cut its timetable on Monday."
    )
    reported = (
        "Fees rose sharply, the harbour board reported, and the ferry company cut its timetable "
        "on Monday."
    )
    cut = "The ferry company cut its timetable on Monday."
    assert grammar.embedded_clauses(grammar.parse([after_the_verb])[0]) == [cut]
    assert grammar.embedded_clauses(grammar.parse([reported])[0]) == [
        cut,
        "Fees rose sharply, the harbour board reported.",
    ]


def test_a_name_already_in_full_is_not_expanded_again() -> None:
    docs = grammar.parse(
        [
            "Storm Corvina brought gusts of up to 94 mph to the coast overnight.",
            "Storm Corvina left about 38,000 homes without power on Saturday morning.",
        ]
    )
    names = {"Corvina": "Storm Corvina"}
    assert grammar.surnames(docs[-1], names) == {}


def test_a_comparison_is_no_clause_of_its_own() -> None:
    doc = grammar.parse(
        ["Restored seagrass stores carbon twice as fast as scientists had assumed in 2019."]
    )[0]
    assert grammar.embedded_clauses(doc) == []


def test_an_event_after_which_is_a_clause_of_its_own_but_a_reason_is_not() -> None:
    event = grammar.parse(
        ["Islanders were angry on Monday after Harbour Ferries cancelled the winter sailings."]
    )[0]
    assert grammar.embedded_clauses(event) == ["Harbour Ferries cancelled the winter sailings."]
    reason = grammar.parse(
        ["The pier was built of oak because the island carpenters had worked with it for years."]
    )[0]
    assert grammar.embedded_clauses(reason) == []


def test_an_opening_place_the_reader_does_not_know_stays_but_a_named_one_may_go() -> None:
    # said of one village, not of the whole craft: "In a shrinking village ..." stays
    for scoped in (
        "In a small town on the Skerrow coast, the old craft of net-making rests on three "
        "retired fishermen.",
        "In some Skerrow schools, pupils now learn to mend nets before they learn to swim.",
    ):
        assert _without(scoped, "opening phrase") == [], scoped
    assert _without(
        "At the harbour board's meeting, members voted to keep the winter ferry to Skerrow.",
        "opening phrase",
    ) == ["Members voted to keep the winter ferry to Skerrow."]


def test_a_place_that_scopes_a_figure_stays() -> None:
    sentence = "The new ferry carries up to 400 passengers on the winter timetable in Orkney."
    assert (
        shorten(sentence, max_words=12) is None
    )  # not "carries up to 400 passengers ..." anywhere
    # the same deletion where no figure depends on the place
    plain = "Police arrested the van driver near the harbour in Inverness."
    assert shorten(plain, max_words=8) == "Police arrested the van driver near the harbour."
    counted = "Police arrested 14 van drivers near the harbour in Inverness."
    assert shorten(counted, max_words=8) is None


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("At the time, the ferry company called the new pier a costly mistake.", "at the time"),
        ("Two days later, coastguards found the missing dinghy off Kettle Point.", "later"),
        ("In response, the harbour board cancelled the winter sailings to Skerrow.", "in response"),
        ("Later in the day, Ines Darrow testified before the harbour board.", "later in the day"),
        ("No, the harbour master's first week at Skerrow has not gone well.", "no"),
        ("This time, the Skerrow harbour board voted to keep the winter ferry.", "this time"),
    ],
)
def test_a_sentence_that_follows_on_from_earlier_events_is_refused(
    sentence: str, reason: str
) -> None:
    assert reason in (judge(sentence) or "")


def test_no_as_a_determiner_opens_no_sequel() -> None:
    assert judge("No ferry has crossed to Skerrow since the storm on Monday.") is None


def test_an_opening_time_of_its_own_is_no_sequel() -> None:
    assert judge("Later this year, the harbour board will open a second ferry office.") is None
    assert judge("Hours after the storm, coastguards closed the road to Kettle Point.") is None
    assert judge("This week, the Skerrow harbour board voted to keep the winter ferry.") is None


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("Mayor Ines Darrow sent a similar letter to the ferry company on Monday.", "similar"),
        ("The same storm closed the harbour at Skerrow for nine days in March.", "the same"),
        ("Another ferry was stranded off Kettle Point for most of Tuesday.", "another"),
        ("Another 30 people were injured in the skirmishes at Kettle Point.", "another"),
        ("Ines Darrow said none of this would change the winter timetable.", "this"),
        ("Coastguards closed the road to Kettle Point on Friday as well.", "as well"),
        ("Councillors rejected a further request from Harbour Ferries Ltd.", "further"),
    ],
)
def test_a_comparison_with_what_the_bullet_does_not_give_is_refused(
    sentence: str, word: str
) -> None:
    assert f"'{word}' compares" in (judge(sentence) or "")


def test_a_comparison_the_sentence_completes_is_kept() -> None:
    assert judge("The new ferry is similar to the one the island lost in 2019.") is None
    assert judge("Ines Darrow said the island had the same problem as Kettle Point.") is None
    assert judge("The two crews helped one another bring the ferry back to Skerrow.") is None


def test_a_pronoun_may_mean_a_person_the_sentence_names_by_role() -> None:
    worker = "A ferry worker is apologising for the words he shouted at passengers on Tuesday."
    assert judge(worker) is None
    assert (
        judge("A Skerrow father is recovering in hospital as his two sons wait for news.") is None
    )
    # a company, a court or a report is not whom "he" means
    company = "The Skerrow ferry company said he would not sail again this winter."
    assert "'he'" in (judge(company) or "")
    assert "'his'" in (judge("The harbour report found his boat had no licence.") or "")


def test_another_compares_within_the_sentence_when_it_names_the_same_kind_before() -> None:
    two = "A fisherman was charged on Monday, two days after another fisherman's boat was found."
    assert judge(two) is None
    other = "A fisherman was charged on Monday, two days after another boat was found adrift."
    assert "'another' compares" in (judge(other) or "")


def test_a_clause_as_the_subject_may_open_the_sentence_but_a_clause_of_time_may_not() -> None:
    subject = (
        "What began as a routine crossing turned into a rescue when the ferry's engine failed."
    )
    assert judge(subject) is None
    scene = "When the pier closed in March, the ferries stopped sailing to Skerrow for good."
    assert "relative or question word" in (judge(scene) or "")


def test_a_deletion_may_not_leave_a_subject_that_names_nobody() -> None:
    told = (
        "The captain, whose family has run the Skerrow ferry for forty years, said he would stop "
        "the winter crossings next month."
    )
    assert shorten(told, max_words=14) is None  # not "The captain said he would stop ..."
    named = told.replace("The captain", "Ines Darrow").replace(" he ", " she ")
    assert shorten(named, max_words=14) == (
        "Ines Darrow said she would stop the winter crossings next month."
    )
    kept = told.replace("The captain,", "The captain of the Skerrow ferry,")
    assert shorten(kept, max_words=16) == (
        "The captain of the Skerrow ferry said he would stop the winter crossings next month."
    )


def test_an_aside_inside_the_subject_goes_with_both_its_commas_unless_one_closes_another() -> None:
    inside = (
        "The captain of the Skerrow ferry, whose family has run it for forty years, said the "
        "winter crossings would stop next month."
    )
    assert shorten(inside, max_words=16) == (
        "The captain of the Skerrow ferry said the winter crossings would stop next month."
    )
    apposed = (
        "Ines Darrow, the harbour master for Skerrow, who has run the port for forty years, said "
        "the winter crossings would stop next month."
    )
    assert shorten(apposed, max_words=19) == (
        "Ines Darrow, the harbour master for Skerrow, said the winter crossings would stop next "
        "month."
    )


def test_a_whole_quotation_may_go_with_its_clause_but_no_deletion_cuts_into_one() -> None:
    whole = (
        "Skerrow council faced angry protests on the island over its plan to close the north pier, "
        'while the ferry company cheered the "historic" decision.'
    )
    assert shorten(whole, max_words=18) == (
        "Skerrow council faced angry protests on the island over its plan to close the north pier."
    )
    cut = (
        'Skerrow council faced angry protests on the island over its "plan to close the north pier, '
        'while the ferry company cheered" the decision.'
    )
    assert shorten(cut, max_words=18) is None


def test_a_deletion_cuts_into_no_quotation_but_may_take_a_whole_one() -> None:
    doc = grammar.parse(['Ines Darrow called the pier "a costly mistake" on Monday.'])[0]
    tokens = list(doc)
    opening, closing = (t.i for t in tokens if t.text == '"')
    assert not grammar._cuts_quotation(tokens[opening : closing + 1])  # the whole quotation
    assert not grammar._cuts_quotation(tokens[: opening - 1])  # nothing quoted
    assert grammar._cuts_quotation(tokens[opening + 1 : closing])  # words inside it
    assert grammar._cuts_quotation(tokens[opening:closing])  # its opening mark, not its closing
    stray = grammar.parse(["Ines Darrow called the pier a costly ” mistake on Monday."])[0]
    assert grammar._cuts_quotation(list(stray))  # a mark that pairs with none


def test_a_phrase_may_end_on_its_own_closing_comma() -> None:
    doc = grammar.parse(["Though the ferries are old, the crossings will end in March."])[0]
    tokens = list(doc)
    comma = next(t.i for t in tokens if t.text == ",")
    assert grammar._comma_after(tokens, comma - 1) == comma  # the comma follows the phrase
    assert grammar._comma_after(tokens, comma) == comma  # the parser hung it inside
    assert grammar._comma_after(tokens, comma + 1) is None  # no comma closes it


def test_a_relative_clause_after_a_preposition_goes_between_commas_only() -> None:
    aside = (
        "Storm Corvina flooded the old harbour at Skerrow, in which nine boats sank and two more were "
        "lost at sea."
    )
    assert shorten(aside, max_words=10) == "Storm Corvina flooded the old harbour at Skerrow."
    needed = (
        "Storm Corvina flooded the harbour in which nine boats sank and two more were lost at sea."
    )
    assert shorten(needed, max_words=10) is None


def test_an_opening_concession_may_go_but_an_opening_condition_stays() -> None:
    conceded = (
        "Although the ferry company has not published its figures for the year, the winter "
        "crossings to Skerrow will end in March."
    )
    assert shorten(conceded, max_words=12) == "The winter crossings to Skerrow will end in March."
    condition = conceded.replace("Although", "Unless")
    assert shorten(condition, max_words=12) is None
    contrast = (
        "While Skerrow islanders watched the old ferry leave for the last time, the real news was "
        "being made in Leith."
    )
    assert shorten(contrast, max_words=12) is None  # "the real news" answers the contrast


def test_an_announcement_by_the_authorities_of_a_past_event_may_lose_its_speaker() -> None:
    plain = "A smuggling ring that used the island ferries was broken up in Skerrow, the feds announced."
    assert shorten(plain, max_words=14) == (
        "A smuggling ring that used the island ferries was broken up in Skerrow."
    )
    forecast = (
        "A smuggling ring that used the island ferries will be broken up soon, the feds announced."
    )
    assert shorten(forecast, max_words=14) is None


def test_a_title_in_quotation_marks_names_what_it_titles() -> None:
    assert judge('"Wild 7" is getting the widest release of any island film this year.') is None
    for numbered in ("Seven", '"seven"'):  # a number, quoted or not, is no title
        sentence = f"{numbered} is getting the widest release of any island film this year."
        assert "names nothing" in (judge(sentence) or "")


def test_a_pointer_at_the_page_is_refused_but_a_preposition_is_not() -> None:
    for pointer in (
        "All that and more is below in the latest Skerrow harbour newsletter.",
        "The full ferry timetable for the winter months is available here.",
    ):
        assert "points at the page" in (judge(pointer) or "")
    assert judge("Temperatures fell below zero across Skerrow on Monday night.") is None
    assert judge("Ferry fares rose above the forecast for the third month in a row.") is None


def test_a_sentence_in_brackets_is_an_aside() -> None:
    aside = "(Harbour Ferries Ltd is owned by the same group as this newspaper.)"
    assert "in brackets" in (judge(aside) or "")
    plain = "Harbour Ferries Ltd (the island's only operator) is owned by a Leith group."
    assert judge(plain) is None


def test_a_short_sentence_naming_nothing_leans_but_a_name_or_a_number_stands() -> None:
    for vague in ("Sometimes, ferries lose things that can never be replaced.", "Lots of them do."):
        assert "names nothing" in (judge(vague) or "")
    for named in (
        "Sometimes, Skerrow ferries lose things that can never be replaced.",
        "Sometimes, ferries lose 40 things that can never be replaced.",
        "Portree's ferry sometimes loses things that can never be replaced.",
    ):
        assert judge(named) is None, named
    longer = "Sometimes, the island ferries lose things that the crews can never replace in time."
    assert judge(longer) is None  # more than a few words says more than a teaser


def test_a_surname_the_article_gave_in_full_names_someone_in_a_short_sentence() -> None:
    found = _leans(
        "Harbour master Ines Sanders closed the north pier at Skerrow on Monday. "
        "Sanders followed it up with a tweet to the ferry crews."
    )
    # a candidate: "Sanders" names someone; "it" (the closing) leans on the sentence before
    assert found == [(0, None), (1, 0)]
    alone = _candidates("Lots of them followed it up with a tweet to the crews.")
    assert alone == []


def test_a_possessive_needs_a_person_not_a_place_name() -> None:
    placed = "Fishermen in Western North Skerrow are angry about his late decision on the pier."
    assert "'his'" in (judge(placed) or "")
    named = "Harbour master Ines Darrow defended her late decision on the new pier."
    assert judge(named) is None


# ---- a sentence that leans on the one before it


def _candidates(text: str, title: str = "") -> list[Candidate]:
    sentences = marked_sentences(text, 20)
    cleaned = [usable(s) for s in sentences]
    docs = iter(grammar.parse([c for c in cleaned if c]))
    return candidates(sentences, [next(docs) if c else None for c in cleaned], 25, title)


def _leans(text: str) -> list[tuple[int, int | None]]:
    """Each candidate's position, and the position of the sentence it may only follow."""
    return [(c.position, c.follows) for c in _candidates(text)]


def test_a_sentence_leaning_on_the_one_before_may_follow_it() -> None:
    found = _leans(
        "Harbour Ferries Ltd cancelled every winter sailing to Skerrow on Monday. "
        "The company blamed a shortage of trained crew for the cancellations."
    )
    assert found == [(0, None), (1, 0)]


def test_a_quotation_opening_with_a_pronoun_leans_on_what_came_before() -> None:
    said = " said Ines Darrow, who has been the Skerrow harbour master since 2019."
    assert "quotation opens with 'They'" in (judge('"They left us,"' + said) or "")
    assert judge('"Crews left us,"' + said) is None


def test_a_possessor_with_a_curly_apostrophe_is_a_second_mention_too() -> None:
    found = _leans(
        "Storms cut the electric grid of Skerrow Island on Friday night. "
        "The grid’s capacity may be tested again next week as more storms arrive."
    )
    assert found == [(0, None), (1, 0)]
    named = _leans(
        "Storms cut the electric grid of Skerrow Island on Friday night. "
        "Skerrow’s capacity may be tested again next week as more storms arrive."
    )
    assert named == [(0, None), (1, None)]


def test_a_sentence_leaning_on_what_gave_no_bullet_is_refused() -> None:
    found = _candidates(
        "Harbour Ferries Ltd cancelled every winter sailing to Skerrow on Monday. "
        '"We simply have nobody left to sail them," a spokesman told islanders. '
        "The company blamed a shortage of trained crew for the cancellations."
    )
    assert [c.position for c in found] == [0]


def test_a_leaning_bullet_goes_when_its_anchor_does() -> None:
    def candidate(position: int, follows: int | None) -> Candidate:
        return Candidate(position, f"s{position}", False, frozenset(), False, False, follows)

    first, second, third = candidate(0, None), candidate(1, 0), candidate(2, 1)
    assert _standing([first, second, third]) == [first, second, third]
    assert _standing([second, third]) == []
    assert _standing([first, third]) == [first]


def test_a_leaning_bullet_may_not_follow_one_that_lost_a_thing_it_named() -> None:
    # "She then had to defend it" leans on the lead that the deletion took from the sentence
    # before ("... and took the lead into the harbour"); a deleted day takes nothing it means.
    doc = grammar.parse(
        ["Ines Darrow started second on Sunday and took the lead at the Skerrow harbour wall."]
    )[0]
    action = frozenset(t.i for t in doc if t.i >= [t.lower_ for t in doc].index("and"))
    action -= {len(doc) - 1}  # the full stop stays
    day = frozenset(t.i for t in doc if t.lower_ in ("on", "sunday"))
    assert grammar.loses_a_thing(doc, action)
    assert not grammar.loses_a_thing(doc, day)

    def candidate(text: str, position: int, follows: int | None, lost: bool = False) -> Candidate:
        return Candidate(
            position, text, lost, frozenset(), False, False, follows, lost_a_thing=lost
        )

    started = candidate("Ines Darrow started second on Sunday.", 0, None, lost=True)
    defended = candidate("She then had to defend it through two squalls.", 1, 0)
    assert _standing([started, defended]) == [started]
    # ... but "she" is the subject no deletion takes, and "the race" is named where it stands
    named = candidate("She then won the race by a length.", 1, 0)
    assert _standing([started, named]) == [started, named]
    shortened_by_a_day = candidate("Ines Darrow started second.", 0, None)
    assert _standing([shortened_by_a_day, defended]) == [shortened_by_a_day, defended]


def test_a_leaning_bullet_may_not_follow_one_that_lost_a_name_it_repeats() -> None:
    # "Keel's crew" in the next sentence was introduced by the phrase the deletion took
    doc = grammar.parse(
        ["Ines Darrow won the Skerrow ferry race on Sunday, overturning a deficit to Tom Keel."]
    )[0]
    phrase = frozenset(range([t.text for t in doc].index(","), len(doc) - 1))
    day = frozenset(t.i for t in doc if t.lower_ in ("on", "sunday"))
    kept = grammar.render(doc, phrase)
    assert grammar.lost_names(doc, phrase, kept) == {"Tom", "Keel"}
    # a deleted day is no name, and a name the bullet still says is not lost
    assert grammar.lost_names(doc, day, grammar.render(doc, day)) == frozenset()
    darrow = frozenset(t.i for t in doc if t.text == "Darrow")
    assert grammar.lost_names(doc, darrow, "Darrow won the race.") == frozenset()

    def candidate(text: str, position: int, follows: int | None, lost: frozenset[str]) -> Candidate:
        return Candidate(
            position, text, bool(lost), frozenset(), False, False, follows, lost_names=lost
        )

    won = candidate(kept, 0, None, frozenset({"Tom", "Keel"}))
    ahead = candidate(
        "The 24-year-old finished 40 seconds ahead of Keel's crew.", 1, 0, frozenset()
    )
    assert _standing([won, ahead]) == [won]
    # ... but one that names nobody the deletion took may follow it
    harbour = candidate(
        "The 24-year-old finished 40 seconds ahead of the harbour crew.", 1, 0, frozenset()
    )
    assert _standing([won, harbour]) == [won, harbour]


def test_a_closing_reason_goes_whatever_it_holds_but_not_a_speaker() -> None:
    reason = (
        "Coastguards stopped the Skerrow ferry at the harbour mouth on Saturday because it was "
        "not displaying the safety certificates every passenger vessel must carry."
    )
    assert shorten(reason, max_words=14) == (
        "Coastguards stopped the Skerrow ferry at the harbour mouth on Saturday."
    )
    reported = (
        "The Skerrow café finds itself at the centre of a row over the island's new licensing "
        "rules after its owners said they would refuse to serve visiting crews."
    )
    assert shorten(reported, max_words=20) == (
        "The Skerrow café finds itself at the centre of a row over the island's new licensing rules."
    )
    spoken = (
        "The Skerrow ferry will not sail again before the spring storms have passed, as the "
        "harbour master Ines Darrow told islanders at a meeting on Friday."
    )
    assert shorten(spoken, max_words=16) is None


def test_a_closing_phrase_that_is_the_verbs_only_complement_stays() -> None:
    spread = (
        "Photographs of the stranded Skerrow ferry and its crew were splashed across newspapers."
    )
    assert shorten(spread, max_words=11) is None
    placed = "Coastguards rescued the crew of the Skerrow ferry during the storm."
    assert shorten(placed, max_words=9) == "Coastguards rescued the crew of the Skerrow ferry."


def test_an_office_reporting_a_past_event_may_go_but_not_its_forecast() -> None:
    event = (
        "A Skerrow fisherman pleaded guilty to setting fire to the harbour store, the county "
        "sheriff's office said."
    )
    assert shorten(event, max_words=13) == (
        "A Skerrow fisherman pleaded guilty to setting fire to the harbour store."
    )
    forecast = "The Skerrow ferry will stay in dry dock until the spring, the county sheriff's office said."
    assert shorten(forecast, max_words=12) is None


def test_a_that_opening_a_clause_points_at_nothing() -> None:
    clause = "Experts on Skerrow are warning that student halls are too full to be safe."
    assert judge(clause) is None
    pointing = "Critics of the plan pointed to that ferry and its empty winter sailings."
    assert "'that ferry' points" in (judge(pointing) or "")


def test_a_paper_is_not_who_he_is() -> None:
    paper = "The Skerrow Chronicle says he was arrested a block away from the pier."
    assert "'he'" in (judge(paper) or "")
    person = "Harbour master Ines Darrow says he was arrested a block away from the pier."
    assert judge(person) is None


def test_only_the_sentences_own_subject_gains_a_full_name() -> None:
    docs = grammar.parse(
        [
            "The island's largest lender, Skerrow Savings Bank, was sold to Harbour Mutual in 2019.",
            "Mutual was founded in 1921 by a group of herring skippers.",
            "Mutual said the sale would not change the terms of any loan.",
            "The herring skippers who founded Mutual had lost their boats in a storm.",
        ]
    )
    names = grammar.full_names(docs)
    assert names.get("Mutual") == "Harbour Mutual"
    assert grammar.surnames(docs[1], names) == {0: "Harbour Mutual"}
    assert grammar.surnames(docs[2], names) == {0: "Harbour Mutual"}
    assert grammar.surnames(docs[3], names) == {}  # inside a phrase: it leans instead


def test_a_clause_a_verb_of_sequence_needs_stays() -> None:
    needed = "The Skerrow ferry strike comes after the owners cut the crews' pay by a fifth."
    assert shorten(needed, max_words=9) is None
    optional = (
        "The Skerrow ferry crews went on strike for a week after the owners cut their pay by a "
        "fifth."
    )
    assert shorten(optional, max_words=10) == "The Skerrow ferry crews went on strike for a week."


def test_a_sentence_in_another_language_is_no_bullet() -> None:
    german = "Am Dienstag hat der Stadtrat von Skerrow einen neuen Fähranleger beschlossen."
    assert usable(Sentence(german, 0, False)) == ""
    named = "Pieter van der Berg said the ferry to Skerrow was late again on Monday."
    assert usable(Sentence(named, 0, False)) == named


def test_it_standing_for_a_reported_clause_needs_no_name() -> None:
    learned = (
        "A total of 600 life jackets have been lost at the Skerrow pier, it was learned Tuesday."
    )
    assert shorten(learned) == learned
    lost = "It was lost at the Skerrow pier on Tuesday, along with 600 life jackets."
    assert shorten(lost) is None


def test_a_closing_when_clause_goes_but_not_what_a_verb_decides() -> None:
    closing = (
        "The Skerrow ferry company said a burst fuel line caused the delays when the new vessel "
        "made its first crossing."
    )
    assert shorten(closing, max_words=14) == (
        "The Skerrow ferry company said a burst fuel line caused the delays."
    )
    decided = "The Skerrow harbour board will decide next month when the ferries will sail again."
    assert shorten(decided, max_words=10) is None
    asked = "Islanders on Skerrow asked the harbour board when the ferries sail again."
    assert shorten(asked, max_words=8) is None
    heard = "Islanders on Skerrow are waiting to hear when the ferries sail again."
    assert shorten(heard, max_words=8) is None
    # what the parser reads as the verb's complement is what it needs
    found = "Islanders on Skerrow are waiting to find out when the ferries sail again."
    assert shorten(found, max_words=9) is None
    # a "when" clause with "will" or "would" asks when, whatever the verb before it
    guessed = "Islanders on Skerrow were left guessing when the ferries would sail again."
    assert shorten(guessed, max_words=7) is None


def test_a_closing_clause_goes_from_a_verb_the_claim_runs_into_but_not_from_a_relative() -> None:
    chained = (
        "The Skerrow ferry company was set to begin cancelling crossings to the outer islands as "
        "the storm moved up the coast."
    )
    assert shorten(chained, max_words=14) == (
        "The Skerrow ferry company was set to begin cancelling crossings to the outer islands."
    )
    inside = (
        "A captain who left the Skerrow ferry as the storm moved up the coast has written a book."
    )
    assert shorten(inside, max_words=12) is None


def test_the_day_of_a_past_event_may_go_but_not_the_day_of_one_to_come() -> None:
    past = "Skerrow islanders approved a new harbour levy for the ferry pier on Tuesday evening."
    assert shorten(past, max_words=11) == (
        "Skerrow islanders approved a new harbour levy for the ferry pier."
    )
    last_week = "The Skerrow ferry company cancelled every crossing to the outer islands last week."
    assert shorten(last_week, max_words=11) == (
        "The Skerrow ferry company cancelled every crossing to the outer islands."
    )
    coming = "The Skerrow harbour board will close the north pier to ferries on Tuesday evening."
    assert shorten(coming, max_words=11) is None
    unreal = "The Skerrow board would have closed the north pier to ferries on Tuesday evening."
    assert shorten(unreal, max_words=11) is None


def test_a_hedge_goes_with_a_closing_phrase_but_a_negation_keeps_it() -> None:
    hedged = (
        "The Skerrow harbour board reopened the north pier to ferries, bringing back trade that "
        "could save the island's shops."
    )
    assert shorten(hedged, max_words=10) == (
        "The Skerrow harbour board reopened the north pier to ferries."
    )
    negated = (
        "The Skerrow harbour board reopened the north pier to ferries, leaving the fishing boats "
        "without any berth."
    )
    assert shorten(negated, max_words=10) is None


def test_also_leans_on_the_sentence_before() -> None:
    found = _leans(
        "The Skerrow harbour board suspended its chair, Ines Darrow, for a month on Monday. "
        "Board member Tom Keel also received a one-week suspension for the missing harbour funds."
    )
    assert found == [(0, None), (1, 0)]
    alone = "Board member Tom Keel received a one-week suspension for the missing harbour funds."
    assert judge(alone) is None
    assert "'also'" in (judge(alone.replace("Keel received", "Keel also received")) or "")


# A person named by surname alone, or a subject that is a bare "the" + noun, is a second mention:
# the bullet leans on the sentence that introduced them (the headline introduces what it names).
SECOND_MENTION = (
    "Islanders packed the Skerrow town hall on Monday to hear plans for a new ferry terminal. "
    "Harbour master Ines Darrow said the work could start in the spring of next year. "
    "The new terminal would replace the north pier, which has been closed since the storms. "
    "A portrait of Darrow hangs in the harbour office above the ticket desk."
)


def test_a_second_mention_leans_on_the_sentence_that_introduced_it() -> None:
    follows = {c.position: c.follows for c in _candidates(SECOND_MENTION)}
    assert follows == {0: None, 1: None, 2: 0, 3: 1}


def test_what_the_headline_names_needs_no_introduction() -> None:
    title = "Darrow’s new terminals for the Skerrow ferries"
    follows = {c.position: c.follows for c in _candidates(SECOND_MENTION, title)}
    assert follows == {0: None, 1: None, 2: None, 3: None}


def test_a_first_mention_or_a_named_subject_stands_alone() -> None:
    found = _candidates(
        "Islanders packed the Skerrow town hall on Monday to hear plans for a new ferry terminal. "
        "The harbour board said the work could start in the spring of next year. "
        "Ines Darrow warned that the ferry timetable would be cut during the building works. "
        "Darrow has run the port for twenty years and lives above the harbour office."
    )
    assert {c.position: c.follows for c in found} == {0: None, 1: None, 2: None, 3: None}
    assert found[-1].text.startswith("Ines Darrow has run the port")  # the subject's full name
    expanded = _candidates(
        "Commodore Ines Darrow resigned on Monday after twenty years at the port. "
        "Darrow has run the port through six winters of storms and two new piers."
    )[-1]
    assert expanded.text.startswith("Commodore Ines Darrow has run")
    assert expanded.proper_start  # "A columnist writes that Commodore ...", never "commodore"


def test_a_place_in_capitals_before_a_colon_is_a_dateline_but_a_kicker_is_not() -> None:
    dateline = "NEW SKERROW: Nearly 150 islanders returned home on the first ferry since the storm."
    assert strip_dateline(dateline).startswith("Nearly 150 islanders")
    assert usable(Sentence(dateline, 0, False)).startswith("Nearly 150 islanders")
    kicker = "BREAKING: Nearly 150 islanders returned home on the first ferry since the storm."
    assert strip_dateline(kicker) == kicker
    assert usable(Sentence(kicker, 0, False)) == ""


# A phrase cut from the middle of a list of actions the parser split: ", abandoned their posts".
LIST_OF_ACTIONS = (
    "The north pier has long been an embarrassment on Skerrow, considering how it closed after "
    "the crews tied up their boats, abandoned the harbour and walked home in the storm."
)


def test_a_participle_phrase_cut_from_a_list_of_actions_stays() -> None:
    kinds = {d.kind for d in grammar.deletions(grammar.parse([LIST_OF_ACTIONS])[0])}
    assert "participle phrase" not in kinds
    closing = "The north pier closed on Skerrow last winter, leaving the ferry crews at home."
    assert shorten(closing, max_words=8) == "The north pier closed on Skerrow last winter."


def test_a_clause_cut_from_a_list_of_actions_is_not_lifted() -> None:
    clauses = grammar.embedded_clauses(grammar.parse([LIST_OF_ACTIONS])[0])
    assert not any(c.startswith("The crews tied up their boats") for c in clauses)
    whole = "The pier closed after the crews tied up their boats in the storm."
    assert "The crews tied up their boats in the storm." in grammar.embedded_clauses(
        grammar.parse([whole])[0]
    )


def test_a_hyphenated_title_stays_whole_in_a_full_name() -> None:
    docs = grammar.parse(
        ["Harbour Commissioner-General Ines Darrow will visit Skerrow on Saturday."]
    )
    assert grammar.full_names(docs)["Darrow"] == "Commissioner-General Ines Darrow"
    spaced = grammar.parse(
        ["The new harbour master - Ines Darrow - will visit Skerrow on Saturday."]
    )
    assert grammar.full_names(spaced)["Darrow"] == "Ines Darrow"


def test_she_means_the_whole_of_a_double_barrelled_name() -> None:
    before = grammar.parse(["Ines Darrow-Keel has spent a year rebuilding the Skerrow ferry."])
    assert grammar.antecedent(before, "she") == "Ines Darrow-Keel"
    # (a hyphenated title before the name stays the title's: see the full-name test above)


def test_an_aside_between_subject_and_verb_goes_with_both_commas() -> None:
    assert _without(
        "A driver who hit the Skerrow ferry shelter, leaving a woman badly hurt, has been jailed "
        "for two years.",
        "participle phrase",
    ) == ["A driver who hit the Skerrow ferry shelter has been jailed for two years."]
    # after the verb, a closing phrase goes with the comma before it
    assert _without(
        "The Skerrow ferry sank in the harbour on Monday, leaving two crews idle for the winter.",
        "participle phrase",
    ) == ["The Skerrow ferry sank in the harbour on Monday."]


def test_an_infinitive_of_saying_that_reports_nothing_keeps_its_phrase() -> None:
    # "to add to Keel's opener" adds a goal, not a remark: its "to" phrase is what it adds to
    assert (
        _without(
            "Skerrow looked safe when Ines Darrow scored a penalty after the break to add to Tom "
            "Keel's opener.",
            "where it was said",
        )
        == []
    )
    assert _without(
        "Ines Darrow told reporters at the Skerrow pier that the ferry would sail on Monday.",
        "where it was said",
    ) == ["Ines Darrow told reporters that the ferry would sail on Monday."]


def test_a_dateline_before_a_quoted_name_is_cut() -> None:
    assert strip_dateline('(CNN)"Skerrow" fans will get more ferries this summer.') == (
        '"Skerrow" fans will get more ferries this summer.'
    )
    spoken = '(CNN)"we will sail again," the ferry captain told islanders.'
    assert strip_dateline(spoken) == spoken


def test_the_first_sentence_may_name_by_role_but_a_later_one_leans() -> None:
    lead = (
        "The police have named the two people killed in a crash on the Skerrow coast road. "
        "The family of one of them has thanked the ferry crew who stopped to help."
    )
    assert _leans(lead) == [(0, None), (1, 0)]
    # later, "The police" means the police the article spoke of: it leans on that sentence
    later = (
        "A crash closed the Skerrow coast road for six hours on Tuesday night. "
        "The police have named the two people killed in the crash on the coast road."
    )
    assert _leans(later) == [(0, None), (1, 0)]
    # after a line that is no sentence (here a caption), the role may mean what it showed
    captioned = "Officers at the scene on the coast road\n\n" + lead.split(". ")[0] + "."
    assert _candidates(captioned) == []
    # "The government" of a sentence that names no place or body says nobody's
    assert (
        _candidates("The government has unveiled a plan to cut solar costs to $0.10/W by 2030.")
        == []
    )
    # an event it opens with is the headline's, which the lead does not give
    assert (
        _candidates("The move comes as the Skerrow ferry company cuts its winter timetable.") == []
    )


def test_another_in_the_first_sentence_compares_within_it_unless_a_deletion_took_that() -> None:
    lead = "A harbour inspector needed hospital care on Friday after another woman hit her with a stone."
    assert [c.text for c in _candidates(lead)] == [lead]
    second = "The Skerrow ferries ran late on Monday. " + lead
    # later, "another" leans on the sentence before
    assert _leans(second) == [(0, None), (1, 0)]
    cut = (
        "In addition to the two deaths at the Skerrow pier on Tuesday night, the harbour office "
        "of the island council said another 30 people were hurt in the crush at the gate."
    )
    assert all("another" not in c.text for c in _candidates(cut))
    day = (
        "A female harbour inspector on Skerrow island needed hospital care on Friday after she "
        "was hit in the head with a heavy stone by another woman."
    )
    assert [c.text for c in _candidates(day)] == [day.replace(" on Friday", "")]
    assert shorten(cut, max_words=40) is not None  # whole, it stands


def test_a_capitalised_me_or_we_inside_a_name_is_no_first_person() -> None:
    assert judge("Ines Darrow started the Go Fund Me page to pay for the ferry fares.") is None
    assert "first or second" in (judge("Ines Darrow started the page to pay for me.") or "")
    heading = "Ferry Settings You are able to change the settings on the timetable screen."
    assert "first or second" in (judge(heading) or "")


def test_a_byline_run_into_the_first_sentence_is_cut() -> None:
    assert strip_dateline("By Ines Darrow: The Skerrow ferry will sail again.") == (
        "The Skerrow ferry will sail again."
    )
    assert strip_dateline("By Jo Tan, Staff Writer — The pier reopens today.") == (
        "The pier reopens today."
    )
    for kept in ("By Tuesday, the pier had reopened.", "By the end of May: fares rose."):
        assert strip_dateline(kept) == kept


def test_a_demonstrative_or_also_may_mean_its_own_sentence() -> None:
    for sentence in (
        "Skerrow is a hard place to farm, and this extends to its harbour fees.",
        "The ferry pass pleased many of those who had paid full fares before.",
        "Skerrow council appointed Ines Darrow, who also runs the lifeboat, as harbour master.",
        "Skerrow harbour reopened on the same day the ferry company cut its fares.",
    ):
        assert judge(sentence) is None, sentence
    for sentence in (
        "This extends to the harbour fees on Skerrow and its neighbours.",
        "The ferry pass pleased many of those islanders in the end.",
        "Ines Darrow also runs the lifeboat from the Skerrow harbour.",
        "Two ferries have also been taken off the Skerrow route, said harbour master Ines Darrow.",
        "Skerrow harbour reopened on the same day.",
    ):
        assert judge(sentence) is not None, sentence


def test_a_year_or_a_numbered_name_may_be_a_subject_but_a_bare_number_may_not() -> None:
    assert judge("Skerrow 5.2 was released to the harbour office on Monday.") is None
    assert judge("2023 is set to be the busiest year on record for the Skerrow ferry.") is None
    assert "names nothing" in (judge("The second was released on Monday afternoon.") or "")


def test_a_participle_with_a_subject_is_a_past_tense_but_one_without_is_not() -> None:
    assert judge("The harbour master of twenty years just retired from the Skerrow ferry.") is None
    assert judge("A controversial rezoning proved decisive in the Skerrow race.") is None
    assert judge("Rescued from the sea off Skerrow by the lifeboat crew.") == "no finite verb"


def test_a_base_form_with_a_subject_is_a_present_tense_but_one_without_is_not() -> None:
    # the small model tags this plural's present "go" as a base form (VB), as it does "cause"
    # and "unveil" after a plural subject
    sentence = "Tickets for the harbour festival go on sale at the ferry office on Monday morning."
    assert grammar.main_verb(grammar.parse([sentence])[0]).tag_ == "VB"
    assert judge(sentence) is None
    assert judge("Watch the harbour festival live on the ferry office's own channel.") == (
        "no finite verb"
    )
    assert judge("To go on sale at the ferry office on Monday morning.") is not None


def test_a_year_old_is_a_person_a_later_he_may_mean_but_not_a_name() -> None:
    aged = (
        "A 33-year-old was released by Skerrow Rovers after five years, during which he "
        "scored 75 goals."
    )
    assert judge(aged) is None
    club = "Skerrow Rovers was sold after five years, during which he scored 75 goals."
    assert "'he'" in (judge(club) or "")
    # "The 33-year-old" is a second mention, even opening the text
    second = aged.replace("A 33-year-old", "The 33-year-old")
    assert "names nobody" in (grammar.judge(grammar.parse([second])[0], opening=True).reason or "")
    # written without hyphens too; an age before a noun says who ("The 47 year old actress")
    unhyphenated = "The 47 year old was one of the guests at the Skerrow harbour gala."
    assert "names nobody" in (judge(unhyphenated) or "")
    assert judge("The 47 year old Skerrow actress Ines Darrow was a guest at the gala.") is None


def _without(sentence: str, *kinds: str) -> list[str]:
    """``sentence`` with each deletion of one of ``kinds`` that the grammar allows, in turn."""
    doc = grammar.parse([sentence])[0]
    return [grammar.render(doc, d.indices) for d in grammar.deletions(doc) if d.kind in kinds]


def _closing(sentence: str) -> list[str]:
    return _without(sentence, "closing elaboration")


def test_an_opening_phrase_of_how_long_stays_but_one_of_where_goes() -> None:
    # "For a single point" is how long the claim held: without it the loser won the final
    assert (
        _without(
            "For a single point, the Skerrow regatta belonged to the harbour crew from Port Ellen.",
            "opening phrase",
        )
        == []
    )
    assert _without(
        "In Skerrow, the regatta belonged to the harbour crew from Port Ellen.", "opening phrase"
    ) == ["The regatta belonged to the harbour crew from Port Ellen."]


def test_a_comma_left_before_the_full_stop_goes_with_what_followed_it() -> None:
    # a deletion that takes the closing clause with the sentence's own full stop
    doc = grammar.parse(["The Skerrow ferry sailed on time in October, lifted by calm seas."])[0]
    comma = next(t.i for t in doc if t.text == ",")
    shown = grammar.render(doc, frozenset(range(comma + 1, len(doc))))
    assert shown == "The Skerrow ferry sailed on time in October."
    # a comma that something kept follows stays
    kept = grammar.render(doc, frozenset(range(comma + 2, len(doc))))
    assert kept == "The Skerrow ferry sailed on time in October, lifted."


def test_a_closing_elaboration_goes_but_not_one_holding_a_condition_or_mid_sentence() -> None:
    assert _closing(
        "Skerrow Ferries has revealed the second boat in its electric fleet, with the Puffin "
        "making its first crossing at the harbour festival."
    ) == ["Skerrow Ferries has revealed the second boat in its electric fleet."]
    assert _closing(
        "The Skerrow market sells every kind of island produce, from smoked fish and seaweed "
        "to oatcakes and more."
    ) == ["The Skerrow market sells every kind of island produce."]
    assert _closing(
        "Skerrow Ferries said on Monday it aims to run every boat on batteries by 2030 and "
        "that by 2040 it hopes to sell power back to the island."
    ) == ["Skerrow Ferries said on Monday it aims to run every boat on batteries by 2030."]
    # a condition or a negation keeps the phrase: the claim depends on it
    assert (
        _closing(
            "Skerrow Ferries will cut the winter timetable to two sailings a day, with no crossings "
            "at all unless the weather improves."
        )
        == []
    )
    # "from" without a range stays; a second clause goes where it ends, and so does the closing
    # "in a ..." that only says how it was said
    assert _closing(
        "Skerrow Ferries said it aims to run every boat on batteries by 2030 and that it hopes "
        "to sell power back by 2040, in a statement on Monday."
    ) == [
        "Skerrow Ferries said it aims to run every boat on batteries by 2030.",
        "Skerrow Ferries said it aims to run every boat on batteries by 2030 and that it hopes "
        "to sell power back by 2040.",
    ]
    assert _closing("The pier was rebuilt last year, from which the ferries sail to Skerrow.") == []
    assert _closing("The ferries now sail to Skerrow twice a day, from the new north pier.") == []
    assert (
        _closing(
            "Skerrow Ferries resumed its sailings, with the harbour master's blessing, to the "
            "mainland and the outer isles."
        )
        == []
    )
    assert (
        _closing(
            "Skerrow Ferries said on Monday it aims to run every boat on batteries by 2030 and "
            "that by 2040 it hopes to sell power back to the island, its chief executive said."
        )
        == []
    )


def test_an_object_that_is_just_the_and_a_noun_leans_on_the_sentence_that_introduced_it() -> None:
    text = (
        "A woman threw a stone at a harbour inspector outside Skerrow police station on Friday. "
        "Officers from Skerrow have launched a search for the woman across the island."
    )
    assert _leans(text) == [(0, None), (1, 0)]
    reported = text.replace(
        "Officers from Skerrow have launched a search for the woman across the island.",
        "Inspector Jane Darrow said the woman had fled on the evening ferry to the mainland.",
    )
    assert _leans(reported) == [(0, None), (1, 0)]
    # the headline introduces her; and "the next 30 days" says which days itself
    headline = "Skerrow police hunt woman who threw a stone at an inspector"
    assert [c.follows for c in _candidates(text, headline)] == [None, None]
    days = (
        "Skerrow council will spend the next 30 days on the ferry budget for next year. "
        "Islanders can comment on the plans at Skerrow town hall over the next 30 days."
    )
    assert [c.follows for c in _candidates(days)] == [None, None]
    season = (
        "Skerrow Ferries will run two boats a day through the winter, the company said. "
        "Islanders can book crossings at Skerrow harbour office for the winter."
    )
    assert [c.follows for c in _candidates(season)] == [None, None]


def test_their_may_mean_two_people_the_sentence_names_but_not_one_body() -> None:
    two = (
        "Jane Darrow is unhappy with the way her business partner Tom Keel has handled their "
        "dispute with the ferry company."
    )
    assert judge(two) is None
    one = "Skerrow council said the harbour board has handled their dispute with the ferry company badly."
    assert "'their'" in (judge(one) or "")
    person = "Jane Darrow said the harbour board had handled their dispute with the ferry company."
    assert "'their'" in (judge(person) or "")


def _refused_and_kept(why: str, refused: tuple[str, ...], kept: tuple[str, ...]) -> None:
    """Each of ``refused`` is refused for a reason that says ``why``; each of ``kept`` passes."""
    for sentence in refused:
        assert why in (judge(sentence) or ""), sentence
    for sentence in kept:
        assert judge(sentence) is None, sentence


def test_a_headlines_shorthand_is_no_sentence_but_a_name_or_a_plural_opening_prose_is() -> None:
    _refused_and_kept(
        "shorthand",
        (
            "Report claims island schools have created pool of unpaid staff for the ferry season.",
            "Governor says naming of Ines Darrow as harbour master is historic for Skerrow.",
        ),
        (
            "Skerrow Ferries says it will open a new ticket office at the pier next year.",
            "Police say a man was arrested on the Skerrow ferry late last night.",
            "Ines Darrow says the new pier will open to ferries next spring.",
            "Youth is no barrier to a seat on the Skerrow harbour board.",
            "Skerrow's governor says the new pier will open to ferries next spring.",
        ),
    )


def test_an_opening_instead_leans_on_what_came_before_but_instead_of_does_not() -> None:
    leaning = "Instead, there was Ines Darrow, who ran the Skerrow ferry for 35 years."
    assert "'instead'" in (judge(leaning) or "")
    assert judge("Instead of the ferry, islanders took the mail boat to Skerrow on Monday.") is None


def test_a_negation_inside_what_an_aside_reports_goes_with_it_but_not_one_that_limits() -> None:
    concern = (
        "A Skerrow ferry passed within 50 yards of a navy patrol boat off the north pier this "
        "month, sparking concern that its captain might not be in full control of the ship."
    )
    assert shorten(concern, max_words=25) == (
        "A Skerrow ferry passed within 50 yards of a navy patrol boat off the north pier this "
        "month."
    )
    limits = (
        "Skerrow Ferries cut 500 jobs across the islands and the mainland this winter, not "
        "counting the contractors who crew its boats."
    )
    assert shorten(limits, max_words=16) is None


def test_the_short_answer_answers_what_the_bullet_does_not_ask_unless_it_says_to_what() -> None:
    short = "The short answer is that the Skerrow ferry was sold to a mainland firm last year."
    assert "answers what" in (judge(short) or "")
    specific = "The answer to the Skerrow ferry shortage is a second boat, Ines Darrow said."
    assert judge(specific) is None


def _said_where(sentence: str) -> list[str]:
    doc = grammar.parse([sentence])[0]
    return [
        " ".join(doc[i].text for i in sorted(d.indices))
        for d in grammar.deletions(doc)
        if d.kind == "where it was said"
    ]


def test_where_a_report_was_made_may_go_but_not_what_it_was_about() -> None:
    assert _said_where(
        "Ines Darrow said in a statement on Tuesday that the Skerrow pier would close."
    ) == ["in a statement on Tuesday"]
    assert (
        _said_where(
            "Fans of the Skerrow singer took to her page to comment on photos of the ferry pier."
        )
        == []
    )
    warned = _said_where("The harbour master warned of delays to the Skerrow ferry all week.")
    assert not any("delays" in phrase for phrase in warned), warned


def test_a_headline_in_title_case_is_no_sentence_but_prose_full_of_names_is() -> None:
    deck = "Skerrow Ferry Is Sold After Its Owners Lose the Harbour Contract."
    assert usable(Sentence(deck, 0, False)) == ""
    names = "Harbour Master Ines Darrow met Skerrow Ferries chief Tom Keel in Lerwick on Monday."
    assert usable(Sentence(names, 0, False)) == names


def _opening(sentence: str) -> str | None:
    return grammar.judge(grammar.parse([sentence])[0], opening=True).reason


def test_a_lead_may_name_a_local_body_by_role_but_not_a_place_or_a_firm() -> None:
    # the place says whose police; nothing says which country or which company
    assert _opening("The police have named the two men killed in a crash in Skerrow.") is None
    for sentence in (
        "The country avoided a lockdown last night, but Skerrow Health warned it may come.",
        "The company avoided a strike last night, but Skerrow Unite warned it may come.",
    ):
        assert "names nobody" in (_opening(sentence) or ""), sentence
    # a set phrase names nothing and needs nothing
    assert judge("The stakes are high for every candidate ahead of the Skerrow debate.") is None
    assert "names nobody" in (judge("The firm is high on the list of Skerrow bidders.") or "")


def test_the_following_as_a_subject_points_at_a_list() -> None:
    assert "'the following'" in (
        judge("The following are arrest reports as recorded by the Skerrow police.") or ""
    )
    assert "'the following'" in (
        judge("Following are the arrest reports of the Skerrow police.") or ""
    )
    assert judge("Police named the following people as suspects in the Skerrow raid.") is None


def test_a_teaser_that_keeps_back_what_it_promises_is_refused() -> None:
    _refused_and_kept(
        "promises",
        (
            "After weeks of rumours, Ines Darrow told the world the real reason for her retirement.",
            "Investigators in Skerrow found the cause of the ferry fire on Monday.",
            "The cause of the Skerrow ferry fire was found by investigators on Monday.",
            "As usual, the Skerrow harbour master knows the answer.",
            "The Kettle Point ferry company in the town of Skerrow is finding out.",
            "The Skerrow harbour board found out the hard way.",
        ),
        (
            "Ines Darrow said the reason for her retirement was a shortage of ferry crew.",
            "The Skerrow harbour board found out on Monday that its ferry bid had failed.",
            "Skerrow Rovers found out about the sale of their ground from a local newspaper.",
            "Ines Darrow accidentally revealed the answer to the Skerrow quiz on live television.",
            "At the Skerrow quiz on Monday, Ines Darrow revealed the correct answer.",
            "Ines Darrow told the council the real cost of the Skerrow ferry was $2 million.",
            "Skerrow investigators found a cause for concern in the ferry logs on Monday.",
            "Skerrow councillors disputed the cause of the ferry fire on Monday.",
        ),
    )


def test_a_clause_that_stops_at_its_is_is_a_fragment() -> None:
    _refused_and_kept(
        "nothing after it",
        (
            "Ines Darrow thinks the best way to hear the Skerrow brass band is.",
            "The Skerrow ferry is.",
        ),
        (
            "Ines Darrow knows what the best way to reach Skerrow is.",
            "The Skerrow ferry is back.",
            "The Skerrow ferry is not in service this winter.",
            "Ines Darrow keeps the Skerrow pier the way it is.",
        ),
    )
    # nor may a deletion leave one: the closing clause was what the sentence had to say
    cut = (
        "Ines Darrow thinks the best way to hear the old Skerrow ferry song is while sitting in "
        "a dark kitchen turning the lamp on and off."
    )
    assert shorten(cut, max_words=40) == cut
    assert shorten(cut, max_words=20) is None
    # a deletion elsewhere stands; a closing clause that goes whole takes its "is" with it
    for sentence, max_words, shown in (
        (
            "The Skerrow ferry is back in service on the island route after the harbour office "
            "finished weeks of repairs to its engine and hull.",
            14,
            "The Skerrow ferry is back in service on the island route.",
        ),
        (
            "The Skerrow ferry stopped its winter sailings to the island on Monday after its "
            "captain said the sea is too rough for the old boat.",
            14,
            "The Skerrow ferry stopped its winter sailings to the island on Monday.",
        ),
    ):
        assert shorten(sentence, max_words=max_words) == shown, sentence


def test_the_second_or_the_next_as_a_subject_leans_on_what_came_before() -> None:
    _refused_and_kept(
        "compares with",
        (
            "The second location opened in Midtown following the first in Skerrow.",
            "The next two months were tough for the Skerrow ferry crews.",
        ),
        (
            "The second round of Skerrow ferry talks begins on Monday.",
            "Ines Darrow won the second race on Monday.",
            "The other side of the Skerrow pier was closed for repairs on Monday.",
            "A second Skerrow ferry sank on Monday, the harbour office said.",
            "The former Skerrow harbour master won the island's seat on Monday.",
        ),
    )


def test_a_when_that_interrupts_a_scene_is_the_news_and_stays() -> None:
    # "was doing", "was about to do", "had just done" ... when: the "when" is what happened
    for sentence in (
        "Ines Darrow was about to inspect the Skerrow bus, a grey motor coach, when she noticed "
        "a strong odour of fuel.",
        "Ines Darrow was walking her dog on the Skerrow pier late on Monday, when a wave swept "
        "her into the harbour.",
        "Ines Darrow had just left the Skerrow pier on Monday night, when the old ferry caught "
        "fire in the harbour.",
        "Ines Darrow was about to inspect the Skerrow bus, a grey coach, when she noticed a "
        "strong odour of fuel, police said.",
    ):
        assert shorten(sentence, max_words=14) is None, sentence
    # after a finished event, "when" only says when, and may go
    for sentence, shown in (
        (
            "The old Skerrow ferry sank in the harbour on Monday, when a winter storm hit the "
            "island and its pier.",
            "The old Skerrow ferry sank in the harbour on Monday.",
        ),
        (
            "Ines Darrow closed the Skerrow pier to ferries on Monday night when a storm swept "
            "the island's harbour.",
            "Ines Darrow closed the Skerrow pier to ferries on Monday night.",
        ),
        (
            "Ines Darrow just closed the Skerrow pier to ferries on Monday night when a storm "
            "swept the island's harbour.",
            "Ines Darrow just closed the Skerrow pier to ferries on Monday night.",
        ),
        (
            "Ines Darrow has closed the Skerrow pier to ferries on Monday night when a storm "
            "swept the island's harbour.",
            "Ines Darrow has closed the Skerrow pier to ferries on Monday night.",
        ),
        (
            "Ines Darrow, smiling broadly, closed the Skerrow pier to ferries on Monday night "
            "when a storm swept the harbour.",
            "Ines Darrow, smiling broadly, closed the Skerrow pier to ferries on Monday night.",
        ),
    ):
        assert shorten(sentence, max_words=14) == shown, sentence
    about = (
        "Ines Darrow wrote about the Skerrow ferry on Monday night when a storm swept the "
        "island's harbour."
    )
    assert (
        shorten(about, max_words=11) == "Ines Darrow wrote about the Skerrow ferry on Monday night."
    )


def test_a_comma_between_subject_and_verb_is_no_sentence() -> None:
    _refused_and_kept(
        "a comma between",
        (
            "The larger Skerrow ferries, could carry forty cars each on the winter route.",
            "The Skerrow harbour master Ines Darrow, read 16 letters that the council had received.",
            "The old Skerrow ferries, were sold to a firm in Oban on Monday.",
            "The old Skerrow ferries, did not sail to the island on Monday.",
        ),
        (
            "Ines Darrow, the harbour master, said the pier would reopen in May.",
            "The Skerrow ferries, which are old, could carry forty cars each.",
            "In Skerrow, ferries could carry forty cars each on the winter route.",
            "Ferries, buses and trains stopped on Skerrow on Monday.",
            "The Skerrow ferries stopped, and the island waited for a week.",
            # a series of verbs whose first the tagger reads as a noun ("stores")
            "The Skerrow ferry stores 40 cars, costs $2 million and needs a crew of six.",
        ),
    )


def test_a_rule_line_of_the_page_is_no_prose() -> None:
    _refused_and_kept(
        "rule line",
        ("Skerrow ferries - ---- by Ines Darrow the island ferries sail on Monday.",),
        ("Ines Darrow -- the harbour master -- said the ferries sail on Monday.",),
    )


def test_the_parse_ends_no_sentence_inside_a_quotation() -> None:
    slogan = (
        "Skerrow's viral \u201cSail. We\u2019re on it.\u201d ferry campaign has been facing "
        "mockery since Monday, but Ines Darrow was concerned."
    )
    assert judge(slogan) is None
    # outside a quotation a second sentence is still one too many
    assert judge("The Skerrow ferry sails. Ines Darrow was concerned on Monday.") == (
        "more than one sentence"
    )


@pytest.mark.parametrize(
    "sentence",
    [
        # an abbreviation's full stop, then a name
        "Divers will not go back to the sunken ferry, said Capt. Yves Darrow of the Skerrow Coastguard.",
        "The Skerrow pier will reopen in May, said the Rt. Hon. Ines Darrow, the island minister.",
        # a time's, then a capitalised word
        "Storm Corvina will reach Skerrow at 4:10 a.m. Island Time, the harbour board said.",
        # a bracket, then a title and a name
        "Ferries must stay in port, warns Skerrow Harbour Board (SHB) Director Ines Darrow.",
    ],
)
def test_the_parse_starts_no_sentence_without_a_stop_before_it(sentence: str) -> None:
    assert judge(sentence) is None


def test_a_stop_still_ends_a_sentence_inside_one_input() -> None:
    assert judge("The Skerrow ferry sails at dawn. Capt. Ines Darrow steers it on Monday.") == (
        "more than one sentence"
    )
    for stop_in_brackets in (
        "The pier reopened on Monday (after repairs). The ferry sails next week.",
        "The pier reopened on Monday (after two years of repairs.) The ferry sails next week.",
    ):
        assert judge(stop_in_brackets) == "more than one sentence"


def test_a_separator_of_the_page_is_no_prose() -> None:
    _refused_and_kept(
        "separator",
        (
            "Route | Sailings | Skerrow to Port Ellen | 4 | Daily service resumes on Monday.",
            "Skerrow Ferries \u00b7 Ines Darrow (2019) The ferry sails again on Monday.",
        ),
        ("Ines Darrow said the Skerrow ferry sails again on Monday - a week after the storm.",),
    )


def test_a_stations_call_sign_is_a_dateline() -> None:
    assert strip_dateline("(KGO) -- A plan to reopen the Skerrow pier is one step closer.") == (
        "A plan to reopen the Skerrow pier is one step closer."
    )
    assert strip_dateline("(WSVN) - The ferry ran aground.") == "The ferry ran aground."
    for kept in (
        "(SHB) figures show the Skerrow pier lost money in 2019.",
        "(SHB) Director Ines Darrow closed the Skerrow pier on Monday.",
    ):
        assert strip_dateline(kept) == kept


def test_a_place_and_its_country_before_a_colon_is_a_dateline() -> None:
    assert strip_dateline("Port Ellen, Skerrow, United Kingdom: Getting a ferry is not easy.") == (
        "Getting a ferry is not easy."
    )
    assert strip_dateline("Lochside, NY: The pier reopened.") == "The pier reopened."
    for kept in (
        "Skerrow, Lochside and Port Ellen: Three piers reopen on Monday.",  # a list
        "However, Ines Darrow: The harbour master would not say.",  # a connective
        "Port Ellen: The pier reopened.",  # a place alone is a label the grammar refuses
    ):
        assert strip_dateline(kept) == kept


def test_a_dashed_aside_may_go_with_a_time_preposition_but_not_with_a_condition() -> None:
    dated = (
        "Ines Darrow's sudden resignation \u2014 which must be accepted before the harbour board "
        "votes \u2014 has upset many ferry crews and fishermen on Skerrow who suspect she was "
        "pushed out."
    )
    assert shorten(dated, 25) == (
        "Ines Darrow's sudden resignation has upset many ferry crews and fishermen on Skerrow who "
        "suspect she was pushed out."
    )
    # "before the board meets": a clause, as a condition is; the aside stays, and is too long
    conditioned = dated.replace("votes", "meets")
    assert shorten(conditioned, 25) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "After his arrest on Monday, Ines Darrow resigned as harbour master of Skerrow.",
        "Because of her stroke, Ines Darrow missed the harbour board meeting on Skerrow.",
        "Even if its engines are old, the Skerrow ferry will sail to Port Ellen on Saturday.",
        "Despite their losses, the Skerrow ferry companies will keep the winter timetable.",
        # an opening clause's own subject points ahead as well
        "Sixty years after it was founded in a cold outdoor pool, Skerrow Swimming Club is still "
        "teaching the island to swim.",
        "Two years after she was elected, Ines Darrow has opened the new pier at Skerrow harbour.",
    ],
)
def test_a_possessive_in_an_opening_phrase_may_point_ahead_to_the_subject(sentence: str) -> None:
    assert judge(sentence) is None


@pytest.mark.parametrize(
    "sentence",
    [
        # the subject is no person for "his", and no plural for "their"
        "After his arrest on Monday, the harbour board closed the Skerrow pier for a week.",
        "Despite their losses, Ines Darrow will keep the winter timetable of the Skerrow ferry.",
        # not in an opening phrase: the subject itself
        "His arrest on Monday shocked Ines Darrow and the harbour board of Skerrow.",
        "Its owner sold the Skerrow ferry to a company in Port Ellen on Monday.",
        # a clause's subject that does not agree with the main subject
        "After they met on Monday, Ines Darrow resigned as harbour master of Skerrow.",
        "Two years after it opened, the Skerrow ferries are full on every day of the week.",
        # "it" cannot mean a plural noun before it
        "The volunteers who run it are cooking for 400 people on Skerrow this winter.",
    ],
)
def test_a_possessive_that_points_at_nothing_ahead_still_leans(sentence: str) -> None:
    assert "refers to something" in (judge(sentence) or "")


def test_a_name_written_out_in_an_unparsed_sentence_gives_a_full_name() -> None:
    quoted = '"The pier will hold," said harbour engineer Ines Darrow, who inspected it.'
    description = "Skerrow Harbour Board Director Tomas F. Quayle says the ferries will return."
    assert grammar.full_names([], [quoted, description]) == {
        "Darrow": "Ines Darrow",
        "Quayle": "Tomas F. Quayle",  # the title left out, the middle initial kept
    }
    # the parse-based name wins over the written one: no ambiguity between the two forms
    docs = grammar.parse(["Commissioner Ines Darrow inspected the pier on Monday."])
    assert grammar.full_names(docs, [quoted]) == {"Darrow": "Commissioner Ines Darrow"}
    # through the candidates: "Darrow said" becomes the full name the description gave
    sentences = marked_sentences("Darrow said the Skerrow pier would reopen in May.", 5)
    parsed = grammar.parse([usable(s) for s in sentences])
    names = article_names(sentences, parsed, "Harbour engineer Ines Darrow inspects a pier.")
    found = candidates(sentences, parsed, 25, "", names)
    assert [c.text for c in found] == ["Ines Darrow said the Skerrow pier would reopen in May."]
    # or a line of the article the parse skipped (no full stop: no sentence)
    text = "Ines Darrow, harbour engineer\n\nDarrow said the Skerrow pier would reopen in May."
    sentences = marked_sentences(text, 5)
    parsed = [grammar.parse([u])[0] if (u := usable(s)) else None for s in sentences]
    found = candidates(sentences, parsed, 25)
    assert [c.text for c in found] == ["Ines Darrow said the Skerrow pier would reopen in May."]


@pytest.mark.parametrize(
    "texts",
    [
        # a word the article also writes in lower case opens a sentence
        ["Both Darrow and the board agreed.", "The two sides both signed."],
        # a word the article also writes alone names something else
        ["Skerrow Darrow is the island's new ferry.", "Skerrow voted for it."],
        # two people share the surname
        ["Ines Darrow and Tomas Darrow run the ferry."],
        # a run of three capitalised words is an institution's or a place's name
        ["The Skerrow Harbour Darrow opened."],
        # a month is no first name
        ["Early in March Darrow resigned."],
    ],
)
def test_no_full_name_is_guessed_from_ordinary_words(texts: list[str]) -> None:
    assert "Darrow" not in grammar.full_names([], texts)


def test_a_bare_definite_leans_on_the_name_that_introduced_it() -> None:
    # "the commission" after "the Skerrow Harbour Commission": the name's last word, capitalised
    found = _leans(
        "The Skerrow Harbour Commission fined Harbour Ferries Ltd two million pounds on Monday. "
        "Half of the fine will go to repairs of the north pier, the commission said."
    )
    assert found == [(0, None), (1, 0)]
    # nothing before it names one: the sentence stands as it did
    alone = _leans(
        "Harbour Ferries Ltd was fined two million pounds on Monday for the winter cancellations. "
        "Half of the fine will go to repairs of the north pier, the commission said."
    )
    assert alone == [(0, None), (1, None)]


def test_an_object_pronoun_never_means_its_own_verbs_subject() -> None:
    _refused_and_kept(
        "refers to something",
        (
            "Ines Darrow fired him after the ferry sank off Skerrow last winter.",
            "Ines Darrow sailed with him to Port Ellen on Monday morning.",
            "The Skerrow Ferry Company will do it with a new crew next winter.",
            "The harbour board told Ines Darrow about him on Monday.",
        ),
        (
            "After Ines Darrow resigned, the harbour board praised her on Monday.",
            # the subject of another verb may be what it means
            "Ines Darrow said the harbour board fired him after the ferry sank.",
            "Ines Darrow said the ferry crews sailed with him to Port Ellen.",
            "The Skerrow Ferry Company said the storm had damaged it badly on Monday.",
            # a possessive may mean its verb's subject
            "The Skerrow Ferry Company will sell its pier to a company from Port Ellen.",
        ),
    )


def test_an_exclamation_in_the_digests_voice_is_no_bullet() -> None:
    _refused_and_kept(
        "exclamation",
        (
            "Crowds of islanders came to the opening of the new Skerrow pier!",
            "The Skerrow ferry sails again this Saturday (at long last!)",
        ),
        (
            "Crowds of islanders came to the opening of the new Skerrow pier.",
            # the speaker's exclamation, inside the quotation
            'Ines Darrow greeted the first ferry at the Skerrow pier: "We did it!"',
        ),
    )


def test_no_deletion_takes_the_name_a_kept_the_town_stands_for() -> None:
    aside = (
        "Ines Darrow's sudden resignation \u2014 which must be accepted before the harbour board "
        "votes in Port Ellen \u2014 has upset many ferry crews and fishermen {where} who suspect "
        "she was pushed out."
    )
    # "the town" is Port Ellen: without the aside it is no town the reader knows
    assert shorten(aside.format(where="in the town"), 25) is None
    assert shorten(aside.format(where="on Skerrow"), 25) == (
        "Ines Darrow's sudden resignation has upset many ferry crews and fishermen on Skerrow who "
        "suspect she was pushed out."
    )
    # a kept town that says which, or that is not "the" town, stands for nothing deleted
    for where in ("in the town of Lochside", "in a town nearby"):
        assert shorten(aside.format(where=where), 25) is not None, where
    # nor does one inside what goes with the name
    inside = aside.replace(
        "before the harbour board votes in Port Ellen", "in Port Ellen by the town"
    )
    assert shorten(inside.format(where="on Skerrow"), 25) is not None
    # a "the town" before the name stands for something else: the name may go
    before = (
        "Fishermen in the town say Ines Darrow's resignation \u2014 which must be accepted "
        "before the harbour board votes in Port Ellen \u2014 was forced by the board."
    )
    assert shorten(before, 22) == (
        "Fishermen in the town say Ines Darrow's resignation was forced by the board."
    )


def test_there_may_mean_a_place_the_sentence_names_but_no_deletion_takes_it() -> None:
    named = (
        "A case of the plague was reported in Skerrow over the weekend, after two people there "
        "were diagnosed with it."
    )
    assert judge(named) is None
    for unnamed in (
        named.replace("in Skerrow", "by Ines Darrow"),  # no place: a person
        named.replace("in Skerrow", "in the harbour"),  # no name: which harbour?
    ):
        assert "'there'" in (judge(unnamed) or ""), unnamed
    # "in Skerrow" would be the cheapest deletion, and leave "two people there"
    dashed = (
        "A case of the plague was reported in Skerrow over the weekend \u2014 after two people "
        "there were diagnosed with the pneumonic plague last week."
    )
    assert shorten(dashed, 23) == "A case of the plague was reported in Skerrow over the weekend."
    # an existential "there" stands for no place: the name may go
    existential = (
        "Ines Darrow, the harbour master of Port Ellen on Skerrow, said there were no ferries "
        "sailing to the mainland on Monday or Tuesday."
    )
    assert shorten(existential, 18) == (
        "Ines Darrow said there were no ferries sailing to the mainland on Monday or Tuesday."
    )


def test_an_aside_after_the_verb_keeps_the_adverb_that_may_be_its_own() -> None:
    def kinds(sentence: str) -> set[str]:
        return {d.kind for d in grammar.deletions(grammar.parse([sentence])[0])}

    # "ahead of the winter storms" may date the announcement: without the aside, the ferry
    # would leave ahead of them
    route = (
        "The Skerrow ferry will leave the harbour for a new route with Ines Darrow, a decision "
        "she announced in an interview on Monday{after}."
    )
    assert "appositive" not in kinds(route.format(after=", ahead of the winter storms"))
    assert "appositive" in kinds(route.format(after=""))
    # before the verb, an adverb after the aside carries the main clause on
    assert "appositive" in kinds(
        "Ines Darrow, the harbour master of Skerrow since 2019, recently said the ferries would "
        "stop sailing to Port Ellen in the winter."
    )


def test_a_bullet_counting_what_its_anchor_listed_needs_the_anchor_whole() -> None:
    def counts(sentence: str) -> bool:
        candidate = candidate_of(grammar.parse([sentence])[0], 1, 25, [], {}, 0)
        assert candidate is not None, sentence
        return candidate.counts_back

    assert counts("Both ferries were built in Skerrow before the war and still sail every day.")
    assert not counts("The Skerrow ferries were both built before the war and still sail daily.")

    def candidate(position: int, shortened: bool, follows: int | None, counting: bool) -> Candidate:
        text = f"s{position}"
        return Candidate(position, text, shortened, frozenset(), False, False, follows, counting)

    whole, cut = candidate(0, False, None, False), candidate(0, True, None, False)
    both = candidate(1, False, 0, True)  # "Both diseases ..."
    plain = candidate(1, False, 0, False)  # "The patient ..."
    assert _standing([whole, both]) == [whole, both]
    assert _standing([cut, both]) == [cut]  # the cut may have taken the second disease
    assert _standing([cut, plain]) == [cut, plain]


def test_an_opening_purpose_may_go_with_its_numbers_but_not_before_an_obligation() -> None:
    assert shorten(
        "To mark 50 years of the Skerrow ferry, Ines Darrow will sail the old boat to Port Ellen "
        "on Saturday.",
        16,
    ) == ("Ines Darrow will sail the old boat to Port Ellen on Saturday.")
    assert shorten(
        "To mark 50 years of the Skerrow ferry, the harbour board has renamed the old boat after "
        "Ines Darrow.",
        14,
    ) == ("The harbour board has renamed the old boat after Ines Darrow.")
    # "had" as the main verb, with no "to": no obligation
    assert shorten(
        "To mark 50 years of the Skerrow ferry, the harbour board had a new bell cast for the old "
        "boat.",
        16,
    ) == ("The harbour board had a new bell cast for the old boat.")
    # an opening of time is no purpose: "After 50 years of service" scopes the claim
    assert (
        shorten(
            "After 50 years of service on the island, the Skerrow ferry will retire to Port Ellen "
            "on Saturday.",
            12,
        )
        is None
    )
    # before "must", "has to" or "needs to" the purpose is a condition of the claim
    for obliged in (
        "To qualify for the 40 new Skerrow ferry licences, applicants must have sailed the island "
        "route for five winters.",
        "To reach Port Ellen in under 40 minutes, the new Skerrow ferry has to sail around the cape "
        "at full speed.",
        "To reach Port Ellen in under 40 minutes, the new Skerrow ferry needs to sail around the "
        "cape at full speed.",
    ):
        assert shorten(obliged, 14) is None, obliged


def test_no_deletion_takes_what_a_kept_pronoun_stands_for() -> None:
    # also when the subject is a pronoun shown as the name it stands for
    owner = ("Ines Darrow is the harbour master of Skerrow and owns its only ferry.",)
    renamed = "To mark 50 years of the Skerrow ferry, she has renamed {what} after her mother."
    assert shorten(renamed.format(what="it"), 14, owner) is None
    assert shorten(renamed.format(what="the boat"), 14, owner) == (
        "Ines Darrow has renamed the boat after her mother."
    )
    # "it" is the ferry, named only in the purpose that would go
    assert (
        shorten(
            "To mark 50 years of the Skerrow ferry, the harbour board has renamed it after Ines "
            "Darrow.",
            14,
        )
        is None
    )


def test_an_aside_that_says_which_of_an_indefinite_noun_stays() -> None:
    def asides(sentence: str) -> list[str]:
        return _without(sentence, "appositive", "dashed aside")

    # "a drawback", "one problem", "a new member": the aside is what or who it is
    drawback = (
        "A major drawback to 3-D printing -- the slow pace of the work -- could be eased by a "
        "second machine."
    )
    problem = (
        "One problem for the island, the price of diesel, has forced the Skerrow ferry company "
        "to cut its timetable."
    )
    member = "A new member of the board, Ines Darrow, has voted against the fees."
    assert asides(drawback) == asides(problem) == asides(member) == []
    # of a name, of a known thing or of a noun inside the aside itself, an aside only adds;
    # and an aside that is no appositive only adds, even to an indefinite noun
    nurse = "A friend of Ines Darrow, a nurse from the island, sailed the boat home on Monday."
    pier = (
        "The old pier -- a wooden structure, a relic of the 1890s -- will be rebuilt in stone by "
        "next summer."
    )
    ferry = "A Skerrow ferry -- built in Oban in 1990 -- sank off the island at night."
    assert asides(nurse) == ["A friend of Ines Darrow sailed the boat home on Monday."]
    assert asides(pier) == ["The old pier will be rebuilt in stone by next summer."]
    assert asides(ferry) == ["A Skerrow ferry sank off the island at night."]


def test_a_participle_after_an_appositive_is_no_aside_of_its_own() -> None:
    def participles(sentence: str) -> list[str]:
        return _without(sentence, "participle phrase")

    # its first comma closes "mostly islanders": "stranded at ..." says which passengers
    assert (
        participles(
            "The crew counted the number of passengers, mostly islanders, stranded at the "
            "Skerrow pier on Monday."
        )
        == []
    )
    assert participles(
        "Ines Darrow, the harbour master, stood on the pier, watching the storm."
    ) == ["Ines Darrow, the harbour master, stood on the pier."]


def test_a_clause_in_the_past_perfect_is_not_lifted_out() -> None:
    # "had brought" was before the cheering: alone it leans on a time the bullet does not give
    before = (
        "Islanders cheered on Monday after the skipper had brought the ferry home in the storm."
    )
    assert grammar.embedded_clauses(grammar.parse([before])[0]) == []
    for told in ("brought", "has brought"):
        sentence = (
            f"Islanders cheered on Monday after the skipper {told} the ferry home in the storm."
        )
        assert grammar.embedded_clauses(grammar.parse([sentence])[0]) == [
            f"The skipper {told} the ferry home in the storm."
        ]


# Sentences the parse splits: "after" a preposition of "a recount", "confirmed" a clause of the
# main verb with no subject (test_the_split_clauses_are_parsed_split checks it still does).
_SPLIT_CLAUSE = (
    "Independent candidate Ines Darrow was declared harbour master of Skerrow early on Sunday "
    "after a recount that stretched through the night confirmed her lead of 40 votes."
)
_SPLIT_AFTER_COMES = (
    "The Skerrow fare rise comes after a review that stretched through the winter confirmed the "
    "ferries lost money."
)


def test_the_split_clauses_are_parsed_split() -> None:
    for doc in grammar.parse([_SPLIT_CLAUSE, _SPLIT_AFTER_COMES]):
        after = next(t for t in doc if t.lower_ == "after")
        assert after.dep_ == "prep" and any(
            c.dep_ == "advcl" and c.i > after.i for c in after.head.children
        ), [(t.text, t.dep_) for t in doc]


_PIER = "The island council has promised to rebuild the Skerrow pier by the end of the decade"
_BOATHOUSE = (
    "A fire that destroyed the Skerrow sailing club's boathouse is being treated as deliberate"
)


@pytest.mark.parametrize(
    ("sentence", "kind", "left"),
    [
        # A hedge in a clause the appositive carries is that clause's and goes with it ...
        (
            "Tern Energy, a four-year-old Skerrow startup that decides when the island's "
            "batteries should charge, has raised $12 million from two harbour funds.",
            "appositive",
            ["Tern Energy has raised $12 million from two harbour funds."],
        ),
        # ... one of the appositive itself qualifies the name and keeps it.
        (
            "Tern Energy, possibly the oldest firm on Skerrow, has raised $12 million from two "
            "harbour funds.",
            "appositive",
            [],
        ),
        # A report inside a clause the participle phrase carries is that clause's ...
        (
            f"{_PIER}, unveiling a fund that its leader said would also pay for two new ferries.",
            "participle phrase",
            [f"{_PIER}."],
        ),
        # ... a phrase that reports ("saying ...") gives the claim its speaker and stays.
        (
            f"{_PIER}, saying that the money would also pay for two new ferries.",
            "participle phrase",
            [],
        ),
        # A closing clause after the report set off behind the claim goes ...
        (
            f"{_BOATHOUSE}, police have said, as members counted the cost of losing their boats.",
            "closing clause",
            [f"{_BOATHOUSE}, police have said."],
        ),
        # A closing clause the parser split in two ("after" a preposition of "a recount", the verb
        # a clause of the main verb) goes whole ...
        (
            _SPLIT_CLAUSE,
            "closing clause",
            [
                "Independent candidate Ines Darrow was declared harbour master of Skerrow early on "
                "Sunday."
            ],
        ),
        # ... unless the verb only relates the events: "The rise comes." says nothing ...
        (_SPLIT_AFTER_COMES, "closing clause", []),
        # ... and a participle after a closing phrase is no verb of that clause.
        (
            "The Skerrow ferry was delayed for six hours after the storm, stranding 200 "
            "passengers at the pier.",
            "closing clause",
            [],
        ),
        # A closing clause goes with only the report of the claim after it ...
        (
            "The Skerrow ferry was stopped at the harbour mouth after a coastguard boarded it, "
            "police said.",
            "closing clause",
            ["The Skerrow ferry was stopped at the harbour mouth, police said."],
        ),
        # ... but not when the parse closed it early and its own words would stay behind
        # ("..., many of them starving ...": the dogs it found).
        (
            "A Skerrow man was jailed Tuesday for three years after inspectors found 41 dogs "
            "living in filth, many of them starving and several dead, on his farm last winter.",
            "closing clause",
            [],
        ),
        # A closing clause of time goes, but not with how long after: the interval is the claim.
        (
            "The Skerrow ferry sailed on Monday after the storm warning was lifted.",
            "closing clause",
            ["The Skerrow ferry sailed on Monday."],
        ),
        (
            "Almost 4,000 Skerrow ferry crossings last year sailed more than two hours after "
            "they were due.",
            "closing clause",
            [],
        ),
        # A relative clause on what an existential sentence says there is stays ...
        (
            "There is a moment, about an hour into the crossing to Skerrow, when the engines stop "
            "and the whole ferry goes quiet.",
            "relative clause",
            [],
        ),
        # ... one on a year or a place is an aside.
        (
            "The pier reopened in 1990, when the island council bought it from the ferry company.",
            "relative clause",
            ["The pier reopened in 1990."],
        ),
        # Where and when a report was made may go ...
        (
            "The Skerrow ferry board said on Monday that fares would rise again from 1 January.",
            "where it was said",
            ["The Skerrow ferry board said that fares would rise again from 1 January."],
        ),
        # ... but not from a report the parse left without a subject: "the island regulator" is
        # who announced, and cutting it leaves "..., the Office of ..., announced".
        (
            "Skerrow ferry fares are rising again from 1 January, after the island regulator, the "
            "Office of Harbour and Ferry Services (OHFS), announced the latest level of its fare "
            "cap on Thursday.",
            "where it was said",
            [],
        ),
        # ... one that names the speaker stays.
        (f"{_BOATHOUSE}, as police told members at a meeting on Friday.", "closing clause", []),
    ],
)
def test_what_an_aside_carries_goes_with_it_but_not_what_qualifies_the_claim(
    sentence: str, kind: str, left: list[str]
) -> None:
    assert _without(sentence, kind) == left


def test_a_part_after_a_semicolon_needs_a_finite_verb_as_a_deck_does_not() -> None:
    _refused_and_kept(
        "semicolons without a finite verb",
        (
            "Skerrow Ferries takes two new boats; island crossings expected to double by spring.",
            "Skerrow Ferries fares up 8% from April; pensioners hit hardest.",
        ),
        (
            "Skerrow Ferries will close the pier for two years; its boats will dock at the old quay.",
            "Skerrow Ferries cut fares by 8% in April, and pensioners paid least.",
        ),
    )


def test_a_firm_named_for_its_founders_is_no_surname() -> None:
    names = {"Harlow": "Edwin Harlow", "Finch": "Agnes Finch"}
    firm, founder = grammar.parse(
        [
            "Harlow & Finch closed its last ferry office on Skerrow on Thursday.",
            "Harlow opened the first ferry office on Skerrow in 1914.",
        ]
    )
    assert grammar.surnames(firm, names) == {}
    assert grammar.surnames(founder, names) == {0: "Edwin Harlow"}


def test_a_closing_phrase_that_sums_up_the_claim_goes_but_not_one_that_is_part_of_it() -> None:
    # a noun phrase on the verb, or "in a ...", after the finished claim only sums it up
    assert _closing(
        "Skerrow Ferries has agreed to buy two boats from a Norwegian yard for £12 million, a "
        "deal that will double the size of its fleet."
    ) == ["Skerrow Ferries has agreed to buy two boats from a Norwegian yard for £12 million."]
    assert _closing(
        "Skerrow Ferries will merge with Tollmara Ferries, in a deal the unions say could cost "
        "40 jobs."
    ) == ["Skerrow Ferries will merge with Tollmara Ferries."]
    for kept in (
        # one that a negation or a condition is in stays with its claim
        "Skerrow Ferries will merge with Tollmara Ferries, in a deal that will not cost jobs "
        "unless fuel prices rise.",
        # one in the middle of the sentence, or one on a noun (an appositive, not this rule)
        "Skerrow Ferries bought two boats, a deal worth £12 million, from a Norwegian yard.",
        "The council voted, in a meeting on Monday, to close the old Skerrow pier.",
        "The council named its new harbour master, a former ferry captain from Skerrow.",
        # "in" before a place's name is where, not a summing up
        "Ines Darrow was born in 1950, in Skerrow.",
        # one that runs on past a comma may hold the report of the claim
        "The Skerrow pier will close for a year, a move that will cost the island £2 million, "
        "the harbour board said.",
    ):
        assert _closing(kept) == [], kept


def test_a_when_after_a_comma_and_a_time_says_what_happens_then_but_not_what_is_decided() -> None:
    assert _without(
        "Islanders will be able to watch the new Skerrow ferry arrive on Friday morning, when "
        "the harbour band will play it in.",
        "closing clause",
    ) == ["Islanders will be able to watch the new Skerrow ferry arrive on Friday morning."]
    for kept in (
        "The Skerrow board will decide when the new ferries will sail.",
        "Ines Darrow was walking her dog on the Skerrow pier when a wave swept her away.",
    ):
        assert _without(kept, "closing clause", "relative clause") == [], kept


def test_a_verb_of_saying_with_a_thing_for_its_object_keeps_its_phrases() -> None:
    assert _said_where(
        "Ines Darrow told reporters at the pier on Monday that fares would rise."
    ) == ["at the pier on Monday"]
    # "add" and "report" with an object say nothing: their phrases are what happened
    assert _said_where("Skerrow Ferries will add two sailings a day to its winter timetable.") == []
    assert _said_where("Skerrow Ferries reported a loss of £2 million in the third quarter.") == []


def test_an_aside_goes_whole_but_never_leaves_its_participle_alone() -> None:
    sentence = (
        "The sale, announced on Thursday morning, covers the ferry company's piers at Skerrow, "
        "Tollmara, Lerwick, Scalloway and Brae, along with two smaller slipways near Skerrow "
        "harbour."
    )
    doc = grammar.parse([sentence])[0]
    assert any(d.kind == "where it was said" for d in grammar.deletions(doc))
    assert grammar.shortened(doc, 24) is None  # "The sale, announced, covers ..." is no sentence
    assert grammar.shortened(doc, 26) == (sentence, frozenset())
    aside = "The sale, announced on Thursday morning by the Skerrow board, covers two piers."
    doc = grammar.parse([aside])[0]
    short = grammar.shortened(doc, 11)
    assert short is not None and ", announced," not in short[0], short


def test_a_second_action_after_and_may_go_but_not_a_second_event_a_list_or_an_or() -> None:
    assert _without(
        "Five Skerrow piers will close next year after the council approved a budget that cuts "
        "£3 million from spending and raises harbour dues by the maximum allowed.",
        "second action",
    ) == [
        "Five Skerrow piers will close next year after the council approved a budget that cuts "
        "£3 million from spending."
    ]
    for kept in (
        "The ferry sank off Skerrow and 31 people died.",  # a subject of its own: two events
        "Voters in Skerrow approved a plan that will abolish the harbour board, introduce elected "
        "wardens and cap fares.",  # the last of a list
        "Ines Darrow may sell the Skerrow ferry or keep it for another year.",
        "Ines Darrow sold the Skerrow ferry but kept the old pier.",
        # the first action shares its object with the second, or is one of a list
        "Ines Darrow admitted threatening to assault and rob a Skerrow ferry officer.",
        "The crew dropped their ropes, abandoned the Skerrow ferry and ran.",
    ):
        assert _without(kept, "second action") == [], kept


def test_no_deletion_takes_the_report_that_closes_the_sentence() -> None:
    # the parse hangs ", a public inquiry ... heard" on the last noun or inside the last action
    heard = (
        "Skerrow harbour managers repeatedly ignored warnings that understaffing at the pier was "
        "putting lives at risk and later tried to play down the problem to regulators, a public "
        "inquiry into the harbour heard on Wednesday."
    )
    doc = grammar.parse([heard])[0]
    assert [
        d.kind for d in grammar.deletions(doc) if any(doc[i].lower_ == "heard" for i in d.indices)
    ] == []
    # a closing clause whose own words name a report ("the move announced") still goes
    assert _without(
        "Skerrow councillors stressed the vote would not change the pier plan, while the harbour "
        "board condemned the move announced on Monday by Ines Darrow.",
        "closing clause",
    ) == ["Skerrow councillors stressed the vote would not change the pier plan."]
    # an appositive that holds no report still goes
    assert _without(
        "Skerrow harbour managers ignored warnings from Ines Darrow, a former ferry captain.",
        "appositive",
    ) == ["Skerrow harbour managers ignored warnings from Ines Darrow."]


def test_an_aside_on_the_second_of_two_subjects_goes_with_both_its_commas() -> None:
    assert _without(
        "The Skerrow singer, 31, and the harbour master, 34, exchanged vows on Saturday in a "
        "private ceremony on the pier.",
        "appositive",
    ) == [
        "The Skerrow singer, 31, and the harbour master exchanged vows on Saturday in a private "
        "ceremony on the pier."
    ]


def test_where_it_was_said_goes_with_both_commas_but_never_from_inside_what_was_said() -> None:
    # between two commas, both go
    assert _without(
        "The harbour board announced, at a meeting in Skerrow, that the pier would close.",
        "where it was said",
    ) == ["The harbour board announced that the pier would close."]
    # the parse took the claim's subject for a second object: its phrases are the claim's
    assert (
        _said_where(
            "Ines Darrow told councillors the freeze on the fares, in place for more than a decade, "
            'had "run its course".'
        )
        == []
    )


def test_a_closing_list_of_actions_may_keep_its_first_but_never_loses_a_clause_of_its_own() -> None:
    storm = (
        "A storm struck Skerrow before dawn on Sunday, killing two fishermen, injuring 30 people "
        "and leaving the pier in ruins{after}."
    )
    assert _without(storm.format(after=", the coastguard said"), "later actions") == [
        "A storm struck Skerrow before dawn on Sunday, killing two fishermen, the coastguard said."
    ]
    # a clause with its own subject at the end of the list is no action of the storm's
    met = storm.format(after=" as the harbour board met in Lerwick to discuss repairs")
    assert _without(met, "later actions") == []
    # a list hung past its comma goes whole only when nothing the sentence needs follows
    strike = (
        "Thousands of Skerrow workers walked out on Monday in the island's biggest strike in 20 "
        "years, shutting the ferry terminal, closing the schools and halting the buses."
    )
    assert _without(strike, "participle phrase") == [
        "Thousands of Skerrow workers walked out on Monday in the island's biggest strike in 20 "
        "years."
    ]


def test_a_closing_after_clause_goes_whatever_the_parse_calls_it() -> None:
    # the parse takes "after routine checks found ..." for a preposition with a clause inside
    assert _without(
        "Skerrow Pharmaceuticals is recalling 23 batches of its Corvastan blood pressure tablets "
        "after routine quality testing found levels of a chemical impurity above the limit "
        "allowed by regulators, the company said on Friday.",
        "closing clause",
    ) == [
        "Skerrow Pharmaceuticals is recalling 23 batches of its Corvastan blood pressure tablets, "
        "the company said on Friday."
    ]
    # ... but not what a relating verb needs: "comes after ..." says nothing without it
    assert (
        _without(
            "The Skerrow recall comes after routine checks found cracks in the hulls of two boats.",
            "closing clause",
        )
        == []
    )


def test_a_hedge_in_a_closing_with_phrase_is_the_phrase_s_own() -> None:
    assert _closing(
        "A warning for snow has been issued for most of Skerrow, with forecasters warning that "
        "temperatures could fall to -12C later this week."
    ) == ["A warning for snow has been issued for most of Skerrow."]


def test_a_decks_passive_without_its_verb_is_refused_but_a_passive_with_it_is_not() -> None:
    for deck in (
        "Skerrow ferry passengers told to claim refunds at the harbour office, no ticket needed.",
        "Residents urged to stay indoors as smoke spreads across Skerrow.",
    ):
        assert "headline's passive" in (judge(deck) or ""), deck
    for sentence in (
        "Ines Darrow was told to leave the Skerrow pier by the harbour master.",
        "The Skerrow harbour board told ferry passengers to claim refunds at the office.",
    ):
        assert "headline's passive" not in (judge(sentence) or ""), sentence


def test_a_list_the_parse_took_for_an_appositive_stays_but_an_appositive_with_and_goes() -> None:
    assert (
        _without(
            "The Skerrow pier was lined three deep with telescopes, long lenses and people in "
            "waterproofs.",
            "appositive",
        )
        == []
    )
    assert _without(
        "Ines Darrow, a nurse and mother of three, said the Skerrow pier was unsafe.", "appositive"
    ) == ["Ines Darrow said the Skerrow pier was unsafe."]


def test_a_when_clause_is_an_aside_on_a_time_but_not_on_whom_it_happened_to() -> None:
    assert _without(
        "The Skerrow pier reopened in 1990, when the island council bought it from the ferry "
        "company.",
        "relative clause",
    ) == ["The Skerrow pier reopened in 1990."]
    # the parse hangs "when a ferry hit the pier" on "them": it is what happened, and stays
    assert (
        _without(
            "Twelve people were hurt, three of them seriously, when a ferry hit the Skerrow pier "
            "on Saturday evening.",
            "relative clause",
            "closing clause",
        )
        == []
    )


def test_a_when_clause_that_says_which_times_stays_but_one_on_a_day_of_its_own_goes() -> None:
    # "on days when ...": the claim holds only on those days ("rose on days." says nothing)
    for restricted in (
        "Ferry cancellations on Skerrow rose by a third on days when the wind topped 50 knots, "
        "with the smallest boats hit hardest.",
        "Lifeboat call-outs at Skerrow doubled on nights when the fog came in, the harbour board "
        "said.",
    ):
        assert _without(restricted, "closing clause") == [], restricted
    # on a day of its own it tells what happened then, and may go
    assert _without(
        "The Skerrow ferry ran aground on Tuesday when the tide turned early, with 40 passengers "
        "on board.",
        "closing clause",
    ) == ["The Skerrow ferry ran aground on Tuesday."]


def test_no_clause_is_lifted_from_a_gerund_the_parse_misread() -> None:
    # the parse takes "after each meal lowered ..." for a clause on "Climbing"/"Walking": it is
    # the sentence's own predicate, and "Each meal lowered blood pressure" says what it did not
    for misread in (
        "Climbing stairs for just two minutes after each meal lowered blood pressure in Skerrow "
        "pensioners, according to a council study.",
        "Walking for ten minutes after each meal lowered blood pressure in Skerrow pensioners, a "
        "council study found.",
    ):
        doc = grammar.parse([misread])[0]
        assert any(t.dep_ == "advcl" and t.head.tag_ == "VBG" for t in doc), misread
        assert grammar.embedded_clauses(doc) == [], misread
    # a clause on a verb in a tense is still lifted, a gerund with its auxiliary included
    for finite in (
        "Fans were dismayed on Monday after conductor Ilse Marken announced she will step down.",
        "Fans were leaving the hall on Monday after conductor Ilse Marken announced she will step "
        "down.",
    ):
        doc = grammar.parse([finite])[0]
        assert grammar.embedded_clauses(doc) == [
            "Conductor Ilse Marken announced she will step down."
        ], finite
    assert grammar.parse([finite])[0][2].tag_ == "VBG"  # "leaving", with "were"


def test_a_clause_whose_list_lost_its_end_is_not_lifted_but_a_whole_list_is() -> None:
    # the parse gives "and said it would close nine shops" to "fell": the clause would end on
    # "..., cut its forecast for next year."
    cut = grammar.parse(
        [
            "Shares in Harwick Foods fell more than 7 per cent on Tuesday after the bakery chain "
            "reported a 12 per cent drop in annual profits, cut its forecast for next year and "
            "said it would close nine shops."
        ]
    )[0]
    assert next(t for t in cut if t.text == "said").head.text == "fell"
    assert grammar.embedded_clauses(cut) == []
    whole = grammar.parse(
        [
            "Shares in Skerrow Ferries rose 9 per cent on Monday after the company sold two boats, "
            "cut its debt and raised its dividend."
        ]
    )[0]
    assert grammar.embedded_clauses(whole) == [
        "The company sold two boats, cut its debt and raised its dividend."
    ]


def test_a_closing_after_clause_the_parse_hung_on_a_relative_clause_goes_but_not_a_when() -> None:
    assert _without(
        "Skerrow Rovers is to leave the ground it has called home for 126 years after members "
        "voted to sell it to a housebuilder for £3 million.",
        "closing clause",
    ) == ["Skerrow Rovers is to leave the ground it has called home for 126 years."]
    # on a participle it says how it came about: "trapped after a gallery collapsed" stays
    assert (
        _without(
            "Rescue teams drilled through the night to reach 23 miners trapped more than 300 "
            "metres underground after a gallery collapsed at the Skerrow tin mine.",
            "closing clause",
        )
        == []
    )
    # in a relative clause, "when" may be its condition: it stays
    assert (
        _without(
            "Skerrow has a harbour rule that applies when a ferry is late by more than an hour.",
            "closing clause",
        )
        == []
    )


def test_who_makes_its_noun_a_person_and_a_negation_in_an_asides_own_clause_goes_with_it() -> None:
    steward = (
        "A former Skerrow harbour steward who took more than £38,000 - including claims for "
        "journeys he never made - has been jailed for 20 months."
    )
    assert judge(steward) is None  # "he" is the steward: "who" says the steward is a person
    assert _without(steward, "dashed aside") == [
        "A former Skerrow harbour steward who took more than £38,000 has been jailed for 20 months."
    ]
    # "which" says nothing of a person; a "not" of the aside itself limits the claim and stays
    fund = steward.replace("harbour steward who took", "harbour fund which paid").replace(
        "been jailed for 20 months", "closed"
    )
    assert "'he'" in (judge(fund) or "")
    assert (
        _without(
            "Skerrow Ferries employs 400 people - not counting contractors - across the islands.",
            "dashed aside",
        )
        == []
    )


def test_a_closing_after_phrase_goes_beside_a_figure_but_a_during_phrase_does_not() -> None:
    assert _without(
        "An experienced Skerrow climber fell almost 40 metres to his death after a piece of "
        "protective equipment pulled out of a crack in the rock, an inquest has heard.",
        "closing phrase",
    ) == [
        "An experienced Skerrow climber fell almost 40 metres to his death, an inquest has heard."
    ]
    # "during" may say where the figure holds
    assert (
        _without(
            "Skerrow Ferries carried 40,000 passengers during the summer festival.",
            "closing phrase",
        )
        == []
    )


def test_no_deletion_takes_an_according_to_that_closes_the_sentence() -> None:
    doc = grammar.parse(
        [
            "The Skerrow harbour fund lost £1.3m last year after a string of bets on property "
            "went wrong, according to accounts published on Friday."
        ]
    )[0]
    assert not any(
        any(doc[i].lower_ == "according" for i in d.indices) for d in grammar.deletions(doc)
    )


def test_the_police_word_for_a_plain_event_may_go_with_a_closing_clause() -> None:
    trooper = (
        "A state trooper stopped the ferry bus carrying Ines Darrow and five other people on the "
        "Skerrow coast road on Saturday because it wasn't displaying its permit stickers, "
        "according to {source}."
    )
    assert _without(trooper.format(source="Skerrow Highway Patrol"), "closing clause") == [
        "A state trooper stopped the ferry bus carrying Ines Darrow and five other people on the "
        "Skerrow coast road on Saturday."
    ]
    # a claim's own source stays
    assert _without(trooper.format(source="a lawyer for Ines Darrow"), "closing clause") == []


def test_where_a_named_person_is_from_is_an_aside_but_not_from_when() -> None:
    pryce = (
        "Agnes Pryce, from {where}, was one of about 2,000 people left without power on Sunday "
        "after a fire broke out at a substation."
    )
    assert _without(pryce.format(where="the Westmoor estate in Skerrow"), "appositive") == [
        "Agnes Pryce was one of about 2,000 people left without power on Sunday after a fire "
        "broke out at a substation."
    ]
    assert _without(pryce.format(where="next week"), "appositive") == []  # a time is no aside


def test_the_clause_of_a_there_is_sentence_is_what_it_says_and_stays() -> None:
    moment = (
        "There is a moment about halfway through the Skerrow crossing when everything the crew "
        "has been waiting for arrives at once: the engines stop, the gulls go quiet and the "
        "island appears."
    )
    assert _without(moment, "closing clause") == []
    # without "there is", the closing clause of time goes as before
    assert _without(
        "The Skerrow pier reopened on Monday after the harbour board found the money for its "
        "repairs.",
        "closing clause",
    ) == ["The Skerrow pier reopened on Monday."]


def test_what_a_source_is_may_go_but_not_who_made_it() -> None:
    # what the study is about, or what it adds, is no part of who says so
    assert _without(
        "Skerrow's ferry crossings fell by a third last winter, according to the most detailed "
        "study yet of the island's transport.",
        "source's detail",
    ) == [
        "Skerrow's ferry crossings fell by a third last winter, according to the most detailed "
        "study yet."
    ]
    assert _without(
        "Skerrow's ferry crossings fell by a third, according to a report which warns that the "
        "island's harbour is silting up.",
        "source's detail",
    ) == ["Skerrow's ferry crossings fell by a third, according to a report."]
    refused = [
        # who made it is who the claim rests on
        "Skerrow's ferry crossings fell by a third, according to figures from the harbour board.",
        "Skerrow's ferry crossings fell by a third, according to a report published by the board.",
        "Skerrow's ferry crossings fell by a third, according to the annual figures of the harbour "
        "board.",
        # a name's "of" is the name ("the Department of Transport")
        "Skerrow's ferry crossings fell by a third, according to the Skerrow Department of "
        "Harbours.",
        # "one of the largest studies" is not "one"; "results" and "the figures" say nothing alone
        "Skerrow's ferry crossings fell by a third, according to results of a survey published on "
        "Monday.",
        "Skerrow's ferry crossings fell by a third, according to the figures for the winter.",
        "Skerrow's ferry crossings fell by a third, according to one of the largest studies.",
        # a superlative needs its "yet": "the most detailed survey" of what, and when?
        "Skerrow's ferry crossings fell by a third, according to the most detailed survey of the "
        "island's harbours yet published.",
        # nor may it lose its kind: "the largest survey" there is, "the first study" ever
        "Skerrow's ferry crossings fell by a third, according to the largest survey of its kind.",
        "Skerrow's ferry crossings fell by a third, according to the first study of its kind.",
        # a "yet" the parse puts inside the phrase would go with it
        "Skerrow's ferry crossings fell by a third, according to the largest study yet of how the "
        "harbour has silted up.",
    ]
    for sentence in refused:
        assert _without(sentence, "source's detail") == [], sentence
