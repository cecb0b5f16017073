"""Words of the victim's case page (``/protect/status``): actions, notices, public places,
closing, the minor's escalation.

Example::

    MESSAGES["case_status.actions"]      # ("Mesures prises", "Actions taken")
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "case_status.closed_banner": (
        "Dossier clos le {date} : toutes les empreintes ont été retirées de la banque et ne "
        "sont plus recherchées nulle part.",
        "Case closed on {date}: every signal was withdrawn from the bank and is no longer "
        "looked for anywhere."),
    "case_status.withdrawn": ("Images retirées", "Images withdrawn"),
    "case_status.none_checked": ("Cochez les images à retirer.",
                                 "Check the images to withdraw."),
    "case_status.kind": ("Type", "Kind"),
    "case_status.kind_image": ("image", "image"),
    "case_status.kind_video": ("vidéo", "video"),
    "case_status.kind_file": ("fichier (empreinte exacte)", "file (exact hash)"),
    "case_status.no_match": ("Aucune correspondance trouvée pour l'instant.",
                             "No match found so far."),
    "case_status.actions": ("Mesures prises", "Actions taken"),
    "case_status.action_removed": ("Messages supprimés par le bot",
                                   "Messages removed by the bot"),
    "case_status.action_confirmed": ("Confirmées par un modérateur",
                                     "Confirmed by a moderator"),
    "case_status.action_under_review": ("En cours d'examen par un modérateur",
                                        "Under review by a moderator"),
    "case_status.action_dismissed": ("Écartées par un modérateur (ce n'était pas votre image)",
                                     "Dismissed by a moderator (not your image)"),
    "case_status.notices": ("Signalements (DSA) sur ces contenus",
                            "Notices (DSA) about this content"),
    "case_status.notices_none": ("Aucun signalement pour l'instant.", "No notice so far."),
    "case_status.notice_ref": ("Référence", "Reference"),
    "case_status.notice_category": ("Catégorie", "Category"),
    "case_status.notice_state": ("État", "State"),
    "case_status.notice_received": ("Reçu le", "Received on"),
    "case_status.notice_deadline": ("Échéance", "Deadline"),
    "case_status.notice_priority": ("Priorité", "Priority"),
    "case_status.escalated": ("traitement immédiat", "immediate"),
    "case_status.normal": ("normale", "normal"),
    "case_status.other_reporter": ("déposé par une autre personne", "filed by someone else"),
    "case_status.places": ("Messages publics où votre image a été confirmée",
                           "Public messages where your image was confirmed"),
    "case_status.places_help": (
        "Seuls les messages publics (canaux et groupes publics) confirmés par un modérateur "
        "sont listés : vous pouvez les signaler vous-même. Les conversations privées ne sont "
        "comptées que par type de lieu.",
        "Only public messages (public channels and groups) confirmed by a moderator are "
        "listed: you may report them yourself. Private chats are only counted by place type."),
    "case_status.escalated_minor": (
        "Votre dossier a été transmis en priorité aux modérateurs (traitement immédiat).",
        "Your case was sent to the moderators as a priority (immediate handling)."),
    "case_status.privacy": (
        "Cette page ne montre que ce qui concerne vos images : le nombre de correspondances "
        "confirmées par un modérateur, leur type de lieu et leurs dates, le nombre d'apparitions "
        "possibles en attente de vérification, et les mesures prises. Jamais l'identité des "
        "personnes qui les ont publiées ou signalées.",
        "This page only shows what concerns your images: how many matches a moderator "
        "confirmed, their place type and dates, how many possible sightings await review, and "
        "actions taken. Never who posted or reported them."),
    "case_status.awaiting_review": ("Apparitions possibles en attente de vérification",
                                    "Possible sightings awaiting review"),
}
