"""Participants, the head of the delegation and files of a visit, from the chat
(bot/handlers/visits/details.py): set, shown on the card, sent back, and bad input refused whole."""

from __future__ import annotations

from typing import Any

from bot.console import BOT_USER
from bot.core.visits.files import MAX_DOCUMENT_BYTES
from tests.handlers.conftest import ADMIN_ID, Call, Harness
from tests.handlers.visits.conftest import GROUP, RESIDENT, buttons, press, record, rt, staff, texts


def document(
    name: str = "Программа визита.pdf", size: int = 123_456, unique: str = "doc-1", **extra: Any
) -> dict[str, Any]:
    return {
        "document": {
            "file_id": f"FILE-{unique}",
            "file_unique_id": unique,
            "file_name": name,
            "mime_type": "application/pdf",
            "file_size": size,
        },
        **extra,
    }


PHOTO = {
    "photo": [
        {"file_id": "PHOTO-small", "file_unique_id": "ps", "width": 90, "height": 60, "file_size": 2_000},
        {"file_id": "PHOTO-big", "file_unique_id": "pb", "width": 1280, "height": 853, "file_size": 240_000},
    ]
}


async def send_media(
    bot: Harness, media: dict[str, Any], user_id: int = ADMIN_ID, chat_id: int = ADMIN_ID
) -> list[Call]:
    return await bot.feed({"message": bot.message(None, chat_id=chat_id, user_id=user_id, **media)})


async def test_a_pasted_list_sets_participants_and_the_head_shown_on_the_card(bot: Harness) -> None:
    visit_id = await record(bot)
    done = await staff(
        bot,
        f"/participants {visit_id}\n1. Яан Тамм — руководитель делегации\n2. Анна <Петрова> & Ко — переводчик\n3. Пётр Сидоров",
    )
    text = texts(done)
    assert (
        f"Визит #{visit_id}: записано участников — 3, глава делегации: Яан Тамм — руководитель делегации"
        in text
    )
    assert "👤 Глава делегации: Яан Тамм — руководитель делегации" in text
    assert "Список участников (3): Яан Тамм, Анна &lt;Петрова&gt; &amp; Ко, Пётр Сидоров" in text
    assert f"vc:{visit_id}:2:p" in buttons(done)
    listed = texts(await press(bot, f"vc:{visit_id}:2:p"))
    assert "1. Яан Тамм — руководитель делегации 👤" in listed and "3. Пётр Сидоров" in listed
    assert "2. Анна &lt;Петрова&gt; &amp; Ко — переводчик" in texts(
        await staff(bot, f"/participants {visit_id}")
    )
    history = texts(await staff(bot, f"/history {visit_id}"))
    assert "Участники: — → 3: Яан Тамм*, Анна &lt;Петрова&gt; &amp; Ко, Пётр Сидоров" in history


async def test_head_marks_a_listed_person_or_adds_one_and_can_be_removed(bot: Harness) -> None:
    visit_id = await record(bot)
    await staff(bot, f"/participants {visit_id}\nИванов — мэр\nПетрова — переводчик")
    marked = texts(await staff(bot, f"/head {visit_id} иванов"))
    assert "глава делегации — Иванов — мэр" in marked
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and [(p.name, p.head) for p in visit.participants] == [
        ("Иванов", True),
        ("Петрова", False),
    ]
    added = texts(await staff(bot, f"/head {visit_id} Ola Nordmann — ordfører"))
    assert "глава делегации — Ola Nordmann — ordfører" in added and "Список участников (3)" in added
    cleared = texts(await staff(bot, f"/head {visit_id} -"))
    assert "отметка главы делегации снята" in cleared and "Глава делегации:" not in cleared
    assert "/head 12 Иванов" in texts(await staff(bot, "/head"))


async def test_a_list_of_500_names_is_refused_and_nothing_is_written(bot: Harness) -> None:
    visit_id = await record(bot)
    lines = "\n".join(f"Участник {n}" for n in range(500))
    refused = texts(await staff(bot, f"/participants {visit_id}\n{lines}"))
    assert "Список участников не записан" in refused
    assert "в списке 500 строк, а можно не больше 200" in refused
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and visit.participants == () and visit.revision == 1
    bad = texts(await staff(bot, f"/participants {visit_id}\nИванов\n— переводчик"))
    assert "строка 2: нет имени перед ролью" in bad
    assert "/participants 12" in texts(await staff(bot, "/participants"))
    assert "Визита #999 нет" in texts(await staff(bot, "/participants 999\nИванов"))


async def test_participants_in_english_and_cleared_with_a_dash(bot: Harness) -> None:
    visit_id = await record(bot)
    await rt(bot).preferences.set_language(ADMIN_ID, "en")
    done = texts(await staff(bot, f"/participants {visit_id}\nJaan Tamm — head of delegation"))
    assert f"Visit #{visit_id}: 1 participants recorded, head of delegation: Jaan Tamm" in done
    assert "Head of delegation: Jaan Tamm" in done
    assert "participant list is cleared" in texts(await staff(bot, f"/participants {visit_id} -"))
    too_many = texts(await staff(bot, f"/participants {visit_id}\n" + "\n".join(f"P{n}" for n in range(201))))
    assert "the list has 201 lines, at most 200 are allowed" in too_many


