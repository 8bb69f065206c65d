"""Stored moments: storage writes UTC stamps as ISO 8601 text; people read them as local time.

Pure Python. The one conversion every feature uses (the visit history, the staff list, the export).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def local_time(stamp: str | None, zone: tzinfo | None) -> datetime | None:
    """A stored UTC stamp ('2025-06-01 09:30:00', '2025-06-01T09:30:00.123Z') as aware local time in
    `zone` (UTC when None), to the second; None when there is no stamp or it cannot be read.

    A stamp without an offset is UTC: that is how SQLite's CURRENT_TIMESTAMP and strftime write it.
    """
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.strip().replace(" ", "T"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone or UTC).replace(microsecond=0)
