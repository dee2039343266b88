"""The guards on generated bullets: hostile rewrites are rejected, faithful ones accepted."""

from __future__ import annotations

import pytest

from digest.summarize.guards import Rejections, check_bullet, sentence_problem
from digest.summarize.sentences import split_sentences

ARTICLE = (
    "Harbour Air will not resume flights to Kestrel Island unless the regional government "
    "guarantees the safety of its pilots, the airline said on Tuesday. "
    "The company grounded its six seaplanes in March after a crash that injured two passengers. "
    "Mayor Lena Ortiz argued that the ban was hurting the island's tourism. "
    'Ortiz called the decision "a blow to every family on the island." '
    "Investigators said the crash may have been caused by a faulty fuel pump. "
    "The airline employs about 40 people on the island, and it has not said when the review "
    "will end."
)
FLIGHTS, GROUNDED, ORTIZ, QUOTE, PUMP, STAFF = split_sentences(ARTICLE)


@pytest.mark.parametrize(
    ("source", "bullet", "category"),
    [
        # an invented number, as a word and in digits
        (GROUNDED, "The company grounded its seven seaplanes in March after a crash.", "number"),
        (GROUNDED, "The company grounded its 12 seaplanes in March after a crash.", "number"),
        # a dropped "not" turns the news around; so does an added one
        (
            FLIGHTS,
            "Harbour Air will resume flights to Kestrel Island unless the government guarantees "
            "pilots' safety, the airline said.",
            "negation",
        ),
        (GROUNDED, "The company has not grounded its six seaplanes since March.", "negation"),
        # a name that is nowhere in the article
        (
            GROUNDED,
            "The company grounded its six seaplanes in March after a crash near Victoria.",
            "name",
        ),
        # the mayor's opinion given as the digest's own fact
        (ORTIZ, "The ban was hurting the island's tourism.", "attribution"),
        # the condition the decision depends on, dropped
        (
            FLIGHTS,
            "Harbour Air will not resume flights to Kestrel Island, the airline said.",
            "condition",
        ),
        # a hedge dropped: a possible cause becomes the cause
        (PUMP, "Investigators said a faulty fuel pump caused the crash.", "hedge"),
        (
            STAFF,
            "The airline employs 40 people on the island and has not said when the review ends.",
            "hedge",
        ),
        # a quotation altered inside its marks
        (QUOTE, 'Ortiz called the decision "a blow to the island."', "quotation"),
        # a date the article does not give
        (GROUNDED, "The company grounded its six seaplanes yesterday after a crash.", "date"),
        # a word the sentence does not have: colour the model made up
        (
            GROUNDED,
            "The company grounded its six seaplanes in March after a deadly crash.",
            "words",
        ),
        # a dangling opening pronoun, and over the length limit
        (
            GROUNDED,
            "It grounded its six seaplanes in March after a crash that injured two passengers.",
            "dangling",
        ),
        (FLIGHTS, FLIGHTS, "length"),
    ],
)
def test_hostile_rewrites_are_rejected(source: str, bullet: str, category: str) -> None:
    reason = check_bullet(bullet, source, ARTICLE, 20)
    assert reason is not None and reason.split(":")[0] == category, reason


SANDERS = (
    "Deion Sanders is not one to hold back. The NFL legend called out Deion Sanders Jr. on "
    'Twitter for saying he only eats "hood doughnuts." Sanders followed it up with a tweet '
    'that included the hashtags #versacesheets and #Trustfund. "The rubber insulation is on '
    'fire," Tass reported. One form of service is "nail and mail," Tass reported.'
)


@pytest.mark.parametrize(
    ("bullet", "category"),
    [
        # who did what to whom, swapped: the son becomes the one who called out
        (
            'Deion Sanders Jr. called out Deion Sanders for saying he only eats "hood doughnuts."',
            "roles",
        ),
        # a quotation given as the digest's own words (the speaker kept, the marks dropped)
        ("The rubber insulation is on fire, Tass reported.", "quotation"),
        # scare quotes dropped, and a named speaker turned into "he"
        ("One form of service is nail and mail, Tass reported.", "quotation"),
        ('"The rubber insulation is on fire," he reported.', "dangling"),
        ("Sanders followed it up with a tweet, he said.", "dangling"),
        # a surname alone in a short sentence that names nothing else: who is Sanders?
        (
            "Sanders followed it up with a tweet that included the hashtag #versacesheets.",
            "dangling",
        ),
        # a word altered into another one
        ("Sanders followed it up with a tweet with the hashtag #versaillesheets.", "words"),
    ],
)
def test_changed_roles_quotes_and_words_are_rejected(bullet: str, category: str) -> None:
    source = min(
        split_sentences(SANDERS),
        key=lambda s: -len(set(bullet.lower().split()) & set(s.lower().split())),
    )
    reason = check_bullet(bullet, source, SANDERS, 20)
    assert reason is not None and reason.startswith(category), (reason, source)


@pytest.mark.parametrize(
    "bullet",
    [
        # the description resolved to the name it stands for
        'Deion Sanders called out Deion Sanders Jr. for saying he only eats "hood doughnuts."',
        'One form of service is "nail and mail," Tass reported.',
    ],
)
def test_resolved_subjects_and_kept_quotes_are_accepted(bullet: str) -> None:
    source = min(
        split_sentences(SANDERS),
        key=lambda s: -len(set(bullet.lower().split()) & set(s.lower().split())),
    )
    assert check_bullet(bullet, source, SANDERS, 20) is None


