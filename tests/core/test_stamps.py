"""Stored UTC stamps as local time (bot/core/stamps.py): one conversion for history, staff and export."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.stamps import local_time

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-06-01 09:30:00",  # SQLite's CURRENT_TIMESTAMP
        "2025-06-01T09:30:00Z",
        "2025-06-01T09:30:00.123Z",  # strftime('%Y-%m-%dT%H:%M:%fZ')
        "2025-06-01T09:30:00+00:00",
        "2025-06-01T12:30:00+03:00",
    ],
)
def test_every_stored_form_is_the_same_moment(stamp: str) -> None:
    assert local_time(stamp, MOSCOW) == datetime(2025, 6, 1, 12, 30, tzinfo=MOSCOW)


def test_no_zone_means_utc_and_bad_stamps_are_none() -> None:
    assert local_time("2025-06-01 09:30:00", None) == datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    assert local_time("garbage", MOSCOW) is None
    assert local_time("", MOSCOW) is None and local_time(None, MOSCOW) is None
