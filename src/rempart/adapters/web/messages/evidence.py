"""Words of the evidence package pages (console selection, victim download button)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.evidence": ("Preuves", "Evidence"),
    "evidence.title": ("Dossier de preuves", "Evidence package"),
    "evidence.intro": (
        "Cochez les constats à inclure : le dossier (PDF, JSON et manifeste SHA-256 dans un ZIP) "
        "ne contient aucune image, seulement des empreintes, des liens et du texte. Chaque "
        "dossier produit est inscrit au journal d'audit.",
        "Tick the findings to include: the package (PDF, JSON and a SHA-256 manifest in a ZIP) "
        "holds no image, only hashes, links and text. Every package built is written to the "
        "audit log."),
    "evidence.chat": ("Discussion (id)", "Chat (id)"),
    "evidence.scan": ("Analyse (id)", "Scan (id)"),
    "evidence.filter": ("Filtrer", "Filter"),
    "evidence.none": ("Aucun constat.", "No finding."),
    "evidence.date": ("Date (UTC)", "Date (UTC)"),
    "evidence.sender": ("Expéditeur", "Sender"),
    "evidence.text": ("Texte", "Text"),
    "evidence.matches": ("Correspondances", "Matches"),
    "evidence.language": ("Langue du dossier", "Package language"),
    "evidence.download": ("Télécharger le dossier de preuves (ZIP)",
                          "Download the evidence package (ZIP)"),
    "evidence.victim_help": (
        "Pour une plainte ou un avocat : les apparitions confirmées par un modérateur (lien, "
        "date, discussion), infractions, où déposer plainte, liste pour un constat de "
        "commissaire de justice. Aucune image.",
        "For a complaint or a lawyer: the sightings a moderator confirmed (link, date, chat), "
        "offences, where to file, checklist for a bailiff's constat. No image."),
    "evidence.case_intro": (
        "Ou tout le dossier d'une victime (apparitions confirmées et en attente, avec "
        "expéditeurs, textes et messages voisins) : réservé à la modération et aux enquêteurs, "
        "jamais à la personne qui a ouvert le dossier.",
        "Or a victim's whole case (sightings confirmed and awaiting review, with senders, texts "
        "and neighbouring messages): for moderation and investigators only, never for the "
        "person who opened the case."),
    "evidence.case_number": ("Numéro de dossier", "Case number"),
    "evidence.prev": ("Précédents", "Previous"),
    "evidence.next": ("Suivants", "Next"),
    "evidence.forbidden": ("Seuls les modérateurs et les administrateurs peuvent produire un "
                           "dossier de preuves.",
                           "Only moderators and administrators can build evidence packages."),
}
