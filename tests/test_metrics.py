"""What feeds /metrics: Bot API answers by code, 429 waits, reminder passes."""

import asyncio
import json

import pytest
from telegram.request import BaseRequest

from bot.metrics import BotMetrics, InstrumentedRequest, Spread, Tally


class Canned(BaseRequest):
    def __init__(self, answers: list[tuple[int, dict[str, object]]]) -> None:
        self.answers = answers

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, *args: object, **kwargs: object) -> tuple[int, bytes]:  # type: ignore[override]
        code, payload = self.answers.pop(0)
        return code, json.dumps(payload).encode()


def sample(metrics: BotMetrics, name: str, labels: dict[str, str] | None = None) -> float:
    value = metrics.registry.get_sample_value(name, labels or {})
    return 0.0 if value is None else value


async def test_replies_errors_and_flood_waits_are_counted() -> None:
    metrics = BotMetrics()
    inner = Canned(
        [
            (200, {"ok": True, "result": {}}),
            (200, {"ok": True, "result": True}),
            (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
            (
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests",
                    "parameters": {"retry_after": 7},
                },
            ),
        ]
    )
    request = InstrumentedRequest(inner, metrics)
    base = "https://api.telegram.org/bot123:SECRET"
    for method in ("sendMessage", "getMe", "sendMessage", "sendMessage"):
        await request.do_request(f"{base}/{method}", "POST")
    assert sample(metrics, "twinbot_replies_sent_total", {"method": "sendMessage"}) == 1
    assert sample(metrics, "twinbot_replies_sent_total", {"method": "getMe"}) == 0
    assert sample(metrics, "twinbot_bot_api_errors_total", {"code": "400"}) == 1
    assert sample(metrics, "twinbot_bot_api_errors_total", {"code": "429"}) == 1
    assert sample(metrics, "twinbot_bot_api_flood_waits_total") == 1
    assert sample(metrics, "twinbot_bot_api_flood_wait_seconds_total") == 7
    assert request.read_timeout == 5.0
    assert b"SECRET" not in metrics.exposition()


def test_a_pass_counts_due_sent_delayed_and_the_delay() -> None:
    metrics = BotMetrics()
    metrics.observe_pass(5, {"sent": 3, "retry": 1, "blocked": 1}, delayed=True, delay_seconds=3600)
    metrics.observe_skipped_passes(2)
    assert sample(metrics, "twinbot_reminders_total", {"outcome": "due"}) == 5
    assert sample(metrics, "twinbot_reminders_total", {"outcome": "sent"}) == 3
    assert sample(metrics, "twinbot_reminders_total", {"outcome": "delayed"}) == 3
    assert sample(metrics, "twinbot_reminders_total", {"outcome": "skipped_pass"}) == 2
    assert sample(metrics, "twinbot_reminder_delay_seconds_count") == 3
    assert sample(metrics, "twinbot_reminder_delay_seconds_bucket", {"le": "3600.0"}) == 3


class Slow(Canned):
    def __init__(self) -> None:
        super().__init__([])
        self.in_flight = 0
        self.most = 0

    async def do_request(self, *args: object, **kwargs: object) -> tuple[int, bytes]:  # type: ignore[override]
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1
        return 200, b'{"ok": true, "result": true}'


async def test_requests_on_the_wire_are_bounded_and_the_rest_wait_their_turn() -> None:
    inner = Slow()
    request = InstrumentedRequest(inner, BotMetrics(), max_in_flight=4)
    answers = await asyncio.gather(
        *(request.do_request("https://api.telegram.org/bot1:X/sendMessage", "POST") for _ in range(50))
    )
    assert inner.most == 4 and len(answers) == 50


def test_a_histogram_counts_each_observation_once_at_or_under_its_bounds() -> None:
    spread = Spread("t_seconds", "doc", buckets=(0.5, 0.1, 1))
    for value in (0.05, 0.1, 0.3, 1.0, 7.0):
        spread.observe(value)
    assert spread.bounds == (0.1, 0.5, 1.0)
    assert spread.counts == [2, 1, 1, 1]  # 0.1 is "le 0.1"; 7.0 only under +Inf
    assert spread.total == pytest.approx(8.45)


def test_the_exposition_is_cumulative_and_shows_unlabelled_counters_from_zero() -> None:
    metrics = BotMetrics()
    for seconds in (0.001, 0.003, 0.2):
        metrics.count_update("message", "handled", seconds)
    text = metrics.exposition().decode()
    assert 'twinbot_update_handling_seconds_bucket{le="0.002"} 1.0' in text
    assert 'twinbot_update_handling_seconds_bucket{le="0.005"} 2.0' in text
    assert 'twinbot_update_handling_seconds_bucket{le="+Inf"} 3.0' in text
    assert "twinbot_update_handling_seconds_count 3.0" in text
    assert "twinbot_bot_api_flood_waits_total 0.0" in text
    assert "twinbot_replies_sent_total{" not in text  # a labelled counter shows the labels it saw
    assert sample(metrics, "twinbot_updates_total", {"type": "message", "outcome": "handled"}) == 3


def test_counters_refuse_wrong_labels_and_counting_down() -> None:
    tally = Tally("t", "doc", ["code"])
    with pytest.raises(ValueError, match="labels"):
        tally.labels("400", "extra")
    with pytest.raises(ValueError, match="counts up"):
        tally.labels("400").inc(-1)
    tally.labels("400").inc()
    tally.labels("400").inc(2)
    assert tally.values == {("400",): 3.0}
