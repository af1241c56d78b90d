"""Properties of the engine over random logs and random (in-bounds) library settings."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring import (
    ACCEPTED,
    BONUS_CODES,
    PENDING_REVIEW,
    READING_CODES,
    READING_MINUTES,
    REASON_DAILY_CAP_MINUTES,
    REASON_DAILY_CAP_PAGES,
    REASON_DAILY_CAP_POINTS,
    REASON_TOO_FAST,
    DayState,
    LogInput,
    Rules,
    count_log,
    replay,
    score_log,
    streak_bonus,
    streak_changes,
)

from .simulate import BASE_DAY, Entry, Member, entries, rules_strategy

FAST = settings(max_examples=100, deadline=None)
# the multi-log simulations cost ~10-20 ms an example; 60 keeps tests/scoring under ~15 s
SLOW = settings(max_examples=60, deadline=None)

log_inputs = st.builds(
    LogInput,
    pages=st.integers(0, 800),
    minutes=st.integers(0, 800),
    first_finish=st.booleans(),
    multiplier=st.integers(1, 10),
)


@st.composite
def day_states(draw: st.DrawFn) -> DayState:
    minutes = draw(st.integers(0, 800))
    return DayState(
        pages=draw(st.integers(0, 800)),
        minutes=minutes,
        loose_minutes=draw(st.integers(0, minutes)),
        points=draw(st.integers(0, 2000)),
        logs=draw(st.integers(0, 5)),
        streak_before=draw(st.integers(0, 20)),
    )


@FAST
@given(log=log_inputs, day=day_states(), rules=rules_strategy)
def test_an_outcome_is_the_sum_of_its_awards(log: LogInput, day: DayState, rules: Rules) -> None:
    outcome = score_log(log, day, rules)
    assert outcome.points == sum(a.amount for a in outcome.awards)
    assert outcome.reading_points + outcome.bonus_points == outcome.points
    assert all(a.amount > 0 for a in outcome.awards)
    assert all(a.rule_code in READING_CODES | BONUS_CODES for a in outcome.awards)
    assert len({a.rule_code for a in outcome.awards}) == len(outcome.awards)


@FAST
@given(log=log_inputs, day=day_states(), rules=rules_strategy)
def test_awards_do_not_depend_on_the_status(log: LogInput, day: DayState, rules: Rules) -> None:
    live = score_log(log, day, rules)
    reviewed = score_log(log, day, rules, reviewed=True)
    assert reviewed.status == ACCEPTED and reviewed.reasons == ()
    assert live.awards == reviewed.awards
    assert (live.status == PENDING_REVIEW) == bool(live.reasons)


# The caps are tested at their edges: each generator builds a log that lands exactly on the
# cap (delta 0, accepted), one under or one over it, so "at the cap" and "past it" both occur
# in every run. The expected answer comes from the construction, not from the engine's test.
edge = st.integers(-1, 1)


@FAST
@given(rules=rules_strategy, before=st.integers(0, 10_000), delta=edge, streak=st.integers(0, 9))
def test_pages_up_to_the_daily_cap_pass_and_one_more_waits(
    rules: Rules, before: int, delta: int, streak: int
) -> None:
    before = min(before, rules.daily_cap_pages)
    pages = rules.daily_cap_pages - before + delta
    if pages < 1:
        return
    # a day already holding `before` pages, and no points or speed cap in the way
    roomy = replace(rules, daily_cap_points=1_000_000, daily_cap_minutes=1_440)
    day = DayState(pages=before, logs=1 if before else 0, streak_before=streak)
    outcome = score_log(LogInput(pages=pages, minutes=0, first_finish=False), day, roomy)
    assert (REASON_DAILY_CAP_PAGES in outcome.reasons) == (delta > 0)
    assert outcome.reasons == ((REASON_DAILY_CAP_PAGES,) if delta > 0 else ())


@FAST
@given(rules=rules_strategy, before=st.integers(0, 1_440), delta=edge)
def test_minutes_up_to_the_daily_cap_pass_and_one_more_waits(
    rules: Rules, before: int, delta: int
) -> None:
    before = min(before, rules.daily_cap_minutes)
    minutes = rules.daily_cap_minutes - before + delta
    if minutes < 1:
        return
    roomy = replace(rules, daily_cap_points=1_000_000)
    day = DayState(minutes=before, loose_minutes=before, logs=1 if before else 0)
    outcome = score_log(LogInput(pages=0, minutes=minutes, first_finish=False), day, roomy)
    assert outcome.reasons == ((REASON_DAILY_CAP_MINUTES,) if delta > 0 else ())


@FAST
@given(log=log_inputs, day=day_states(), rules=rules_strategy, delta=edge)
def test_points_up_to_the_daily_cap_pass_and_one_more_waits(
    log: LogInput, day: DayState, rules: Rules, delta: int
) -> None:
    # Only the points cap may bind: pages, minutes and speed caps out of the way.
    roomy = replace(rules, daily_cap_pages=10_000, daily_cap_minutes=1_440, max_pages_per_minute=60)
    log = replace(log, pages=min(log.pages, 60 * log.minutes) if log.minutes else log.pages)
    if day.minutes + log.minutes > roomy.daily_cap_minutes:
        return  # the day's minutes would bind before the points cap
    if day.pages + log.pages > roomy.daily_cap_pages:
        return
    points = score_log(log, replace(day, points=0), roomy).points
    if points == 0:
        return
    cap = day.points + points - delta  # delta 1: one point over the cap
    if not 1 <= cap <= 1_000_000:
        return
    outcome = score_log(log, day, replace(roomy, daily_cap_points=cap))
    assert outcome.points == points  # the day's points do not change the awards
    assert outcome.reasons == ((REASON_DAILY_CAP_POINTS,) if delta > 0 else ())


@FAST
@given(rules=rules_strategy, minutes=st.integers(1, 60), delta=edge)
def test_reading_faster_than_the_speed_limit_waits(rules: Rules, minutes: int, delta: int) -> None:
    pages = rules.max_pages_per_minute * minutes + delta
    roomy = replace(
        rules, daily_cap_pages=10_000, daily_cap_minutes=1_440, daily_cap_points=1_000_000
    )
    outcome = score_log(
        LogInput(pages=pages, minutes=minutes, first_finish=False), DayState(), roomy
    )
    assert outcome.reasons == ((REASON_TOO_FAST,) if delta > 0 else ())


@FAST
@given(log=log_inputs, day=day_states(), rules=rules_strategy)
def test_pending_exactly_when_there_is_a_reason(log: LogInput, day: DayState, rules: Rules) -> None:
    outcome = score_log(log, day, rules)
    assert (outcome.status == PENDING_REVIEW) == bool(outcome.reasons)
    assert len(set(outcome.reasons)) == len(outcome.reasons)


@FAST
@given(
    rules=rules_strategy,
    day=st.lists(entries(), min_size=1, max_size=12),
    streak=st.integers(0, 15),
)
def test_auto_accepted_logs_never_exceed_a_daily_cap(
    rules: Rules, day: list[Entry], streak: int
) -> None:
    state = DayState(streak_before=streak)
    pages = minutes = points = 0
    for entry in day:
        log = LogInput(entry.pages, entry.minutes, entry.finished, entry.multiplier)
        outcome = score_log(log, state, rules)
        if outcome.status == ACCEPTED:
            state = count_log(state, log, outcome)
            pages += entry.pages
            minutes += entry.minutes
            points += outcome.points
    assert pages <= rules.daily_cap_pages
    assert minutes <= rules.daily_cap_minutes
    assert points <= rules.daily_cap_points
    assert (state.pages, state.minutes, state.points) == (pages, minutes, points)


@FAST
@given(
    rules=rules_strategy,
    chunks=st.lists(st.integers(1, 200), min_size=1, max_size=15),
    multiplier=st.integers(1, 3),
)
def test_a_days_minute_points_do_not_depend_on_how_the_minutes_are_split(
    rules: Rules, chunks: list[int], multiplier: int
) -> None:
    state = DayState(logs=1)
    minute_points = 0
    for minutes in chunks:
        log = LogInput(pages=0, minutes=minutes, first_finish=False, multiplier=multiplier)
        outcome = score_log(log, state, rules, reviewed=True)
        minute_points += sum(a.amount for a in outcome.awards if a.rule_code == READING_MINUTES)
        state = count_log(state, log, outcome)
    assert minute_points == sum(chunks) // rules.minutes_per_point * multiplier


@st.composite
def day_under_the_caps(draw: st.DrawFn) -> tuple[Rules, list[Entry]]:
    """A day's logs and settings whose caps the whole day fits under, so every log is accepted."""
    rules = draw(rules_strategy)
    multiplier = draw(st.sampled_from((1, rules.challenge_multiplier)))
    logs = draw(st.lists(entries(max_pages=300, max_minutes=150), min_size=1, max_size=8))
    fitted = []
    for e in logs:
        # slow enough to be plausible
        minutes = max(e.minutes, -(-e.pages // rules.max_pages_per_minute)) if e.minutes else 0
        fitted.append(replace(e, minutes=minutes, multiplier=multiplier))
    # a day's points never exceed what every log would earn scored first and as a first finish
    most_points = sum(
        e.pages * rules.points_per_page * multiplier
        + e.minutes * multiplier
        + rules.finished_book_bonus
        for e in fitted
    ) + streak_bonus(100, rules)
    rules = replace(
        rules,
        daily_cap_pages=max(rules.daily_cap_pages, sum(e.pages for e in fitted)),
        daily_cap_minutes=max(rules.daily_cap_minutes, sum(e.minutes for e in fitted)),
        daily_cap_points=max(rules.daily_cap_points, most_points),
    )
    return rules, fitted


@SLOW
@given(case=day_under_the_caps(), data=st.data(), streak=st.integers(0, 15))
def test_under_the_caps_arrival_order_does_not_change_a_days_points(
    case: tuple[Rules, list[Entry]], data: st.DataObject, streak: int
) -> None:
    rules, day = case
    totals = set()
    for order in (day, data.draw(st.permutations(day)), list(reversed(day))):
        state = DayState(streak_before=streak)
        finished: set[int] = set()
        total = 0
        for entry in order:
            log = LogInput(
                entry.pages,
                entry.minutes,
                entry.finished and entry.book_id not in finished,
                entry.multiplier,
            )
            outcome = score_log(log, state, rules)
            assert outcome.status == ACCEPTED
            state = count_log(state, log, outcome)
            finished |= {entry.book_id} if entry.finished else set()
            total += outcome.points
        totals.add(total)
    assert len(totals) == 1


@SLOW
@given(
    rules=rules_strategy,
    day=st.lists(entries(), min_size=1, max_size=10),
    multiplier=st.integers(1, 3),
    data=st.data(),
)
def test_once_pending_logs_are_approved_a_days_points_do_not_depend_on_any_order(
    rules: Rules, day: list[Entry], multiplier: int, data: st.DataObject
) -> None:
    """Logs arrive in any order, some wait for staff, staff approve them in any order."""
    day = [replace(e, multiplier=multiplier) for e in day]
    totals = set()
    for _ in range(3):
        member = Member(rules)
        arrivals = data.draw(st.permutations(range(len(day))))
        pending = [i for i in arrivals if member.score(i, day[i]).status == PENDING_REVIEW]
        for i in data.draw(st.permutations(pending)):
            member.score(i, day[i], reviewed=True)
        assert len(member.counted) == len(day)
        totals.add(member.total())
    assert len(totals) == 1


@st.composite
def member_histories(draw: st.DrawFn) -> tuple[Rules, Member]:
    """Live scoring over several days: logs arrive, some wait, staff approve or reject later."""
    rules = draw(rules_strategy)
    logs = draw(st.lists(entries(days=6), min_size=1, max_size=25))
    member = Member(rules)
    waiting: list[int] = []
    for log_id, entry in enumerate(logs):
        if member.score(log_id, entry).status == PENDING_REVIEW:
            waiting.append(log_id)
        # staff look at the queue at random moments, in no particular order
        while waiting:
            if not draw(st.booleans()):
                break
            chosen = waiting.pop(draw(st.integers(0, len(waiting) - 1)))
            if draw(st.booleans()):
                member.score(chosen, logs[chosen], reviewed=True)
    # what is still waiting at the end is decided too, in any order
    for chosen in draw(st.permutations(waiting)):
        if draw(st.booleans()):
            member.score(chosen, logs[chosen], reviewed=True)
    return rules, member


@SLOW
@given(history=member_histories())
def test_replay_gives_exactly_the_live_awards(history: tuple[Rules, Member]) -> None:
    rules, member = history
    live = {log_id: awards for log_id, _, awards in member.counted}
    assert replay(member.counted_logs(), rules) == live


@SLOW
@given(history=member_histories())
def test_replay_is_repeatable(history: tuple[Rules, Member]) -> None:
    rules, member = history
    logs = member.counted_logs()
    first = replay(logs, rules)
    assert replay(list(logs), rules) == first
    assert replay(tuple(logs), Rules.from_mapping(rules.to_dict())) == first
    assert list(first) == [log.log_id for log in logs]


@SLOW
@given(history=member_histories())
def test_count_log_agrees_with_the_stored_logs(history: tuple[Rules, Member]) -> None:
    """Carrying DayState with count_log gives what summing the stored logs gives."""
    rules, member = history
    carried: dict[date, DayState] = {}
    replayed = Member(rules)
    for log_id, entry, _ in member.counted:
        state = carried.get(entry.read_on) or replayed.day_state(entry.read_on)
        log = replayed.log_input(entry)
        outcome = replayed.score(log_id, entry, reviewed=True)
        if state.logs == 0:
            # a back-filled day moves the streak bonus of the days after it: read afresh
            carried = {d: c for d, c in carried.items() if d < entry.read_on}
        carried[entry.read_on] = count_log(state, log, outcome)
        stored = replayed.day_state(entry.read_on)
        assert replace(carried[entry.read_on], streak_before=0) == replace(stored, streak_before=0)


def test_a_pending_logs_awards_are_a_preview_not_a_promise() -> None:
    """Why the order property above holds for counted logs only.

    A pending log is scored against the counted logs, so while it waits another log can
    claim the same streak bonus; approval rescores it against the day as it is then.
    """
    big = Entry(BASE_DAY, 501, 0, False, 0, 1)
    small = Entry(BASE_DAY, 10, 0, False, 1, 1)
    day3 = BASE_DAY + timedelta(days=2)
    member = Member(Rules())
    # two earlier days make day3 the third day of a streak: +5
    member.score(-2, small)
    member.score(-1, replace(small, read_on=BASE_DAY + timedelta(days=1)))
    preview = member.score(1, replace(big, read_on=day3))
    accepted = member.score(2, replace(small, read_on=day3))
    assert preview.status == PENDING_REVIEW and accepted.status == ACCEPTED
    assert preview.points == 501 + 5 and accepted.points == 10 + 5
    approved = member.score(1, replace(big, read_on=day3), reviewed=True)
    assert approved.points == 501


@st.composite
def arrivals(draw: st.DrawFn, n: int) -> list[int]:
    """An order in which a phone sends n logs: online one by one, or offline batches of
    any size, each sent oldest or newest first."""
    order = list(draw(st.permutations(range(n))))
    out: list[int] = []
    while order:
        size = draw(st.integers(1, len(order)))
        batch, order = order[:size], order[size:]
        out += sorted(batch, reverse=draw(st.booleans()))
    return out


@SLOW
@given(
    rules=rules_strategy,
    logs=st.lists(entries(days=8, multipliers=(1, 2, 3)), min_size=1, max_size=20),
    data=st.data(),
)
def test_a_set_of_logs_earns_the_same_in_any_order_across_days_and_equals_replay(
    rules: Rules, logs: list[Entry], data: st.DataObject
) -> None:
    """Back-filled days, newest-first batches, approvals in any order: the same points,
    and live scoring equals replay row for row, logs inside and outside a challenge
    mixed on one day.
    """
    totals = set()
    for _ in range(3):
        member = Member(rules)
        order = data.draw(arrivals(len(logs)))
        waiting = [i for i in order if member.score(i, logs[i]).status == PENDING_REVIEW]
        for i in data.draw(st.permutations(waiting)):
            member.score(i, logs[i], reviewed=True)
        assert len(member.counted) == len(logs)
        live = {log_id: awards for log_id, _, awards in member.counted}
        assert replay(member.counted_logs(), rules) == live
        totals.add(member.total())
    assert len(totals) == 1


@FAST
@given(
    rules=rules_strategy,
    days=st.sets(st.integers(0, 20), max_size=12),
    new_day=st.integers(0, 20),
)
def test_streak_changes_bring_every_later_day_to_its_streak_over_all_days(
    rules: Rules, days: set[int], new_day: int
) -> None:
    as_dates = {BASE_DAY + timedelta(days=d) for d in days - {new_day}}
    new = BASE_DAY + timedelta(days=new_day)

    def bonus(day: date, over: set[date]) -> int:
        run = 1
        while day - timedelta(days=run) in over:
            run += 1
        return streak_bonus(run, rules)

    changes = dict(streak_changes(as_dates, new, rules))
    after = as_dates | {new}
    for day in as_dates:
        assert bonus(day, as_dates) + changes.get(day, 0) == bonus(day, after)
    assert all(day > new for day in changes)


@SLOW
@given(
    rules=rules_strategy,
    day=st.lists(
        entries(max_pages=0, max_minutes=30, multipliers=(1, 2, 3)), min_size=1, max_size=8
    ),
    data=st.data(),
)
def test_minute_only_logs_of_a_day_earn_the_same_in_any_order_at_any_multipliers(
    rules: Rules, day: list[Entry], data: st.DataObject
) -> None:
    """Minute-only logs inside and outside a challenge: the minutes at x1 and those above
    it telescope on their own, the latter at the day's highest multiplier (a log
    back-dated across a change of the challenge multiplier brings a second one), so a
    day's minute points follow neither the order of arrival nor the mix."""
    totals = set()
    for order in (day, data.draw(st.permutations(day)), list(reversed(day))):
        state, total = DayState(logs=1), 0
        for entry in order:
            log = LogInput(0, entry.minutes, False, entry.multiplier)
            outcome = score_log(log, state, rules, reviewed=True)
            state = count_log(state, log, outcome)
            total += outcome.points
        totals.add(total)
    per = rules.minutes_per_point
    boosted = [e for e in day if e.multiplier > 1]
    plain = sum(e.minutes for e in day if e.multiplier == 1) // per
    highest = max((e.multiplier for e in boosted), default=0)
    assert totals == {plain + sum(e.minutes for e in boosted) // per * highest}
