"""The ASGI application: webhook (secret, bad bodies, repeats), /healthz, /readyz, /metrics."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.config import Settings, parse_settings
from bot.web.server import MAX_BODY_BYTES, SECRET_HEADER, build_web_app
from tests.handlers.conftest import FIXED_NOW, Harness

SECRET = "webhook-SECRET_value-123"
METRICS_TOKEN = "metrics-token-456"


def web_settings(harness: Harness, **http: Any) -> Settings:
    return parse_settings(
        {
            "storage": {"database": str(harness.app.bot_data["settings"].storage.database)},
            "webhook": {
                "enabled": True,
                "public_url": "https://bot.example.org/telegram",
                "secret_token": SECRET,
            },
            "http": http,
        }
    )


@pytest.fixture
async def client(harness: Harness) -> AsyncIterator[httpx.AsyncClient]:
    app = build_web_app(harness.app, harness.app.bot_data["runtime"], web_settings(harness))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        yield http


def update(update_id: int, harness: Harness, text: str = "/help") -> dict[str, Any]:
    return {"update_id": update_id, "message": harness.message(text, chat_id=77)}


async def post(
    client: httpx.AsyncClient, body: Any, secret: str | None = SECRET, **kwargs: Any
) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    if isinstance(body, bytes):
        return await client.post("/telegram", content=body, headers=headers, **kwargs)
    return await client.post("/telegram", json=body, headers=headers, **kwargs)


async def test_an_update_with_the_secret_is_queued_and_answered_200(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    response = await post(client, update(1, harness))
    assert response.status_code == 200
    queued = harness.app.update_queue.get_nowait()
    assert queued.update_id == 1 and queued.message.text == "/help"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x"])
async def test_a_missing_or_wrong_secret_gets_403_is_counted_and_never_processed(
    harness: Harness, client: httpx.AsyncClient, secret: str | None
) -> None:
    response = await post(client, update(2, harness), secret=secret)
    assert response.status_code == 403
    assert harness.app.update_queue.empty()
    assert 'twinbot_webhook_rejected_total{reason="secret"} 1.0' in (await client.get("/metrics")).text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"this is not json", 400),
        (b"[1, 2, 3]", 400),
        (b'{"no_update_id": true}', 400),
        (b'{"update_id": "7"}', 400),
        (b'{"update_id": 8, "message": "not an object"}', 400),
        (b"x" * (MAX_BODY_BYTES + 1), 413),
        (b"{" * (10 * 1024 * 1024), 413),
    ],
)
async def test_bad_bodies_are_refused_clearly(
    harness: Harness, client: httpx.AsyncClient, body: bytes, status: int
) -> None:
    response = await post(client, body)
    assert response.status_code == status
    assert harness.app.update_queue.empty()


async def test_an_unknown_update_type_is_accepted_and_ignored(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    response = await post(client, {"update_id": 9, "something_from_bot_api_20": {"x": 1}})
    assert response.status_code == 200
    queued = harness.app.update_queue.get_nowait()
    calls = len(harness.request.calls)
    await harness.app.process_update(queued)
    assert harness.request.calls[calls:] == []


async def test_unknown_paths_and_methods(client: httpx.AsyncClient) -> None:
    assert (await client.post("/nope", json={})).status_code == 404
    assert (await client.get("/telegram")).status_code == 405


async def test_an_update_delivered_twice_is_processed_once(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    await harness.app.start()
    try:
        for _ in range(2):  # Telegram retries after a timeout: the same update_id again
            assert (await post(client, update(42, harness))).status_code == 200
        await harness.app.stop()  # handles everything queued, then stops
    finally:
        if harness.app.running:
            await harness.app.stop()
    answers = [
        call
        for call in harness.request.calls
        if call.method == "sendMessage" and call.params["chat_id"] == 77
    ]
    assert len(answers) == 1
    metrics = (await client.get("/metrics")).text
    assert 'twinbot_updates_total{outcome="duplicate",type="message"} 1.0' in metrics
    assert 'twinbot_updates_total{outcome="handled",type="message"} 1.0' in metrics
    assert "twinbot_update_handling_seconds_count 2.0" in metrics


async def test_healthz_is_always_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_names_what_is_not_ready(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")  # initialised, not started
    assert response.status_code == 503
    assert "the application is not running" in response.json()["reasons"]
    assert "the scheduler is not running" in response.json()["reasons"]


async def test_readyz_reports_an_overdue_reminder_pass_until_it_has_run(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    runtime = harness.app.bot_data["runtime"]
    jobs = harness.app.job_queue
    assert jobs is not None
    jobs.scheduler.remove_all_jobs()  # no catch-up pass: the test decides when the pass runs
    await harness.app.start()
    try:
        jobs.scheduler.remove_all_jobs()
        # FIXED_NOW is 12:00, send_time 10:00: today's pass is overdue while it has no record
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["reasons"] == [
            f"the reminder pass of {FIXED_NOW.date()} was due at 10:00 and has not run"
        ]
        await runtime.ledger.start_pass(FIXED_NOW.date(), delayed=False)
        await runtime.ledger.finish_pass(FIXED_NOW.date(), planned=0, sent=0)
        response = await client.get("/readyz")
        assert response.status_code == 200 and response.json() == {"status": "ready"}
    finally:
        await harness.app.stop()


async def test_readyz_reports_a_database_that_does_not_answer(
    harness: Harness, client: httpx.AsyncClient
) -> None:
    runtime = harness.app.bot_data["runtime"]
    await runtime.database.reader.close()
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reasons"][0].startswith("the database does not answer")


async def test_metrics_in_prometheus_format_with_every_family(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    for family in (
        "twinbot_update_handling_seconds",
        "twinbot_ledger_pending",
        "twinbot_backup_age_seconds",
        "twinbot_database_bytes",
        "twinbot_start_time_seconds",
    ):
        assert f"# TYPE {family} " in text
    assert "twinbot_backup_age_seconds -1.0" in text  # no backup yet
    size = next(line for line in text.splitlines() if line.startswith("twinbot_database_bytes "))
    assert float(size.split()[1]) > 0


async def test_metrics_want_the_bearer_token_when_one_is_set(harness: Harness) -> None:
    app = build_web_app(
        harness.app, harness.app.bot_data["runtime"], web_settings(harness, metrics_token=METRICS_TOKEN)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert right.status_code == 200 and "twinbot_updates" in right.text
        assert (await http.get("/healthz")).status_code == 200  # health stays open


async def test_extra_routes_join_the_same_server(harness: Harness) -> None:
    async def page(_request: object) -> PlainTextResponse:
        return PlainTextResponse("partner towns")

    app = build_web_app(
        harness.app,
        harness.app.bot_data["runtime"],
        web_settings(harness),
        extra_routes=[Route("/towns", page)],
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        assert (await http.get("/towns")).text == "partner towns"