def test_a_subject_keeps_its_article() -> None:
    source = "Recently, a New York judge allowed divorce papers to be served via Facebook."
    bare = "New York judge allowed divorce papers to be served via Facebook."
    reason = check_bullet(bare, source, source, 20)
    assert reason is not None and reason.startswith("fragment")
    assert check_bullet(f"A {bare}", source, source, 20) is None


def test_a_self_description_is_not_given_as_fact() -> None:
    source = (
        "The Elm Park zoo, which bills itself as the oldest in the state, reopened its gates on "
        "Monday."
    )
    reason = check_bullet("The Elm Park zoo is the oldest in the state.", source, source, 20)
    assert reason is not None and reason.startswith("attribution")
    kept = "The Elm Park zoo, which bills itself as the oldest in the state, reopened its gates."
    assert check_bullet(kept, source, source, 20) is None


@pytest.mark.parametrize(
    ("source", "bullet"),
    [
        (
            FLIGHTS,
            "Harbour Air will not resume Kestrel Island flights unless the government guarantees "
            "its pilots' safety, the airline said.",
        ),
        # a name from elsewhere in the article makes the bullet standalone
        (
            GROUNDED,
            "Harbour Air grounded its six seaplanes in March after a crash injured two passengers.",
        ),
        # a number in digits for a number word
        (
            GROUNDED,
            "Harbour Air grounded 6 seaplanes in March after a crash that injured two passengers.",
        ),
        (ORTIZ, "Mayor Lena Ortiz argued the ban was hurting tourism on the island."),
        (PUMP, "Investigators said a faulty fuel pump may have caused the Kestrel Island crash."),
    ],
)
def test_faithful_paraphrases_are_accepted(source: str, bullet: str) -> None:
    assert check_bullet(bullet, source, ARTICLE, 20) is None


def test_write_mode_checks_markers_against_the_closest_lead_sentence() -> None:
    lead = " ".join([FLIGHTS, GROUNDED, ORTIZ])
    # from the lead, faithful
    assert (
        check_bullet(
            "Mayor Lena Ortiz argued the ban was hurting tourism.", lead, ARTICLE, 20, lead=lead
        )
        is None
    )
    # the same claim as fact: its closest sentence is the mayor's, which had a speaker
    reason = check_bullet("The ban was hurting the island's tourism.", lead, ARTICLE, 20, lead=lead)
    assert reason is not None and reason.startswith("attribution")
    # a word from outside the lead (the fuel pump is further down)
    reason = check_bullet(
        "A faulty fuel pump grounded the six seaplanes.", lead, ARTICLE, 20, lead=lead
    )
    assert reason is not None and reason.startswith("words")


@pytest.mark.parametrize(
    ("bullet", "category"),
    [
        ("He said the plan had failed after two years.", "dangling"),
        ('"He lied," the mayor said after the council meeting.', "dangling"),
        ("Their plan failed after two years of delays.", "dangling"),
        ("It's now classified as a tropical storm by the weather service.", "dangling"),
        ("Was opened in 1990 and is still run by the family.", "fragment"),
        ("The rule was written to stop landlords", "fragment"),
        ("the council approved the budget on Monday.", "fragment"),
        ("A record harvest for the region this autumn.", "fragment"),
        ("The council met. It approved the budget.", "fragment"),
    ],
)
def test_sentence_problem_refuses_fragments_and_dangling_openings(
    bullet: str, category: str
) -> None:
    reason = sentence_problem(bullet)
    assert reason is not None and reason.startswith(category), reason


@pytest.mark.parametrize(
    "bullet",
    [
        "The island council approved the budget on Monday.",
        "Martin O'Malley and Jim Webb share little in common.",
        "Prices rose 4% in May, the fastest rise in a decade.",
        'The mayor of Kestrel said "we will rebuild" after the flood.',
    ],
)
def test_sentence_problem_accepts_complete_sentences(bullet: str) -> None:
    assert sentence_problem(bullet) is None


def test_rejections_are_counted_by_category() -> None:
    rejections = Rejections()
    rejections.add("number: '7' is not in the article", "bullet one")
    rejections.add("number: '12' is not in the article", "bullet two")
    rejections.add("negation: 'not' was dropped", "bullet three")
    rejections.add(None)
    assert rejections.counts == {"number": 2, "negation": 1}
    assert rejections.accepted == 1
    assert rejections.summary() == "1 accepted, 3 rejected (number 2, negation 1)"


@pytest.mark.parametrize(
    ("bullet", "reason"),
    [
        # the editorial judge of every extractive bullet applies to generated ones too
        ('"The rubber insulation is on fire," Tass reported.', "quotation"),
        ("The company grounded its six seaplanes in March.", "names nobody"),
        ("Harbour Air rejected this plan at a meeting on Monday.", "points at"),
    ],
)
def test_the_editorial_judge_applies_to_generated_bullets(bullet: str, reason: str) -> None:
    problem = sentence_problem(bullet)
    assert problem is not None and reason in problem, problem
    assert sentence_problem(bullet, deep=False) is None