async def test_attach_then_send_files_listed_on_the_card_and_sent_back_by_id(bot: Harness) -> None:
    visit_id = await record(bot)
    assert "Пришлите файл для визита" in texts(await staff(bot, f"/attach {visit_id}"))
    saved = await send_media(bot, document())
    assert "файл «Программа визита.pdf» сохранён (1 всего)" in texts(saved)
    assert "1. Программа визита.pdf · 121 КБ" in texts(saved)
    photo = await send_media(bot, PHOTO)
    assert f"photo-{visit_id}-2.jpg · 234 КБ" in texts(photo)
    assert f"vc:{visit_id}:3:f" in buttons(photo)
    again = texts(await send_media(bot, document()))
    assert "уже прикреплён" in again
    sent = await press(bot, f"vc:{visit_id}:3:f")
    files = [
        (call.method, call.params.get("document") or call.params.get("photo"))
        for call in sent
        if call.method in ("sendDocument", "sendPhoto")
    ]
    assert files == [("sendDocument", "FILE-doc-1"), ("sendPhoto", "PHOTO-big")]
    assert f"Визит #{visit_id} · 1. Программа визита.pdf" in [c.params.get("caption") for c in sent]
    assert "Прикрепление файлов к визиту" in texts(await staff(bot, "/cancel"))
    after_cancel = await send_media(bot, document(unique="doc-2"))  # no visit waits for files now
    assert "Я понимаю только текст" in texts(after_cancel)
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and len(visit.files) == 2
    sent_again = await staff(bot, f"/files {visit_id}")
    assert [c.method for c in sent_again].count("sendDocument") == 1
    removed = texts(await staff(bot, f"/detach {visit_id} 1"))
    assert "файл «Программа визита.pdf» убран" in removed
    assert "у визита нет файла с номером 5" in texts(await staff(bot, f"/detach {visit_id} 5"))
    history = texts(await staff(bot, f"/history {visit_id}"))
    assert (
        "прикреплён файл" in history and "убран файл" in history and "Файл: Программа визита.pdf" in history
    )


async def test_a_file_in_reply_to_the_card_or_with_the_caption_goes_to_that_visit(bot: Harness) -> None:
    first, second = await record(bot), await record(bot, town_key="raisio")
    card = {
        "message_id": 77,
        "date": 0,
        "chat": {"id": ADMIN_ID, "type": "private"},
        "from": BOT_USER,
        "text": f"🚌 Визит #{second} · Раисио",
    }
    await send_media(bot, document(unique="r1", reply_to_message=card))
    other_reply = {**card, "message_id": 78, "text": f"Ответ #{first}: не карточка"}
    assert "Я понимаю только текст" in texts(
        await send_media(bot, document(unique="r2", reply_to_message=other_reply))
    )
    await send_media(bot, document(name="Протокол.docx", unique="c1", caption=f"/attach {first}"))
    one, two = await rt(bot).visits.get(first), await rt(bot).visits.get(second)
    assert one is not None and [f.name for f in one.files] == ["Протокол.docx"]
    assert two is not None and [f.name for f in two.files] == ["Программа визита.pdf"]


async def test_files_that_cannot_be_kept_get_a_clear_message_in_the_users_language(bot: Harness) -> None:
    visit_id = await record(bot)
    await staff(bot, f"/attach {visit_id}")
    big = texts(await send_media(bot, document(size=MAX_DOCUMENT_BYTES + 1)))
    assert "Файл не сохранён" in big and "файл больше 20 МБ" in big
    video = {"video": {"file_id": "V", "file_unique_id": "v", "width": 1, "height": 1, "duration": 3}}
    assert "такой файл не прикрепить" in texts(await send_media(bot, video))
    channel = {
        "forward_origin": {
            "type": "channel",
            "date": 0,
            "chat": {"id": -1001, "type": "channel", "title": "News"},
            "message_id": 5,
        }
    }
    assert "переслан из канала" in texts(await send_media(bot, document(unique="ch", **channel)))
    await rt(bot).preferences.set_language(ADMIN_ID, "en")
    assert "the file is over 20 MB" in texts(await send_media(bot, document(size=MAX_DOCUMENT_BYTES + 1)))
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and visit.files == () and visit.revision == 1


async def test_files_of_residents_are_not_taken_and_staff_data_stays_private(bot: Harness) -> None:
    visit_id = await record(bot)
    resident = await send_media(
        bot, document(caption=f"/attach {visit_id}"), user_id=RESIDENT, chat_id=RESIDENT
    )
    assert "эта команда только для сотрудников" in texts(resident)
    plain = await send_media(bot, PHOTO, user_id=RESIDENT, chat_id=RESIDENT)
    assert "Я понимаю только текст" in texts(plain)  # the usual "text, please" of a private chat
    assert "Пришлите" not in texts(await staff(bot, f"/attach {visit_id}", chat_id=GROUP))
    await staff(bot, f"/participants {visit_id}\nИванов — мэр")
    town = texts(await bot.say("/town Нарва", chat_id=RESIDENT))
    assert "Иванов" not in town
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and visit.files == ()


async def test_the_export_of_the_year_carries_the_head_and_the_participants(bot: Harness) -> None:
    visit_id = await record(bot)
    await staff(
        bot, f"/participants {visit_id}\nЯан Тамм — руководитель делегации\nАнна Петрова — переводчик"
    )
    calls = await staff(bot, "/export 2024 csv")
    (upload,) = [call.params["document"] for call in calls if call.method == "sendDocument"]
    text = upload.data.decode("utf-8-sig")
    assert "Глава делегации" in text and "Участники" in text
    assert "Яан Тамм — руководитель делегации; Анна Петрова — переводчик" in text
