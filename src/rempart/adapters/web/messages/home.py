"""Words of the home page (``/``): who Rempart serves and where each of them goes.

Example::

    MESSAGES["home.report"]      # ("Signaler un contenu", "Report content")
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "home.title": ("Rempart", "Rempart"),
    "home.intro": (
        "Rempart empêche la diffusion d'images intimes sans consentement, d'abus sexuels sur "
        "mineurs et de violences extrêmes dans les groupes de messagerie. Les images ne sont "
        "jamais conservées : seulement leurs empreintes.",
        "Rempart stops the spread of intimate images shared without consent, child sexual "
        "abuse and extreme violence in messaging groups. Images are never kept: only their "
        "signatures."),
    "home.report": ("Signaler un contenu", "Report content"),
    "home.report_help": (
        "Sans compte. Vous recevez un numéro de dossier et un code pour suivre la réponse.",
        "No account needed. You get a case number and a code to follow the answer."),
    "home.report_status": ("Suivre un signalement", "Follow a report"),
    "home.protect": ("Protéger mes images", "Protect my images"),
    "home.protect_help": (
        "Les empreintes sont calculées sur votre appareil : vos images n'en sortent pas.",
        "The signatures are computed on your device: your images never leave it."),
    "home.protect_status": ("Suivre mon dossier", "Follow my case"),
    "home.staff": ("Équipes", "Teams"),
    "home.console": ("Console de modération", "Moderation console"),
    "home.api": ("API de correspondance (documentation)", "Matching API (documentation)"),
}
