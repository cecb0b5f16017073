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
    "no_media": ("Ce dossier ne contient aucune image ni vidéo : seulement des empreintes, des "
                 "liens et du texte.",
                 "This package holds no image or video: only hashes, links and text."),
    "tool": ("Outil", "Tool"),
    "registered": ("Images enregistrées par la victime", "Images registered by the victim"),
    "withdrawn": ("retirée le", "withdrawn on"),
    "timeline": ("Chronologie des constats", "Timeline of findings"),
    "no_findings": ("Aucun constat pour le moment.", "No finding so far."),
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
