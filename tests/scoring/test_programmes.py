"""The programmes' pure rules: check-in codes and windows, quiz grading, the drawing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scoring.drawings import (
    PER_POINTS,
    Candidate,
    Eligibility,
    Entry,
    commitment,
    draw_order,
    tickets,
)
from app.scoring.programmes import (
    CODE_ALPHABET,
    Question,
    check_in_refusal,
    check_in_window,
    grade,
    new_code,
    normalize_code,
)


def test_codes_avoid_lookalikes_and_read_back_in_any_case():
    assert not set("0O1lI") & set(CODE_ALPHABET)
    code = new_code()
    assert len(code) == 8 and set(code) <= set(CODE_ALPHABET)
    assert normalize_code(f" {code[:4].lower()}-{code[4:]} ") == code
    assert normalize_code("ABCD2O45") is None  # an O is never in a code
    assert normalize_code("ABC") is None


def test_the_window_opens_and_closes_with_the_grace():
    start = datetime(2026, 11, 17, 6, tzinfo=UTC)
    window = check_in_window(start, start + timedelta(hours=2), 30)
    assert check_in_refusal(window, start - timedelta(minutes=31)) == "not-open-yet"
    assert check_in_refusal(window, start - timedelta(minutes=30)) is None
    assert check_in_refusal(window, start + timedelta(hours=2, minutes=30)) is None
    assert check_in_refusal(window, start + timedelta(hours=2, minutes=31)) == "closed"


def test_a_question_counts_only_with_exactly_its_right_options():
    qs = [Question(3, frozenset({0})), Question(3, frozenset({0, 1}))]
    assert grade(qs, [frozenset({0}), frozenset({0, 1})], 100).passed
    half = grade(qs, [frozenset({0}), frozenset({0})], 60)
    assert (half.score, half.percent, half.passed, half.correct) == (1, 50, False, (True, False))
    with pytest.raises(ValueError):
        grade(qs, [frozenset({0})], 50)
    with pytest.raises(ValueError):
        grade(qs, [frozenset({0}), frozenset({5})], 50)


def test_tickets_follow_the_eligibility_rules():
    rule = Eligibility(frozenset({"adults"}), 50, True, False, True, PER_POINTS, 20)
    base = Candidate(1, "adults", 130, True, False, False)
    assert tickets(base, rule) == 6
    assert tickets(Candidate(1, "kids", 130, True, False, False), rule) == 0
    assert tickets(Candidate(1, "adults", 40, True, False, False), rule) == 0
    assert tickets(Candidate(1, "adults", 130, False, False, False), rule) == 0
    assert tickets(Candidate(1, "adults", 130, True, False, True), rule) == 0


@given(
    st.lists(st.integers(1, 20), min_size=1, max_size=30),
    st.text(alphabet="0123456789abcdef", min_size=8, max_size=64),
)
def test_the_draw_is_a_deterministic_order_without_repeats(weights, seed):
    entries = [Entry(i + 1, w) for i, w in enumerate(weights)]
    order = draw_order(entries, seed, len(entries))
    assert sorted(order) == [e.entry_no for e in entries]
    assert draw_order(list(reversed(entries)), seed, len(entries)) == order
    assert draw_order(entries, seed, 2) == order[:2]


def test_heavier_entries_are_drawn_first_more_often():
    entries = [Entry(1, 1), Entry(2, 9)]
    firsts = [draw_order(entries, f"{i:064x}", 1)[0] for i in range(400)]
    assert 300 < firsts.count(2) < 400  # about 90%
    assert commitment("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
