"""Typed points (issue 10, item 9): "7,25" and "7.25" are both 725 hundredths; anything that
is not a number as people type it is refused, never guessed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.services.judging import PointsReading, parse_points_x100, points_text, read_points


@pytest.mark.parametrize(
    ("typed", "hundredths"),
    [
        ("7,25", 725),
        ("7.25", 725),
        ("5,5", 550),
        ("5.5", 550),
        (" 10 ", 1000),
        ("0", 0),
        ("60", 6000),
        ("0,75", 75),
        (",5", 50),
        ("8,", 800),
        ("7,250", 725),
        ("-1", -100),
    ],
)
def test_comma_and_point_mean_the_same(typed, hundredths):
    assert parse_points_x100(typed) == hundredths


MALFORMED = ["7,2,5", "7.2.5", "7,2.5", "abc", "1e3", "1E3", "NaN", "nan", "Infinity", "inf"]
MALFORMED += ["٧", "７", "7_5", "", " ", "7 25", "+7", "--1", "0x10", "½", "1" * 21]


@pytest.mark.parametrize("typed", MALFORMED)
def test_malformed_is_refused(typed):
    assert parse_points_x100(typed) is None
    assert read_points(typed, max_x100=6000) == PointsReading(None, "malformed")


def test_range_and_step():
    assert read_points("7,25", max_x100=2000) == PointsReading(725)
    assert read_points("20", max_x100=2000) == PointsReading(2000)
    assert read_points("20,25", max_x100=2000).problem == "range"
    assert read_points("-0,25", max_x100=2000).problem == "range"
    assert read_points("7,3", max_x100=2000).problem == "step"
    assert read_points("7,255", max_x100=2000).problem == "step"
    assert read_points("7,3", max_x100=2000, step_x100=1) == PointsReading(730)


@given(st.integers(0, 100_000).map(lambda q: q * 25))
def test_shown_points_read_back(hundredths):
    """What the sheet shows (7,25) is read back as the same hundredths."""
    assert parse_points_x100(points_text(hundredths)) == hundredths
    assert read_points(points_text(hundredths), max_x100=2_500_000) == PointsReading(hundredths)
