"""Context: a label completed by the earlier messages is added when the current message takes
part in it, never inherited by a refusal, a report, a call to the moderators, a bot command or
a bare repetition; work stays bounded."""

from __future__ import annotations

from rempart.core.text import classify
from rempart.core.text.context import CONTEXT_CHARS, Earlier, _window, classify_in_context

REQUEST = Earlier("41", "qui a le dossier de Zorbina de la seconde B ?")


def test_a_follow_up_completes_the_request_and_names_the_earlier_message() -> None:
    text = "envoie en pv stp"
    assert classify(text).labels == ()
    verdict = classify_in_context(text, [REQUEST])
    assert verdict.labels == ("ncii_request",) and verdict.context == ("41",)
    assert all(0 <= s.start < s.end <= len(text) for s in verdict.spans)
    assert verdict.to_json()["context"] == ["41"]


def test_refusals_reports_and_repetitions_inherit_nothing() -> None:
    for text in ("non arrête c'est illégal, je signale", "signalé aux admins", "lol non", "up",
                 "?", "je quitte ce groupe", "@admin", "modos ?", "les modérateurs vous dormez ?",
                 "/rempart_purge @all", "/rempart_report"):
        assert classify_in_context(text, [REQUEST]).labels == (), text


def test_innocent_follow_ups_stay_innocent() -> None:
    pairs = [("qqn a le pdf du cours de maths ?", "envoie en pv"),
             ("je vends mon vélo, quasi neuf", "combien ?"),
             ("le groupe de foot de samedi", "le lien ➡️ t.me/+AbCdEf123")]
    for before, text in pairs:
        assert classify_in_context(text, [Earlier("1", before)]).labels == (), text


def test_own_labels_are_kept_and_no_context_changes_nothing() -> None:
    text = "échange nudes d'ex"
    assert classify_in_context(text, []) == classify(text)
    assert classify_in_context(text, [Earlier("1", "salut")]).labels == classify(text).labels


def test_context_read_is_bounded() -> None:
    long = [Earlier(str(i), "x" * 10_000) for i in range(1000)]
    window = _window(long)
    assert len(window) == 1 and sum(len(m.text) for m in window) == CONTEXT_CHARS
    assert classify_in_context("envoie en pv", long).labels == ()


def test_an_earlier_message_without_signal_is_not_read_again() -> None:
    quiet = Earlier(REQUEST.ref, REQUEST.text, signal=False)
    assert classify_in_context("envoie en pv stp", [quiet]).labels == ()
