"""The catalogue of named problems: every kind worded in every language, the language
chosen by Accept-Language (Indonesian by default), the JSON shape unchanged."""

from __future__ import annotations

import string

import pytest

from app.core.i18n import negotiate
from app.core.problem_catalogue import CATALOGUES, KINDS
from app.core.problems import Problem, body_of, problem


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_kind_is_worded_in_every_language_with_the_same_parameters():
    assert set(CATALOGUES.languages()) >= {"id", "en"}
    english = CATALOGUES.get("en")
    for language in CATALOGUES.languages():
        texts = CATALOGUES.get(language)
        for name, kind in KINDS.items():
            assert name in texts.details, (language, name)
            assert kind.slug in texts.titles, (language, kind.slug)
            assert _fields(texts.details[name]) == _fields(english.details[name]), name
        # Nothing worded that is not a kind, and every language names the same things.
        assert set(texts.details) == set(KINDS), language
        assert set(texts.titles) == set(english.titles), language
        assert set(texts.terms) == set(english.terms), language
        assert set(texts.field_messages) == set(english.field_messages), language
        for code, template in texts.field_messages.items():
            assert _fields(template) == _fields(english.field_messages[code]), code


def test_the_two_languages_differ_where_words_are_said():
    indonesian, english = CATALOGUES.get("id"), CATALOGUES.get("en")
    same = [k for k in KINDS if indonesian.details[k] == english.details[k]]
    assert same == [], same


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "id"),
        ("", "id"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr-FR,en;q=0.5", "en"),
        ("en;q=0.3,id;q=0.7", "id"),
        ("id;q=0,en;q=0.1", "en"),
        ("en;q=0", "id"),
        ("fr", "id"),
        ("*", "id"),
        ("en;q=banana", "id"),
    ],
)
def test_accept_language_picks_the_language(header, language):
    assert negotiate(header, CATALOGUES.languages()) == language


def test_a_named_problem_keeps_its_shape_in_both_languages():
    exc = problem("reading.read-on-too-old", read_on="2026-11-23", days=8, limit=7)
    indonesian, english = body_of(exc, "id"), body_of(exc, "en")
    assert indonesian == {
        "type": "urn:bacaquest:problem:validation",
        "title": "Isian tidak valid",
        "status": 422,
        "detail": "Tanggal baca 2026-11-23 sudah lewat 8 hari; batasnya 7 hari.",
        "errors": [
            {
                "field": "read_on",
                "message": "Tanggal baca 2026-11-23 sudah lewat 8 hari; batasnya 7 hari.",
            }
        ],
    }
    assert english["detail"] == (
        "The reading date 2026-11-23 is 8 days ago; this library allows at most 7 days back."
    )
    assert english["title"] == "Invalid input"
    assert set(english) == set(indonesian)


def test_a_literal_problem_keeps_its_detail_and_gets_a_worded_title():
    exc = Problem(409, "started", "Some detail.")
    assert body_of(exc, "id")["title"] == "Sudah dimulai"
    assert body_of(exc, "en")["title"] == "Already started"
    assert body_of(exc, "en")["detail"] == "Some detail."


def test_a_language_is_one_registered_catalogue():
    from app.core.problem_catalogue import ProblemTexts

    english = CATALOGUES.get("en")
    CATALOGUES.register(
        "jv",
        ProblemTexts(
            titles=dict(english.titles, **{"challenge-over": "Tantangan wis rampung"}),
            details=dict(english.details, **{"challenge.over": "Tantangan iki wis rampung."}),
            terms=english.terms,
            field_messages=english.field_messages,
        ),
    )
    try:
        assert negotiate("jv, id;q=0.5", CATALOGUES.languages()) == "jv"
        body = body_of(problem("challenge.over"), "jv")
        assert body["title"] == "Tantangan wis rampung"
        assert body["detail"] == "Tantangan iki wis rampung."
    finally:
        CATALOGUES.unregister("jv")
    assert "jv" not in CATALOGUES.languages()
