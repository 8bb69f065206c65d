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
