"""Messages of entry trust: confirming, holding, releasing and withdrawing bank items."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "trust.label": ("Confiance", "Trust"),
    "trust.bank": ("selon la banque", "bank policy"),
    "trust.unconfirmed": ("non confirmée (revue seulement)", "unconfirmed (review only)"),
    "trust.confirmed": ("confirmée", "confirmed"),
    "trust.whole_case": ("Confirmer tout le dossier de la victime",
                         "Confirm the victim's whole case"),
    "trust.withdraw": ("Retirer de la banque", "Withdraw from the bank"),
    "trust.hold_reason": ("Mis en attente par le garde-fou : {uploads} fichiers, {places} lieux, "
                          "{senders} expéditeurs en {minutes} min.",
                          "Held by the flood guard: {uploads} files, {places} places, "
                          "{senders} senders in {minutes} min."),
    "trust.actions": ("Actions", "Actions"),
    "trust.act": ("Appliquer", "Apply"),
    "trust.action.confirm": ("Confirmer", "Confirm"),
    "trust.action.hold": ("Mettre en attente", "Hold"),
    "trust.action.release": ("Réactiver", "Release"),
    "trust.action.withdraw": ("Retirer", "Withdraw"),
    "trust.done": ("{n} entrée(s) modifiée(s).", "{n} entries changed."),
}
