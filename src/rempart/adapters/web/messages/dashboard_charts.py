"""Messages of the dashboard's charts (``/console/``)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "dash.charts": ("Correspondances et file d'examen", "Matches and review queue"),
    "dash.matches_by_bank": ("Correspondances par jour et par banque (14 jours)",
                             "Matches per day by bank (14 days)"),
    "dash.matches_by_source": ("Correspondances par jour et par source (14 jours)",
                               "Matches per day by source (14 days)"),
    "dash.chats": ("Où les contenus connus circulent le plus (14 jours)",
                   "Where banked content was seen most (14 days)"),
    "dash.notices_by_category": ("Signalements reçus par catégorie (14 jours)",
                                 "Notices received by category (14 days)"),
    "dash.time_to_decision": ("Délai avant la première décision (signalements de 14 jours)",
                              "Time to first decision (notices of 14 days)"),
    "dash.backlog_age": ("Éléments à examiner selon leur âge",
                         "Items awaiting review by age"),
    "dash.no_matches": ("Aucune correspondance ces 14 derniers jours.",
                        "No match in the last 14 days."),
    "dash.truncated": ("Seules les 100 000 correspondances les plus récentes sont comptées.",
                       "Only the latest 100,000 matches are counted."),
}
