"""``--api-url``: a Bot API server's address (``http://host:port``) and the ``…/bot`` form are
both accepted; an unusable URL is refused with a sentence saying what is wrong."""

from __future__ import annotations

import pytest

from rempart.adapters.telegram_bot import ApiUrlError, bot_api_urls, make_bot

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"


@pytest.mark.parametrize("given", ["http://127.0.0.1:8081", "http://127.0.0.1:8081/",
                                   "http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/bot/",
                                   " http://127.0.0.1:8081 "])
def test_both_forms_give_the_same_urls(given: str) -> None:
    assert bot_api_urls(given) == ("http://127.0.0.1:8081/bot",
                                   "http://127.0.0.1:8081/file/bot")


def test_cloud_and_prefixed_servers() -> None:
    assert bot_api_urls("https://api.telegram.org/bot") == (
        "https://api.telegram.org/bot", "https://api.telegram.org/file/bot")
    assert bot_api_urls("https://proxy.example.org/telegram") == (
        "https://proxy.example.org/telegram/bot", "https://proxy.example.org/telegram/file/bot")


def test_the_client_appends_the_token_to_a_server_address() -> None:
    bot = make_bot(TOKEN, "http://127.0.0.1:8081")
    assert bot.base_url == f"http://127.0.0.1:8081/bot{TOKEN}"
    assert bot.base_file_url == f"http://127.0.0.1:8081/file/bot{TOKEN}"


@pytest.mark.parametrize(("given", "says"), [
    ("", "is empty"),
    ("127.0.0.1:8081", "has no scheme: write http://127.0.0.1:8081"),
    ("ftp://127.0.0.1:8081", "scheme must be http or https"),
    ("http://127.0.0.1:99999", "port must be a number from 1 to 65535"),
    ("http://127.0.0.1:80x", "port must be a number"),
    ("http://:8081", "has no host"),
    ("http://127.0.0.1:8081/?a=1", "remove the ?query"),
    ("http://u:pw@127.0.0.1:8081", "holds credentials"),
    (f"http://127.0.0.1:8081/bot{TOKEN}", "seems to hold the bot's token"),
])
def test_unusable_urls_are_explained(given: str, says: str) -> None:
    with pytest.raises(ApiUrlError) as e:
        bot_api_urls(given)
    assert says in str(e.value)
    assert "ABCdef" not in str(e.value) and "pw@" not in str(e.value)  # no secret echoed
