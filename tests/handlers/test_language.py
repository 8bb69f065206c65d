from tests.handlers.conftest import Harness


async def test_lang_switches_and_is_remembered(harness: Harness) -> None:
    (menu,) = await harness.say("/lang")
    buttons = [b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["lang:ru", "lang:en"]
    calls = await harness.press("lang:en")
    assert [call.method for call in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "English" in calls[1].params["text"]
    (towns,) = await harness.texts("/towns")
    assert "Partner towns" in towns
    (digits,) = await harness.texts("2000")
    assert "Signed in 2000" in digits


async def test_forged_language_is_refused(harness: Harness) -> None:
    calls = await harness.press("lang:de")
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    (towns,) = await harness.texts("/towns")
    assert "Города-партнёры" in towns
