"""What "today" is: `--today`, else `TPM_TODAY`, else the local date in the configured
timezone. Every date rule compares dates, never datetimes, so a run is reproducible from
this one value."""

from __future__ import annotations

import datetime
import os

from tpm.errors import UsageError
from tpm.vocabulary import parse_iso_date


def parse_date(value: str, origin: str) -> datetime.date:
    """An ISO `YYYY-MM-DD` date, or a one-line usage error naming where it came from."""
    day = parse_iso_date(value.strip())  # not ISO week dates like 2026-W01-1
    if day is None:
        raise UsageError(f"{origin}: {value!r} is not a date as YYYY-MM-DD")
    return day


def resolve_today(option: str | None, timezone: str | None) -> datetime.date:
    if option is not None:
        return parse_date(option, "--today")
    env = os.environ.get("TPM_TODAY")
    if env:
        return parse_date(env, "TPM_TODAY")
    return clock_day(timezone)


def clock_day(timezone: str | None) -> datetime.date:
    """Today by the clock: in the configured time zone, else the machine's."""
    if timezone:
        return datetime.datetime.now(zone_of(timezone)).date()
    return datetime.date.today()


def zone_of(timezone: str) -> datetime.tzinfo:
    """The configured time zone, or a one-line usage error for a name no zone has."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only when a timezone is set: start-up

    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"timezone: unknown time zone {timezone!r} (use an IANA name like Europe/Berlin)") from None
