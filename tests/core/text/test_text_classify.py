"""Each label on positives and hard negatives; spans explain labels in the original text."""

from __future__ import annotations

import json

import pytest

from rempart.core.text import LABELS, TextVerdict, classify, classify_batch
from rempart.core.text.model import load

POSITIVES = [
    ("Qui a des nudes de mères de familles ?", "ncii_request"),
    ("Est-ce que quelqu'un a des bails sur elle ?", "ncii_request"),
    ("qqn a les d0ss des meufs du 91 ??", "ncii_request"),
    ("anyone got nudes of the girl in the pic?", "ncii_request"),
    ("Mon ex m'a trompé, je vous envoie toutes ses nudes ici", "ncii_share"),
    ("échange nudes d'ex", "ncii_share"),
    ("je vends le leak MYM de Fictiva, 10€ paypal", "ncii_share"),
    ("échange de doss de mineures en pv", "child_exploitation"),
    ("groupe mineurs lien en mp", "child_exploitation"),
    ("qui a des nudes de collégiennes ?", "child_exploitation"),
    ("🍕 dispo, mp pour le lien", "child_exploitation"),
    ("m1n3ur3s en pv 🔞", "child_exploitation"),
    ("trading cp, dm", "child_exploitation"),
    ("trouvez moi où elle habite, on va l'afficher", "doxxing"),
    ("balance son insta qu'on la spamme", "doxxing"),
    ("rejoignez le nouveau groupe fisha du 93 : t.me/+AbCdEf123", "group_promotion"),
    ("t . me / + QwErTy456 pour les dossiers de meufs", "group_promotion"),
    # Missed before the second stage (issue 17): grooming, a class sold, an address, a link.
    ("so mature for 14… don't tell your mom… delete the chat", "child_exploitation"),
    ("t'es trop mature pour tes 13 ans, dis rien à ta mère et efface nos messages",
     "child_exploitation"),
    ("je vends les vidéos de la classe de 4eB, 10€ le lot", "child_exploitation"),
    ("elle habite au 14 rue des Fictifs, 3e étage, allez lui rendre visite", "doxxing"),
    ("son num : zéro six, trente-neuf, quatre-vingt-dix-huit, douze. spammez la", "doxxing"),
    ("the video of Lunabelle I promised ➡️ t.me/+FakeVid77", "ncii_share"),
    ("je paie 15€ en paysafecard pour les tofs de la nouvelle", "ncii_request"),
]

HARD_NEGATIVES = [
    "On m'a affichée sur un compte fisha, comment je fais pour faire supprimer ?",
    "Signalez le compte fisha 93 svp, il publie des photos de filles sans leur accord",
    "La diffusion d'images intimes sans consentement est punie de 2 ans de prison",
    "Mon dossier Parcoursup est complet, j'attends les réponses",
    "Dossier de location : fiches de paie, avis d'imposition et pièce d'identité",
    "on signe le bail de l'appart lundi",
    "c'est quoi les bails ce soir ? on sort ?",
    "ce rouge à lèvres nude est parfait pour le quotidien",
    "l'exposition sur le nu dans la peinture au musée est superbe",
    "Disparition inquiétante : Lunabelle, 16 ans, vue pour la dernière fois. Appelez le 17",
    "rejoignez le groupe du club de foot : t.me/+FootFake123",
    "ma fille entre en CP cette année, des conseils pour les fournitures ?",
    "pizza 🍕 ce soir chez Zorbina, qui ramène les boissons ?",
    "quelqu'un a l'adresse du resto de samedi ?",
    "qui a les photos de la soirée d'hier ? on était tous trop beaux",
    "my ex is threatening to leak my photos, what can I do?",
    # Flagged before (issue 17): a colleague's folder, a school trip, a football "leak".
    "hey, send me the folder when you get a sec, need the invoices",
    "Voyage scolaire en Espagne : les élèves de 4eB partent le 12 mars, autorisations au CPE",
    "LEAK : la compo de l'OM pour ce soir aurait fuité, Payet titulaire ??",
    "Grooming signs: an adult who says 'you're so mature for your age' and asks to keep secrets",
    "ma fille de 12 ans est très mature, elle garde son petit frère",
    "mon numéro a changé, voici le nouveau : 06 39 98 00 11, enregistrez le",
]


@pytest.mark.parametrize(("text", "label"), POSITIVES)
def test_positive_messages_get_their_label(text: str, label: str) -> None:
    verdict = classify(text)
    assert label in verdict.labels, (text, verdict)
    assert verdict.scores[label] >= load().thresholds[label]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_stay_clean(text: str) -> None:
    verdict = classify(text)
    assert verdict.labels == (), (text, verdict)
    assert verdict.spans == ()


@pytest.mark.parametrize(("text", "label"), POSITIVES)
def test_every_label_is_explained_by_spans_into_the_original(text: str, label: str) -> None:
    verdict = classify(text)
    for lab in verdict.labels:
        spans = [s for s in verdict.spans if s.label == lab]
        assert spans, (text, lab)
        for s in spans:
            assert 0 <= s.start < s.end <= len(text)
            assert text[s.start:s.end].strip()
            assert s.reason


def test_span_of_an_evaded_word_covers_the_evasion() -> None:
    text = "qui a des n u d e s de la meuf du 94 ?"
    verdict = classify(text)
    words = {text[s.start:s.end] for s in verdict.spans}
    assert "n u d e s" in words
    assert "du 94" in words


def test_verdict_json_shape() -> None:
    text = "échange nudes d'ex"
    record = classify(text).to_json(text)
    assert list(record) == ["text", "labels", "scores", "spans"]
    assert set(record["scores"]) == set(LABELS)
    assert all(set(s) == {"start", "end", "label", "reason"} for s in record["spans"])
    json.dumps(record)


def test_verdict_is_frozen_and_batch_matches_single() -> None:
    texts = [t for t, _ in POSITIVES[:4]] + HARD_NEGATIVES[:4]
    batch = classify_batch(texts)
    assert [v.labels for v in batch] == [classify(t).labels for t in texts]
    with pytest.raises(AttributeError):
        batch[0].labels = ()  # type: ignore[misc]
    assert isinstance(batch[0], TextVerdict)


def test_shipped_weights_load() -> None:
    model = load()
    assert model.labels == LABELS
    assert model.coef.shape == (len(model.index), len(LABELS))
    assert set(model.thresholds) == set(LABELS)
    assert all(0.0 < t < 1.0 for t in model.thresholds.values())


def test_empty_and_odd_inputs() -> None:
    for text in ("", "   ", "🍕", "?!", "\u200b"):
        assert classify(text).labels == ()
