"""Words of the sign-in lockout (user page) and of the report form's proof of work.

Example::

    MESSAGES["users.unlock"]      # ("Débloquer", "Unlock")
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "users.locked": ("Bloqué après trop d'échecs de connexion, jusqu'à {until}",
                     "Locked after too many failed sign-ins, until {until}"),
    "users.unlock": ("Débloquer", "Unlock"),
    "users.unlocked": ("Compte débloqué.", "Account unlocked."),
    "report.pow_working": ("Vérification anti-abus en cours (quelques secondes)…",
                           "Anti-abuse check in progress (a few seconds)…"),
    "report.pow_needed": (
        "Ce formulaire a besoin de JavaScript pour une courte vérification anti-abus "
        "(rien n'est envoyé ailleurs). Sans JavaScript, signalez par l'API ou par courriel à "
        "l'équipe de modération.",
        "This form needs JavaScript for a short anti-abuse check (nothing is sent elsewhere). "
        "Without JavaScript, report through the API or by e-mail to the moderation team."),
    "report.pow_failed": (
        "La vérification anti-abus a expiré ou échoué : renvoyez le formulaire.",
        "The anti-abuse check expired or failed: send the form again."),
}
