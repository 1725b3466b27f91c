"""A recurrence in words, as the procedure pages say it."""

import pytest

from equipment.scheduling import Anchor, Interval, Preset, Recurrence
from equipment.scheduling.words import interval_words, recurrence_words


def every(**interval) -> Recurrence:
    return Recurrence(interval=Interval(**interval))


def test_an_annual_survey_from_completion_with_window_grace_and_hard_limit():
    words = recurrence_words(
        anchor=Anchor.FROM_COMPLETION,
        recurrence=every(months=12),
        early=Interval(days=30),
        grace=Interval(days=30),
        hard_limit=Interval(months=14),
    )
    assert words == (
        "Every 12 months, counted from the last completion; open 30 days early and 30 days of "
        "grace; never more than 14 months after the last completion."
    )


@pytest.mark.parametrize(
    ("anchor", "recurrence", "words"),
    [
        (Anchor.FIXED, every(months=6), "Every 6 months, on fixed calendar dates."),
        (Anchor.FIXED, every(months=1), "Every month, on fixed calendar dates."),
        (Anchor.FIXED, every(weeks=1), "Every week, on fixed calendar dates."),
        (Anchor.FROM_COMPLETION, every(days=1), "Every day, counted from the last completion."),
        (
            Anchor.FIXED,
            every(months=1, weeks=2),
            "Every 1 month and 2 weeks, on fixed calendar dates.",
        ),
        (Anchor.PERIOD, every(months=3), "Once in each calendar quarter."),
        (Anchor.PERIOD, every(months=12), "Once in each calendar year."),
        (Anchor.PERIOD, every(weeks=1), "Once in each calendar week."),
        (Anchor.FIXED, Recurrence(preset=Preset.EACH_CLINICAL_DAY), "Each clinical day."),
        (
            Anchor.FIXED,
            Recurrence(preset=Preset.WEEKLY_ON_WEEKDAY, weekday=1),
            "Weekly on Tuesdays.",
        ),
        (
            Anchor.FIXED,
            Recurrence(preset=Preset.FIRST_MONDAY),
            "On the first Monday of each month.",
        ),
    ],
)
def test_each_anchor_and_preset_in_words(anchor, recurrence, words):
    assert recurrence_words(anchor=anchor, recurrence=recurrence) == words


def test_a_hard_limit_alone_follows_the_cadence():
    words = recurrence_words(
        anchor=Anchor.FIXED, recurrence=every(months=6), hard_limit=Interval(months=6)
    )
    assert words == (
        "Every 6 months, on fixed calendar dates; never more than 6 months after the last "
        "completion."
    )


def test_intervals_name_each_unit():
    assert interval_words(Interval(months=1, weeks=1, days=3)) == "1 month, 1 week and 3 days"
    assert interval_words(Interval(days=1)) == "1 day"
