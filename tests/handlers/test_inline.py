import json

from tests.handlers.conftest import Harness


def inline(query: str) -> dict[str, object]:
    return {
        "inline_query": {
            "id": "q1",
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "query": query,
            "offset": "",
        }
    }


async def test_inline_town_card(harness: Harness) -> None:
    (call,) = await harness.feed(inline("narva"))
    assert call.method == "answerInlineQuery"
    results = call.params["results"]
    results = json.loads(results) if isinstance(results, str) else results
    assert results[0]["id"] == "card:narva"
    assert "Narva" in results[0]["input_message_content"]["message_text"]


async def test_inline_empty_query_lists_partners(harness: Harness) -> None:
    (call,) = await harness.feed(inline(""))
    ids = [result["id"] for result in call.params["results"]]
    assert len(ids) == 9 and "card:kingisepp" not in ids


async def test_inline_question_offers_the_answer_first(harness: Harness) -> None:
    (call,) = await harness.feed(inline("since when narvik"))
    results = call.params["results"]
    assert results[0]["id"].startswith("answer:")
    assert "1972" in results[0]["input_message_content"]["message_text"]
    assert any(result["id"] == "card:narvik" for result in results)


async def test_inline_off_topic_offers_only_the_cards(harness: Harness) -> None:
    """'Weather in Narva' is not the bot's subject: a refusal is nothing to post, the card is."""
    (call,) = await harness.feed(inline("погода в Нарве"))
    ids = [result["id"] for result in call.params["results"]]
    assert ids == ["card:narva"]


async def test_inline_small_talk_offers_no_answer_article(harness: Harness) -> None:
    (call,) = await harness.feed(inline("привет"))
    assert not any(result["id"].startswith("answer:") for result in call.params["results"])


async def test_inline_not_partner_answer_is_offered(harness: Harness) -> None:
    (call,) = await harness.feed(inline("москва побратим"))
    results = call.params["results"]
    assert results[0]["id"] == "answer:not_partner"
    assert "нет в моём списке" in results[0]["input_message_content"]["message_text"]
