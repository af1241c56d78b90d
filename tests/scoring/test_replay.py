"""Replay for `rescore`, and the compensating rows that bring a ledger to the replayed awards."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring import (
    BONUS_FINISHED,
    BONUS_STREAK,
    READING_MINUTES,
    READING_PAGES,
    Award,
    CountedLog,
    Rules,
    reconcile,
    replay,
)

from .simulate import Entry, Member, entries, rules_strategy

DAY = date(2024, 11, 1)


def counted(
    log_id: int,
    day: int,
    pages: int = 0,
    minutes: int = 0,
    *,
    finished: bool = False,
    book_id: int = 1,
    multiplier: int = 1,
) -> CountedLog:
    return CountedLog(
        log_id, DAY + timedelta(days=day), pages, minutes, finished, book_id, multiplier
    )


def test_replay_of_three_days() -> None:
    logs = [
        counted(1, 0, pages=10),
        counted(2, 1, minutes=3),
        counted(3, 1, minutes=1),
        counted(4, 2, pages=5, finished=True, multiplier=2),
        counted(5, 2, pages=5, finished=True),
    ]
    assert replay(logs, Rules()) == {
        1: (Award(READING_PAGES, 10),),
        2: (Award(READING_MINUTES, 1),),
        3: (Award(READING_MINUTES, 1),),
        4: (Award(READING_PAGES, 10), Award(BONUS_FINISHED, 20), Award(BONUS_STREAK, 5)),
        5: (Award(READING_PAGES, 5),),
    }


def test_a_back_dated_log_does_not_give_later_days_a_streak_after_the_fact() -> None:
    # day 2 counted before day 1 was filled in: day 2 had no streak when it counted
    logs = [
        counted(1, 0, pages=1),
        counted(2, 2, pages=1),
        counted(3, 1, pages=1),
        counted(4, 2, pages=1),
    ]
    assert replay(logs, Rules())[4] == (Award(READING_PAGES, 1),)
    # day 3 counts after days 0..2 are all there: the fourth day in a row
    assert replay([*logs, counted(5, 3, pages=1)], Rules())[5][-1] == Award(BONUS_STREAK, 10)


def test_replay_refuses_a_log_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        replay([counted(1, 0, pages=1), counted(1, 1, pages=1)], Rules())


def test_replay_of_nothing() -> None:
    assert replay([], Rules()) == {}


def test_reconcile_books_the_difference_per_rule() -> None:
    booked = {
        1: [Award(READING_PAGES, 10), Award(BONUS_STREAK, 5)],
        2: [Award(READING_PAGES, 3)],
        3: [Award(READING_PAGES, 7), Award(READING_PAGES, -7)],  # already compensated
    }
    expected = {
        1: (Award(READING_PAGES, 10),),
        2: (Award(READING_PAGES, 3), Award(BONUS_STREAK, 5)),
    }
    assert reconcile(booked, expected) == {
        1: (Award(BONUS_STREAK, -5),),
        2: (Award(BONUS_STREAK, 5),),
    }
    assert reconcile(expected, expected) == {}


@settings(max_examples=60, deadline=None)
@given(
    rules=rules_strategy,
    logs=st.lists(entries(days=5), min_size=1, max_size=20),
    data=st.data(),
)
def test_after_a_deletion_reconcile_leaves_the_ledger_equal_to_a_rescore(
    rules: Rules, logs: list[Entry], data: st.DataObject
) -> None:
    member = Member(rules)
    for log_id, entry in enumerate(logs):
        member.score(log_id, entry, reviewed=True)
    ledger: dict[int, list[Award]] = {i: list(a) for i, _, a in member.counted}
    gone = data.draw(st.sampled_from(sorted(ledger)))
    member.counted = [row for row in member.counted if row[0] != gone]
    expected = replay(member.counted_logs(), rules)
    for log_id, rows in reconcile(ledger, expected).items():
        ledger.setdefault(log_id, []).extend(rows)

    def net(rows: list[Award]) -> dict[str, int]:
        sums: dict[str, int] = {}
        for award in rows:
            sums[award.rule_code] = sums.get(award.rule_code, 0) + award.amount
        return {code: amount for code, amount in sums.items() if amount}

    assert net(ledger.pop(gone)) == {}
    assert {i: net(rows) for i, rows in ledger.items()} == {
        i: net(list(awards)) for i, awards in expected.items()
    }
