"""The words of the evidence PDF, in French and English (the legal texts are in
``core.evidence_law``).

Example::

    >>> label("timeline", "en")
    'Timeline of findings'
"""

from __future__ import annotations

from rempart.core.evidence_law import Language, Text, localized

LABELS: dict[str, Text] = {
    "title": ("Dossier de preuves", "Evidence package"),
    "reference": ("Référence", "Reference"),
    "generated": ("Généré le", "Generated"),
    "page": ("page", "page"),
    "for": ("Pour qui", "Who this package is for"),
    "for_victim": ("Dossier de la victime, dossier n° {case}. À remettre au commissariat, à la "
                   "gendarmerie, au procureur de la République ou à un avocat.",
                   "Prepared for the victim, case no. {case}. To hand to the police, the "
                   "gendarmerie, the public prosecutor or a lawyer."),
    "for_selection": ("Sélection de constats établie par {who} (modération). À remettre au "
                      "commissariat, à la gendarmerie, au procureur ou à un avocat.",
                      "Selection of findings made by {who} (moderation). To hand to the police, "
                      "the gendarmerie, the prosecutor or a lawyer."),
    "for_case": ("Constats du dossier n° {case}, établis pour {who} (modération). Contient "
                 "l'identité de tiers : ne pas remettre à la personne qui a ouvert le dossier.",
                 "Findings of case no. {case}, prepared for {who} (moderation). Holds third "
                 "parties' identities: not for the person who opened the case."),
    "no_media": ("Ce dossier ne contient aucune image ni vidéo : seulement des empreintes, des "
                 "liens et du texte.",
                 "This package holds no image or video: only hashes, links and text."),
    "tool": ("Outil", "Tool"),
    "registered": ("Images enregistrées par la victime", "Images registered by the victim"),
    "withdrawn": ("retirée le", "withdrawn on"),
    "timeline": ("Chronologie des constats", "Timeline of findings"),
    "no_findings": ("Aucun constat pour le moment.", "No finding so far."),
    "sightings": ("Apparitions confirmées par un modérateur",
                  "Sightings confirmed by a moderator"),
    "sightings_about": ("Chaque apparition ci-dessous a été vérifiée par un modérateur : le "
                        "message montre bien l'une de vos images. Les personnes qui l'ont "
                        "publiée ou transférée ne figurent pas dans ce dossier ; les enquêteurs "
                        "peuvent les demander à l'opérateur avec la référence (F-… ou R-…).",
                        "A moderator checked each sighting below: the message does show one "
                        "of your images. Who posted or forwarded it is not in this package; "
                        "investigators can ask the operator for it with the reference "
                        "(F-… or R-…)."),
    "no_sightings": ("Aucune apparition confirmée pour le moment.",
                     "No confirmed sighting so far."),
    "awaiting_review": ("{n} apparition(s) possible(s) en attente de vérification par un "
                        "modérateur : elles figureront ici une fois confirmées.",
                        "{n} possible sighting(s) awaiting a moderator's review: they will "
                        "appear here once confirmed."),
    "chat_link": ("Lien public de la discussion", "Public link of the chat"),
    "item": ("votre image n°", "your image no."),
    "review": ("Vérification", "Review"),
    "review_confirmed": ("confirmée par un modérateur", "confirmed by a moderator"),
    "review_under_review": ("en attente", "awaiting review"),
    "origin": ("Détecté par", "Detected by"),
    "origin_scan": ("analyse d'un export", "scan of an export"),
    "origin_bot": ("le bot du groupe", "the group's bot"),
    "platform": ("Plateforme", "Platform"),
    "chat": ("Discussion", "Chat"),
    "message": ("Message", "Message"),
    "link": ("Lien", "Link"),
    "date_utc": ("Date (UTC)", "Date (UTC)"),
    "date_paris": ("Date (Paris)", "Date (Paris)"),
    "date_local": ("Date (heure locale de l'export)", "Date (exporter's local time)"),
    "sender": ("Expéditeur", "Sender"),
    "forwarded": ("Transféré de", "Forwarded from"),
    "text": ("Texte", "Text"),
    "neighbours": ("Messages voisins", "Neighbouring messages"),
    "media": ("Média (jamais inclus)", "Media (never included)"),
    "matches": ("Correspondances", "Matches"),
    "distance": ("distance", "distance"),
    "labels": ("Étiquettes du texte (indices automatiques)",
               "Text labels (automated hints)"),
    "links": ("Liens dans le message", "Links in the message"),
    "not_known": ("non connu", "not known"),
    "offences": ("Infractions applicables (Code pénal)", "Applicable offences (French Code pénal)"),
    "suggested": ("suggérée par les constats", "suggested by the findings"),
    "possible": ("possible selon les faits", "possible depending on the facts"),
    "penalties": ("Peines maximales", "Maximum penalties"),
    "where": ("Où déposer plainte ou signaler", "Where to file or report"),
    "constat": ("Constat de commissaire de justice : liste de contrôle",
                "Constat by a commissaire de justice: checklist"),
    "verify": ("Comment vérifier", "How to verify"),
}


def label(key: str, language: Language) -> str:
    """The word ``key`` in ``language``."""
    return localized(LABELS[key], language)
