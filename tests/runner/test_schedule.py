from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kqlrules.runner.schedule import Window, catch_up, first_end, latest_end, window_ending

FIVE = timedelta(minutes=5)
HOUR = timedelta(hours=1)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, 5, 1, hour, minute, second, tzinfo=UTC)


def test_a_window_ending_at_e_covers_period_before_it_end_exclusive() -> None:
    assert window_ending(at(10), HOUR) == Window(at(9), at(10))


def test_windows_end_on_frequency_boundaries_once_the_delay_has_passed() -> None:
    assert latest_end(at(10, 7), FIVE, FIVE) == at(10, 0)
    assert latest_end(at(10, 4, 59), FIVE, FIVE) == at(9, 55)
    assert latest_end(at(10, 30), HOUR, FIVE) == at(10)


def test_daily_windows_end_at_midnight_utc() -> None:
    assert latest_end(at(10), timedelta(days=1), FIVE) == at(0)


def test_a_new_detection_starts_with_the_newest_due_window() -> None:
    assert first_end(at(10, 7), FIVE, FIVE, since=None) == at(10)


def test_a_new_detection_with_since_starts_right_after_it() -> None:
    assert first_end(at(12), FIVE, FIVE, since=at(9, 2)) == at(9, 5)


def test_catch_up_runs_every_missed_window_within_the_bound() -> None:
    assert catch_up(at(9, 5), at(10, 5), FIVE, FIVE, max_windows=100) == (at(9, 5), 0)


def test_catch_up_beyond_the_bound_skips_the_oldest_windows() -> None:
    next_end, skipped = catch_up(at(9, 5), at(10, 5), FIVE, FIVE, max_windows=3)
    assert (next_end, skipped) == (at(9, 50), 9)
