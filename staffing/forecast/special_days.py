"""Holidays and special days: which dates are left out of fitting and how they are forecast."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from staffing.errors import InvalidArgumentError
from staffing.forecast.settings import WEEKDAYS, ForecastSettings, SpecialDay


def special_days(settings: ForecastSettings, years: Iterable[int]) -> dict[dt.date, SpecialDay]:
    """Every special day of ``years``: country holidays (``holidays`` package), then
    ``holiday_dates`` (both with ``holiday_factor``), then ``special_days`` entries, later
    entries overriding earlier ones for the same date."""
    table: dict[dt.date, SpecialDay] = {}
    if settings.holiday_country:
        import holidays

        try:
            country = holidays.country_holidays(
                settings.holiday_country, subdiv=settings.holiday_subdivision, years=sorted(set(years))
            )
        except (NotImplementedError, KeyError) as exc:
            raise InvalidArgumentError("holiday_country", settings.holiday_country, f"a country code the holidays package knows ({exc})") from None
        for date, name in country.items():
            table[date] = SpecialDay(date=date, factor=settings.holiday_factor, name=str(name))
    for date in settings.holiday_dates:
        table[date] = SpecialDay(date=date, factor=settings.holiday_factor, name="holiday")
    for day in settings.special_days:
        table[day.date] = day
    return table


def like_weekday(day: SpecialDay, own: int) -> int:
    """Weekday (Monday = 0) whose pattern ``day`` follows."""
    return WEEKDAYS.index(day.like) if day.like else own
