"""Webhook mode: the secret token header is required; a posted update is checked and acted on."""

from __future__ import annotations

import asyncio

import httpx
from bot_support import BLOCK_SEED, CHAT, USER, BotHarness, cropped_copy

from rempart.adapters.telegram_bot.webhook import SECRET_HEADER, webhook_app
from rempart.bench.fake_bot_api import FakeBotApi


def test_webhook_checks_the_secret_and_handles_updates(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    runner = h.runner()
    app = webhook_app(runner, secret="s3cret-token")
    bad = api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED))
    update = {"update_id": 501, **bad}

    async def go() -> list[int]:
        codes = []
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hook") as client:
                codes.append((await client.post("/telegram", json=update)).status_code)
                codes.append((await client.post("/telegram", json=update, headers={
                    SECRET_HEADER: "wrong"})).status_code)
                codes.append((await client.post("/telegram", content=b"{not json", headers={
                    SECRET_HEADER: "s3cret-token"})).status_code)
                codes.append((await client.post("/telegram", json=update, headers={
                    SECRET_HEADER: "s3cret-token"})).status_code)
                for _ in range(200):  # deletes go through the rate-limited call queue
                    if (CHAT, bad["message"]["message_id"]) in api.deleted():
                        break
                    await asyncio.sleep(0.05)
        return codes

    assert asyncio.run(go()) == [401, 401, 200, 200]
    assert (CHAT, bad["message"]["message_id"]) in api.deleted()
