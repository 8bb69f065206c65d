"""/status: admins only; version, mode, uptime, database, backups, passes, deliveries, errors."""

import time

from tests.handlers.conftest import ADMIN_ID, Harness


async def test_status_is_for_admins_only(harness: Harness) -> None:
    [text] = await harness.texts("/status", chat_id=12345)
    assert text == "Эта команда только для администраторов бота."


async def test_status_shows_the_state_of_the_service(harness: Harness) -> None:
    runtime = harness.app.bot_data["runtime"]
    now = time.time()
    await runtime.backups.record(
        now - 60,
        "/backups/twinbot-1.sqlite3",
        ok=True,
        size_bytes=2048,
        detail="integrity ok, schema 6, 120 rows in 9 tables",
    )
    await runtime.backups.record(
        now - 5,
        "",
        ok=False,
        size_bytes=0,
        detail="backup directory /mnt/usb cannot be created: Read-only file system",
    )
    await runtime.faults.record("TimedOut")
    await runtime.faults.record("TimedOut")
    await runtime.faults.record("BadRequest")
    [text] = await harness.texts("/status", chat_id=ADMIN_ID)
    assert text.startswith("<b>Состояние бота</b>\nВерсия 0.1.0, режим: long polling\nРаботает ")
    assert "База данных: <code>" in text
    assert "⚠️ Копия " in text and "Read-only file system" in text
    assert "Последняя удачная копия: " in text
    assert "Напоминания: ожидают отправки 0, не доставлены 0" in text
    assert "Ошибки за сутки: TimedOut × 2, BadRequest × 1" in text
    assert "Обновлений в очереди: 0" in text
    assert "Чат сотрудников не задан." in text


async def test_status_in_english_for_an_english_chat(harness: Harness) -> None:
    await harness.texts("/lang", chat_id=ADMIN_ID)
    await harness.press("lang:en", chat_id=ADMIN_ID)
    [text] = await harness.texts("/status", chat_id=ADMIN_ID)
    assert text.startswith("<b>Bot status</b>\nVersion 0.1.0, mode: long polling")
    assert "No backup has been made yet." in text and "No errors in the last 24 hours." in text
