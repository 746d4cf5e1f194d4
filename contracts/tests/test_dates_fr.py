"""The town's day and its French words, whatever the machine's time zone."""

from datetime import UTC, date, datetime

from contracts.dates_fr import french_date, paris_today


def test_late_in_the_evening_utc_it_is_already_tomorrow_in_caluire():
    assert paris_today(datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == date(2026, 12, 3)
    assert paris_today(datetime(2026, 12, 2, 22, 59, tzinfo=UTC)) == date(2026, 12, 2)
    # summer time: UTC+2
    assert paris_today(datetime(2027, 6, 30, 22, 0, tzinfo=UTC)) == date(2027, 7, 1)


def test_today_without_argument_is_the_day_in_paris_now():
    assert paris_today() in {
        datetime.now(UTC).date(),
        date.fromordinal(datetime.now(UTC).date().toordinal() + 1),
    }


def test_french_date_reads_the_first_of_the_month_as_1er():
    assert french_date(date(2027, 1, 1)) == "vendredi 1er janvier 2027"
    assert french_date("2027-01-07") == "jeudi 7 janvier 2027"
