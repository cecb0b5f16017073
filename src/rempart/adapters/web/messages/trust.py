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
    "trust.duplicate_reason": (
        "Le dossier {case} a enregistré une image que le(s) dossier(s) ouvert(s) {others} "
        "détiennent déjà. Ses signalements restent cachés au dossier {case} tant que cet élément "
        "n'est pas confirmé ; rejetez pour les garder cachés (quelqu'un vérifie peut-être si la "
        "photo d'une autre personne circule).",
        "Case {case} registered an image that open case(s) {others} already hold. Its sightings "
        "stay hidden from case {case} until this item is confirmed; dismiss to keep them hidden "
        "(someone may be checking whether another person's photo circulates)."),
    "trust.actions": ("Actions", "Actions"),
    "trust.act": ("Appliquer", "Apply"),
    "trust.action.confirm": ("Confirmer", "Confirm"),
    "trust.action.hold": ("Mettre en attente", "Hold"),
    "trust.action.release": ("Réactiver", "Release"),
    "trust.action.withdraw": ("Retirer", "Withdraw"),
    "trust.done": ("{n} entrée(s) modifiée(s).", "{n} entries changed."),
}
