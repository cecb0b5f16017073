"""Sharing confirmed hashes through a Matrix policy room, against the real Synapse: one Rempart
publishes a bank (``rempart matrix-policy publish``), another follows the room as a bank
(``--kind matrix_policy``); a withdrawal at the source stops the match after one fetch; a
member without power cannot inject policies, a demoted one or one outside the allowlist is not
believed; malformed content is reported per event and the rest goes on."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from matrix_support import SIZE, Member, jpeg, unique
from typer.testing import CliRunner

from rempart.adapters.cli.main import app_for
from rempart.adapters.exchanges import source_for
from rempart.bench.synapse_peer import MatrixCallError, SynapsePeer
from rempart.bench.synthetic_images import make_photo, photo_bytes
from rempart.core.banks import BankKind, BankPolicy, EntryTrust, Provenance
from rempart.core.exchanges import FetchReport
from rempart.core.media_signals import hash_bytes
from rempart.core.policy_room import POLICY_EVENT_TYPE, policy_content, state_key
from rempart.services import banks as bank_svc
from rempart.services.exchanges import exchange_service
from rempart.services.matching import MatchService
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

SEED = 31
PDQ = "0123456789abcdef" * 4


_LOOP: list[asyncio.AbstractEventLoop] = []


@pytest.fixture
def member(synapse: SynapsePeer) -> Any:
    """Makes members of the test homeserver; one event loop per test holds their clients."""
    _LOOP.append(asyncio.new_event_loop())
    made: list[Member] = []

    def make(name: str) -> Member:
        made.append(Member(synapse, name))
        return made[-1]

    yield make
    for m in made:
        run(m.close())
    _LOOP.pop().close()


def run(coro: Any) -> Any:
    return _LOOP[-1].run_until_complete(coro)


async def _levels(member: Member, room: str, **users: int) -> None:
    path = f"/_matrix/client/v3/rooms/{quote(room)}/state/m.room.power_levels/"
    levels = await member.call("GET", path)
    levels["users"] = {**levels.get("users", {}), **users}
    await member.call("PUT", path, json=levels)


async def _put_policy(member: Member, room: str, key: str, content: dict[str, Any]) -> str:
    path = (f"/_matrix/client/v3/rooms/{quote(room)}/state/{POLICY_EVENT_TYPE}/"
            f"{quote(key, safe='')}")
    return str((await member.call("PUT", path, json=content))["event_id"])


async def _redact(member: Member, room: str, event_id: str) -> None:
    await member.call("PUT", f"/_matrix/client/v3/rooms/{quote(room)}/redact/"
                             f"{quote(event_id)}/{unique('txn')}", json={})


async def _policies(member: Member, room: str) -> dict[str, dict[str, Any]]:
    r = await member.http.get(f"/_matrix/client/v3/rooms/{quote(room)}/state")
    return {e["state_key"]: e["content"] for e in r.json() if e["type"] == POLICY_EVENT_TYPE}


async def _room(owner: Member, invite: list[str], alias: str | None = None) -> str:
    room = await owner.create_room(invite, name="Policies")
    if alias:
        await owner.call("PUT", f"/_matrix/client/v3/directory/room/{quote(alias)}",
                         json={"room_id": room})
    return room


def _publish(hs: SynapsePeer, token: str, db: str, room: str, bank: str, *extra: str
             ) -> tuple[int, str]:
    args = ["matrix-policy", "publish", "--room", room, "--bank", bank,
            "--homeserver", hs.url, "--db", db, *extra]
    result = CliRunner().invoke(app_for(args), args, env={"REMPART_MATRIX_TOKEN": token})
    return result.exit_code, result.output


@pytest.fixture
def follower(tmp_path: Path) -> Any:
    store = open_store(f"sqlite:///{tmp_path / 'follower.sqlite3'}")
    yield store
    store.close()


def _fetch(store: SqlBankStore, name: str, token: str, **env: str) -> FetchReport:
    service = exchange_service(store)
    return service.fetch(name, source_for(service.get(name),
                                          {"REMPART_MATRIX_TOKEN": token, **env}))


def test_publish_follow_and_withdraw(synapse: SynapsePeer, tmp_path: Path,
                                     follower: SqlBankStore, member: Any) -> None:
    source_db = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    source = open_store(source_db)
    bank_svc.create_bank(source, "confirmed", kind=BankKind.MODERATOR, policy=BankPolicy.BLOCK)
    photo = photo_bytes(SEED, SIZE)
    (item,) = bank_svc.add_media(source, "confirmed", [(Path("a.jpg"), hash_bytes(photo))],
                                 Provenance(source="helpline", case_id="C-77",
                                            labels=("victim", "ncii", "Jane Doe")))
    bank_svc.create_bank(source, "victims", kind=BankKind.VICTIM)
    (reg,) = bank_svc.add_media(source, "victims", [(Path("b.jpg"), hash_bytes(
        photo_bytes(SEED + 1, SIZE)))], Provenance(source="portal", case_id="C-78"))
    source.set_entry_trust(reg.entry_ids, EntryTrust.UNCONFIRMED)
    pub, fol = member("pub"), member("fol")
    alias = f"#{unique('policies')}:localhost"
    room = run(_room(pub, [fol.user_id], alias))

    code, out = _publish(synapse, pub.token, source_db, alias, "confirmed",
                         "--user", pub.user_id)
    assert code == 0, out
    assert "1 published" in out
    code, out = _publish(synapse, pub.token, source_db, alias, "victims")
    assert code == 0 and "0 published" in out, out  # an unconfirmed registration stays home
    policies = run(_policies(pub, room))
    ((key, content),) = policies.items()
    pdq = next(e.value for e in source.entries_in_group(
        source.get_entry(item.entry_ids[0]).content_group)  # type: ignore[union-attr]
        if e.signal_type == "pdq" and not e.provenance.metadata.get("variant"))
    assert key == state_key("pdq", pdq)
    assert content == {"signal_type": "pdq", "value": pdq, "labels": ["ncii"],
                       "recommendation": "block"}  # no case, no source, no victim label

    service = exchange_service(follower)
    service.add("policies", "matrix_policy", "policies", url=synapse.url, room=alias)
    report = _fetch(follower, "policies", fol.token)
    assert (report.failed, report.added, report.error_count) == (None, 1, 0), report
    copy = jpeg(make_photo(SEED, SIZE), 60)  # re-encoded: the primary PDQ is what is shared
    matching = MatchService(follower)
    matching.load()
    (match,) = matching.match_bytes(copy).matches
    assert match.bank == "policies" and match.action == "review"  # a review bank, as exchanges
    (entry,) = bank_svc.list_entries(follower, "policies")
    assert entry.provenance.case_id is None and entry.provenance.external_id == key
    assert "recommendation:block" in entry.provenance.labels

    bank_svc.remove_entry(source, "confirmed", item.entry_ids[0], "withdrawn", whole_item=True)
    code, out = _publish(synapse, pub.token, source_db, room, "confirmed")
    assert code == 0 and "1 withdrawn" in out, out
    assert run(_policies(pub, room)) == {key: {}}
    report = _fetch(follower, "policies", fol.token)
    assert (report.failed, report.withdrawn) == (None, 1), report
    matching.refresh()
    assert matching.match_bytes(copy).matches == ()
    again = _fetch(follower, "policies", fol.token)
    assert (again.failed, again.added, again.withdrawn) == (None, 0, 0)  # from the checkpoint

    source.set_entry_trust(reg.entry_ids, EntryTrust.CONFIRMED)  # a moderator confirms it
    code, out = _publish(synapse, pub.token, source_db, room, "victims", "--jsonl")
    assert code == 0 and '"published":1' in out, out
    ((_, content),) = [(k, c) for k, c in run(_policies(pub, room)).items() if c]
    assert content["recommendation"] == "block"  # a confirmed entry blocks, even in review

    code, out = _publish(synapse, fol.token, source_db, room, "confirmed", "--user",
                         pub.user_id)
    assert code == 1 and "belongs to" in out and fol.token not in out
    source.close()


def test_only_members_with_power_publish_and_bad_content_is_reported(
        synapse: SynapsePeer, follower: SqlBankStore, member: Any) -> None:
    pub, fol = member("pub"), member("fol")
    eve, mal, mod = member("eve"), member("mal"), member("mod")
    room = run(_room(pub, [fol.user_id, eve.user_id, mal.user_id, mod.user_id]))

    async def setup() -> None:
        for m in (eve, mal, mod):
            await m.join(room)
        with pytest.raises(MatrixCallError, match="403"):  # Synapse: no power, no policy
            await _put_policy(eve, room, state_key("pdq", PDQ),
                              policy_content("pdq", PDQ, (), "block"))
        await _levels(pub, room, **{mal.user_id: 50, mod.user_id: 50})
        other = "f" * 64
        await _put_policy(mal, room, state_key("pdq", other),
                          policy_content("pdq", other, (), "block"))
        await _levels(pub, room, **{mal.user_id: 0})  # demoted: no longer believed
        mine = "e" * 64
        await _put_policy(mod, room, state_key("pdq", mine),
                          policy_content("pdq", mine, (), "review"))
        await _put_policy(pub, room, "pdq:bad", {"signal_type": "pdq", "value": "zz",
                                                 "recommendation": "block"})
        await _put_policy(pub, room, "pdq:mismatch", policy_content("pdq", PDQ, (), "block"))
        await _put_policy(pub, room, state_key("pdq", "a" * 64),
                          {"signal_type": "pdq", "value": "a" * 64, "recommendation": "yes"})
        await _put_policy(pub, room, state_key("pdq", PDQ),
                          policy_content("pdq", PDQ, ("minor",), "block"))

    run(setup())
    service = exchange_service(follower)
    service.add("open", "matrix_policy", "open", url=synapse.url, room=room)
    report = _fetch(follower, "open", fol.token)
    assert report.failed is None and report.error_count == 4, report.errors
    assert any(mal.user_id in e and "may not publish" in e for e in report.errors)
    assert any("does not match" in e for e in report.errors)
    assert any("invalid pdq" in e for e in report.errors)
    assert any("recommendation" in e for e in report.errors)
    values = {e.value for e in bank_svc.list_entries(follower, "open")}
    assert values == {PDQ, "e" * 64}

    service.add("strict", "matrix_policy", "strict", url=synapse.url, room=room)
    report = _fetch(follower, "strict", fol.token,
                    REMPART_MATRIX_POLICY_SENDERS=pub.user_id)
    assert any(mod.user_id in e for e in report.errors)  # outside the allowlist
    assert {e.value for e in bank_svc.list_entries(follower, "strict")} == {PDQ}


def test_pages_are_bounded_resumed_and_redactions_withdraw(
        synapse: SynapsePeer, follower: SqlBankStore, member: Any) -> None:
    pub, fol = member("pub"), member("fol")
    room = run(_room(pub, [fol.user_id]))
    values = [f"{i:064x}" for i in range(1, 8)]

    async def setup() -> list[str]:
        ids = [await _put_policy(pub, room, state_key("pdq", v),
                                 policy_content("pdq", v, (), "block")) for v in values]
        await _put_policy(pub, room, state_key("pdq", values[0]), {})  # withdrawn at once
        return ids

    ids = run(setup())
    from rempart.core.exchanges import FetchLimits

    service = exchange_service(follower, FetchLimits(page_size=2, max_pages=2))
    service.add("paged", "matrix_policy", "paged", url=synapse.url, room=room)
    env = {"REMPART_MATRIX_TOKEN": fol.token}
    first = service.fetch("paged", source_for(service.get("paged"), env))
    assert first.failed is None and first.pages == 2 and first.more
    while True:
        report = service.fetch("paged", source_for(service.get("paged"), env))
        assert report.failed is None
        if not report.more:
            break
    assert {e.value for e in bank_svc.list_entries(follower, "paged")} == set(values[1:])

    async def redactions() -> None:  # a policy redacted: its state is stripped, a withdrawal
        await _redact(pub, room, ids[1])
        await _redact(pub, room, await pub.send(room, {"msgtype": "m.text", "body": "hi"}))

    run(redactions())
    report = service.fetch("paged", source_for(service.get("paged"), env))
    assert (report.failed, report.withdrawn, report.error_count) == (None, 1, 0), report
    assert {e.value for e in bank_svc.list_entries(follower, "paged")} == set(values[2:])


def test_arguments_are_checked_first(tmp_path: Path, follower: SqlBankStore) -> None:
    args = ["matrix-policy", "publish", "--room", "#p:hs", "--bank", "b",
            "--homeserver", "http://127.0.0.1:9"]
    result = CliRunner().invoke(app_for(args), args, env={"REMPART_MATRIX_TOKEN": ""})
    assert result.exit_code == 2 and "REMPART_MATRIX_TOKEN" in result.output
    bad = [*args[:2], "--room", "policies", *args[4:]]
    result = CliRunner().invoke(app_for(bad), bad, env={"REMPART_MATRIX_TOKEN": "t"})
    assert result.exit_code == 2 and "--room" in result.output
    service = exchange_service(follower)
    from rempart.services.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="--room"):
        service.add("x", "matrix_policy", "x", url="https://hs.example")
    with pytest.raises(InvalidArgument, match="matrix_policy"):
        service.add("y", "rempart", "y", url="https://hs.example/feed", room="#p:hs")
    bank_svc.create_bank(follower, "allow", kind=BankKind.ALLOWLIST)
    from rempart.services.policy_room import publish_bank

    class Sink:
        def current(self, key: str) -> None:
            return None

        def put(self, key: str, content: Any) -> None:
            raise AssertionError("nothing may be written")

    with pytest.raises(InvalidArgument, match="allowlist"):
        publish_bank(follower, "allow", "!r:hs", Sink())
    service.add("feed", "rempart", "fed", url="https://peer.example/api/v1/feeds/x")
    with pytest.raises(InvalidArgument, match="third party"):
        publish_bank(follower, "fed", "!r:hs", Sink())


def test_what_cannot_be_shared_is_counted_not_sent(follower: SqlBankStore) -> None:
    import json

    from rempart.core.policy_room import read_policy
    from rempart.services.policy_room import publish_bank

    bank_svc.create_bank(follower, "videos", kind=BankKind.MODERATOR)
    frames = [f"{i:064x},100,{i}.000" for i in range(1, 1200)]  # a long video: ~90 kB
    bank_svc.add_signal(follower, "videos", "vpdq", json.dumps(frames))
    bank_svc.add_signal(follower, "videos", "pdq", PDQ)
    written: dict[str, Any] = {}

    class Sink:
        def current(self, key: str) -> Any:
            return written.get(key)

        def put(self, key: str, content: Any) -> None:
            written[key] = content

    report = publish_bank(follower, "videos", "!r:hs", Sink())
    assert (report.published, report.too_large) == (1, 1)
    assert list(written) == [state_key("pdq", PDQ)]
    with pytest.raises(ValueError, match="not shared"):
        read_policy(state_key("orb", "AAAA"), {"signal_type": "orb", "value": "AAAA",
                                               "recommendation": "block"})
