"""Messages of the console page of the bot's failed work (``/console/bot``)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.bot": ("Bot", "Bot"),
    "bot.title": ("Actions du bot en échec", "The bot's failed actions"),
    "bot.help": (
        "Suppressions, restrictions, bannissements, alertes, accusés de réception et messages "
        "reçus que le bot n'a pas pu mener à bien. Il réessaie de lui-même, de plus en plus "
        "espacé ; après le dernier essai, l'action est abandonnée et attend qu'une personne la "
        "relance. Le texte des messages n'est jamais affiché.",
        "Deletions, restrictions, bans, alerts, receipts and received updates the bot could "
        "not carry out. It tries again by itself, less and less often; after the last try the "
        "work is given up and waits for someone to retry it. Message texts are never shown."),
    "bot.created": ("Créée le", "Created"),
    "bot.what": ("Action", "Action"),
    "bot.chat": ("Conversation", "Chat"),
    "bot.status": ("État", "Status"),
    "bot.attempts": ("Essais", "Tries"),
    "bot.error": ("Dernière erreur", "Last error"),
    "bot.dead": ("abandonnée", "given up"),
    "bot.retrying": ("nouvel essai à {at} UTC", "next try at {at} UTC"),
    "bot.retry": ("Réessayer", "Retry"),
    "bot.retried": ("Relancée : le bot s'en charge dans quelques secondes.",
                    "Retried: the bot takes it up within seconds."),
    "bot.not_retried": ("Rien à relancer : déjà faite ou déjà en cours.",
                        "Nothing to retry: already done or already pending."),
    "bot.none": ("Aucune action en échec.", "No failed action."),
}
