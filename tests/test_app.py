"""The composition root: independent apps per database, and the change-feed follower."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "adapters" / "http"))

from http_support import TestClient, bearer, make_app

from rempart.app import create_http_app
from rempart.core.matcher import Query
from rempart.core.types import MediaHashes, PdqHash
from rempart.services import banks as bank_service
from rempart.store.sql import open_store


def _wait_for(check: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_changes_by_another_process_reach_the_server(db_url: str, tmp_path: Path) -> None:
    """One app per backend in one process; a writer elsewhere is followed without rebuild."""
    second = f"sqlite:///{tmp_path / 'second.sqlite3'}"
    apps = [make_app(db_url, refresh_seconds=0.05), make_app(second, refresh_seconds=0.05)]
    try:
        for app in apps:
            _, secret = app.tokens.create("t", ["match"])
            headers = bearer(secret)
            other = open_store(app.settings.database_url)  # "another process"
            bank_service.create_bank(other, "mod")
            entry = bank_service.add_signal(other, "mod", "pdq", "c" * 64)
            with TestClient(create_http_app(app)) as client:

                def matches(
                    client: TestClient = client, h: dict[str, str] = headers
                ) -> list[object]:
                    r = client.post("/api/v1/match", json={"pdq": "c" * 64}, headers=h)
                    result: list[object] = r.json()["matches"]
                    return result

                assert _wait_for(lambda: matches() != [])
                bank_service.remove_entry(other, "mod", entry)
                assert _wait_for(lambda: matches() == [])
            assert app.follower.errors == 0
            other.close()
        assert apps[0].store.engine.url != apps[1].store.engine.url
    finally:
        for app in apps:
            app.close()


def test_every_service_is_built_once_and_shared(db_url: str) -> None:
    """The API and the console receive what ``build`` made: one notice service, one review
    service, one case service; two apps on one database agree on the deployment secret."""
    app, again = make_app(db_url), make_app(db_url)
    try:
        api = create_http_app(app)
        web = api.state.web
        assert web.notices is app.notices and web.reviews is app.reviews
        assert web.users is app.users and web.sessions is app.sessions
        assert web.signin is app.signin and web.audit_log is app.audit_log
        assert api.state.protect.service is app.cases
        assert app.evidence.cases is app.cases
        assert app.secret == again.secret
    finally:
        app.close()
        again.close()


def test_replicas_on_postgresql_wake_on_notifications_not_polls(postgres_url: str) -> None:
    """Two replicas that would poll once an hour: only the database's notification can make
    a hash added (then withdrawn) by one match (then stop matching) at the other."""
    writer, reader = (make_app(postgres_url, refresh_seconds=3600.0) for _ in range(2))
    try:
        for app in (writer, reader):
            assert app.follower.bell is not None
            app.follower.start()
        assert _wait_for(lambda: reader.follower.bell._conn is not None)  # type: ignore[union-attr]
        bank_service.create_bank(writer.store, "mod")
        entry = bank_service.add_signal(writer.store, "mod", "pdq", "d" * 64)

        query = Query(MediaHashes("image", "", "", 0, pdq=PdqHash("d" * 64, 100)))

        def matched() -> bool:
            return bool(reader.matching.matcher.match(query).matches)

        assert _wait_for(matched)
        bank_service.remove_entry(writer.store, "mod", entry)
        assert _wait_for(lambda: not matched())
        assert reader.follower.errors == 0
        # The step that applied the withdrawal counts it when it ends (after the matcher sees it).
        seen = reader.follower.last_ok
        assert _wait_for(lambda: reader.follower.last_ok > seen)
        # Idle banks: the listening replica stays ready (/readyz) without reading the feed.
        applied, seen = reader.follower.applied, reader.follower.last_ok
        assert _wait_for(lambda: reader.follower.last_ok > seen)
        assert reader.follower.applied == applied
    finally:
        writer.close()
        reader.close()
