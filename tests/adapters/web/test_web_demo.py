"""``rempart serve --demo`` data: banks of generated-image hashes, review items, notices."""

from __future__ import annotations

import pytest
from web_support import WebClient

from rempart.adapters.web.demo import ADMIN, NotEmpty, fill
from rempart.app import App, build, create_http_app
from rempart.config import Settings


def test_demo_fills_a_fresh_database_only(sqlite_url: str, sqlite_app: App) -> None:
    app = build(Settings(database_url=sqlite_url.replace(".sqlite3", "-demo.sqlite3")))
    try:
        password = fill(app, photos=2)
        assert len(password) >= 16
        with WebClient(create_http_app(app)) as web:
            web.login(ADMIN, password)
            assert "demo-victims" in web.get("/console/banks").text
            queue = web.get("/console/review").text
            assert "media_match" in queue and "text_flag" in queue
            notices = web.get("/console/notices").text
            assert notices.count("RMP-") >= 4
        with pytest.raises(NotEmpty):
            fill(app)
    finally:
        app.close()
    with pytest.raises(NotEmpty):  # users exist already
        fill(sqlite_app)
