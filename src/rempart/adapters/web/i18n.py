"""French and English messages of the console and the public pages.

One catalog: ``key → (French, English)``. A missing key shows the key itself, so a forgotten
message is visible rather than fatal (and the test suite checks both languages are complete).

Example::

    >>> translator("en")("login.title")
    'Sign in'
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

CATALOG: dict[str, tuple[str, str]] = {
    "app.name": ("Rempart", "Rempart"),
    "app.console": ("Console de modération", "Moderation console"),
    "nav.skip": ("Aller au contenu", "Skip to content"),
    "nav.dashboard": ("Tableau de bord", "Dashboard"),
    "nav.review": ("File de revue", "Review queue"),
    "nav.notices": ("Signalements", "Notices"),
    "nav.banks": ("Banques", "Banks"),
    "nav.report": ("Signaler un contenu", "Report content"),
    "nav.status": ("Suivre un signalement", "Follow a report"),
    "nav.logout": ("Se déconnecter", "Sign out"),
    "nav.language": ("Langue", "Language"),
    "nav.signed_in": ("Connecté·e : {user} ({role})", "Signed in: {user} ({role})"),
    "login.title": ("Connexion", "Sign in"),
    "login.username": ("Nom d'utilisateur", "User name"),
    "login.password": ("Mot de passe", "Password"),
    "login.submit": ("Se connecter", "Sign in"),
    "login.failed": ("Nom d'utilisateur ou mot de passe incorrect, ou compte bloqué après trop "
                     "d'essais : réessayez plus tard ou demandez à un administrateur.",
                     "Wrong user name or password, or the account is locked after too many "
                     "attempts: try again later or ask an admin."),
    "login.help": ("Pas de compte par défaut : un administrateur est créé avec "
                   "« rempart user create --admin ».",
                   "There is no default account: an administrator is created with "
                   "\"rempart user create --admin\"."),
    "error.forbidden": ("Action refusée", "Not allowed"),
    "error.csrf": ("Formulaire expiré ou invalide : rechargez la page et recommencez.",
                   "This form expired or is invalid: reload the page and try again."),
    "error.readonly": ("Votre rôle est en lecture seule.", "Your role is read-only."),
    "error.not_found": ("Introuvable", "Not found"),
    "error.title": ("Erreur", "Error"),
    "dash.title": ("Tableau de bord", "Dashboard"),
    "dash.open_notices": ("Signalements ouverts par échéance", "Open notices by deadline"),
    "dash.review": ("En attente de revue", "Awaiting review"),
    "dash.review_count": ("{count} élément(s) ; le plus ancien : {oldest}",
                          "{count} item(s); oldest: {oldest}"),
    "dash.none": ("Aucun", "None"),
    "dash.banks": ("Banques", "Banks"),
    "notices.title": ("Signalements", "Notices"),
    "notices.filter": ("Filtrer", "Filter"),
    "notices.any": ("Tous", "Any"),
    "notices.state": ("État", "State"),
    "notices.category": ("Catégorie", "Category"),
    "notices.escalated": ("Prioritaire", "Escalated"),
    "notices.deadline": ("Échéance", "Deadline"),
    "notices.received": ("Reçu le", "Received"),
    "notices.case": ("Dossier", "Case"),
    "notices.assigned": ("Attribué à", "Assigned to"),
    "notices.none": ("Aucun signalement.", "No notices."),
    "notices.explanation": ("Explication du signalant", "Reporter's explanation"),
    "notices.location": ("Emplacement", "Location"),
    "notices.contact": ("Contact", "Contact"),
    "notices.good_faith": ("Déclaration de bonne foi", "Good-faith statement"),
    "notices.decisions": ("Décisions", "Decisions"),
    "notices.appeal": ("Recours", "Appeal"),
    "notices.assign": ("Attribuer", "Assign"),
    "notices.assignee": ("Modérateur·rice", "Moderator"),
    "notices.decide": ("Décider", "Decide"),
    "notices.action": ("Mesure", "Action"),
    "notices.summary": ("Résumé pour le signalant", "Summary for the reporter"),
    "notices.statement": ("Exposé des motifs (DSA art. 17)", "Statement of reasons (DSA art. 17)"),
    "notices.statement_help": ("Requis pour toute mesure autre que « aucune mesure ». "
                               "Ne nommez personne.",
                               "Required for any action but \"no action\". Name nobody."),
    "notices.appeal_decide": ("Décider le recours", "Decide the appeal"),
    "notices.outcome": ("Issue", "Outcome"),
    "notices.reason": ("Motif", "Reason"),
    "notices.new_action": ("Nouvelle mesure (si infirmée)", "New action (if reversed)"),
    "notices.appeal_other": ("Le recours doit être décidé par une autre personne que la "
                             "première décision.",
                             "The appeal must be decided by someone else than the first "
                             "decision."),
    "notices.yes": ("oui", "yes"),
    "notices.no": ("non", "no"),
    "notices.prev": ("Précédents", "Previous"),
    "notices.next": ("Suivants", "Next"),
    "sor.ground": ("Fondement", "Ground"),
    "sor.legal_ground": ("Base légale ou règle", "Legal ground or rule"),
    "sor.explanation": ("Explication", "Explanation"),
    "sor.category": ("Catégorie (Transparency Database)", "Category (Transparency Database)"),
    "sor.content_type": ("Type de contenu", "Content type"),
    "sor.visibility": ("Restriction de visibilité", "Visibility restriction"),
    "sor.account": ("Mesure sur le compte", "Account measure"),
    "sor.facts": ("Faits et circonstances", "Facts and circumstances"),
    "sor.content_date": ("Date du contenu", "Content date"),
    "sor.application_date": ("Date d'application", "Application date"),
    "sor.automated_detection": ("Détection automatisée", "Automated detection"),
    "sor.source_type": ("Source", "Source"),
    "sor.territorial_scope": ("Portée territoriale (codes pays séparés par des virgules)",
                              "Territorial scope (comma-separated country codes)"),
    "review.title": ("File de revue", "Review queue"),
    "review.none": ("Rien à revoir.", "Nothing to review."),
    "review.item": ("Élément {id}", "Item {id}"),
    "review.kind": ("Type", "Kind"),
    "review.signal": ("Signal", "Signal"),
    "review.distance": ("Distance", "Distance"),
    "review.bank": ("Banque", "Bank"),
    "review.provenance": ("Provenance de l'entrée", "Entry provenance"),
    "review.seen": ("Vu à", "Seen at"),
    "review.link": ("Lien du message", "Message link"),
    "review.text": ("Texte", "Text"),
    "review.why": ("Pourquoi signalé", "Why it was flagged"),
    "review.labels": ("Étiquettes", "Labels"),
    "review.status": ("Statut", "Status"),
    "review.confirm": ("Confirmer", "Confirm"),
    "review.dismiss": ("Écarter", "Dismiss"),
    "review.reason": ("Motif de la décision", "Reason for the decision"),
    "review.allowlist": ("Ajouter à la liste d'autorisation", "Add to the allowlist"),
    "review.no_allowlist": ("(ne pas ajouter)", "(do not add)"),
    "review.decided": ("Décidé : {decision} par {who} le {at}",
                       "Decided: {decision} by {who} on {at}"),
    "review.no_media": ("Aucun média n'est affiché ni conservé : seulement des empreintes.",
                        "No media is shown or kept: only hashes."),
    "review.show_all": ("Voir aussi les éléments décidés", "Show decided items too"),
    "banks.title": ("Banques d'empreintes", "Hash banks"),
    "banks.name": ("Nom", "Name"),
    "banks.kind": ("Nature", "Kind"),
    "banks.policy": ("Politique", "Policy"),
    "banks.entries": ("Entrées", "Entries"),
    "banks.thresholds": ("Seuils (PDQ / vPDQ)", "Thresholds (PDQ / vPDQ)"),
    "banks.recent": ("Entrées récentes (provenance)", "Recent entries (provenance)"),
    "banks.source": ("Source", "Source"),
    "banks.submitted": ("Soumis le", "Submitted"),
    "banks.case": ("Dossier", "Case"),
    "banks.none": ("Aucune banque.", "No banks."),
    "banks.enabled": ("Active", "Enabled"),
    "banks.description": ("Description", "Description"),
    "report.title": ("Signaler un contenu", "Report content"),
    "report.intro": ("Aucun compte n'est nécessaire. Vous recevrez un numéro de dossier et un "
                     "code secret pour suivre votre signalement.",
                     "No account is needed. You will get a case number and a secret code to "
                     "follow your report."),
    "report.where": ("Où se trouve le contenu ?", "Where is the content?"),
    "report.message_link": ("Lien du message (ex. https://t.me/c/…)",
                            "Message link (e.g. https://t.me/c/…)"),
    "report.invite_link": ("Lien d'invitation du groupe", "Group invite link"),
    "report.chat_id": ("Identifiant du groupe", "Chat id"),
    "report.message_id": ("Identifiant du message", "Message id"),
    "report.location_text": ("Autre description de l'emplacement",
                             "Other description of the place"),
    "report.category": ("De quoi s'agit-il ?", "What is it?"),
    "report.explanation": ("Pourquoi ce contenu est-il illégal ou préjudiciable ?",
                           "Why is this content illegal or harmful?"),
    "report.imminent": ("Il y a un danger immédiat pour quelqu'un",
                        "Someone is in immediate danger"),
    "report.contact": ("Vous contacter (facultatif)", "Contact you (optional)"),
    "report.contact_help": ("Jamais obligatoire, en particulier pour les abus sexuels sur "
                            "enfants : laissez vide si vous préférez.",
                            "Never required, in particular for child sexual abuse: leave "
                            "blank if you prefer."),
    "report.contact_name": ("Nom", "Name"),
    "report.contact_email": ("Adresse e-mail", "Email address"),
    "report.good_faith": ("Je déclare de bonne foi que les informations sont exactes et "
                          "complètes.",
                          "I state in good faith that this information is accurate and "
                          "complete."),
    "report.good_faith_needed": ("Cochez la déclaration de bonne foi.",
                                 "Tick the good-faith statement."),
    "report.submit": ("Envoyer le signalement", "Send the report"),
    "report.done": ("Signalement reçu", "Report received"),
    "report.case": ("Numéro de dossier", "Case number"),
    "report.secret": ("Code secret", "Secret code"),
    "report.keep": ("Notez ces deux valeurs maintenant : le code secret ne sera plus jamais "
                    "affiché et personne ne peut le retrouver.",
                    "Write both down now: the secret code will never be shown again and "
                    "nobody can recover it."),
    "report.escalated": ("Votre signalement est traité en priorité.",
                         "Your report is handled with priority."),
    "status.title": ("Suivre un signalement", "Follow a report"),
    "status.lookup": ("Voir l'état", "See the status"),
    "status.not_found": ("Aucun signalement ne correspond à ce numéro et ce code.",
                         "No report matches this case number and code."),
    "status.state": ("État", "State"),
    "status.decided_at": ("Décidé le", "Decided on"),
    "status.action": ("Mesure", "Action"),
    "status.summary": ("Résumé", "Summary"),
    "status.appeal_until": ("Recours possible jusqu'au", "Appeal possible until"),
    "status.appeal": ("Contester la décision", "Contest the decision"),
    "status.appeal_reason": ("Pourquoi contestez-vous la décision ?",
                             "Why do you contest the decision?"),
    "status.appeal_submit": ("Envoyer le recours", "Send the appeal"),
    "status.appeal_filed": ("Recours déposé le", "Appeal filed on"),
    "status.appeal_outcome": ("Issue du recours", "Appeal outcome"),
    "form.required": ("obligatoire", "required"),
    "form.optional": ("facultatif", "optional"),
    "state.received": ("reçu", "received"),
    "state.in_review": ("en cours d'examen", "in review"),
    "state.decided": ("décidé", "decided"),
    "state.appealed": ("en recours", "appealed"),
    "state.closed": ("clos", "closed"),
    "category.ncii": ("Image intime diffusée sans consentement",
                      "Intimate image shared without consent"),
    "category.csam": ("Abus sexuel sur enfant", "Child sexual abuse"),
    "category.doxxing": ("Divulgation de données personnelles", "Doxxing (personal data)"),
    "category.violence": ("Violence ou menaces", "Violence or threats"),
    "category.other": ("Autre", "Other"),
    "action.remove": ("retrait", "removal"),
    "action.restrict": ("restriction", "restriction"),
    "action.suspend_account": ("suspension du compte", "account suspension"),
    "action.no_action": ("aucune mesure", "no action"),
    "outcome.upheld": ("confirmée", "upheld"),
    "outcome.reversed": ("infirmée", "reversed"),
    "protect.title": ("Protéger mes images", "Protect my images"),
    "protect.intro": ("Choisissez les photos à protéger. Leurs empreintes (PDQ et SHA-256) "
                      "sont ajoutées à une banque : si elles sont repérées, elles sont "
                      "examinées par un humain.",
                      "Choose the photos to protect. Their fingerprints (PDQ and SHA-256) are "
                      "added to a bank: if they are found, a human reviews them."),
    "protect.local": ("Vos images ne quittent jamais votre appareil : seules leurs empreintes "
                      "sont envoyées.",
                      "Your images never leave your device: only their fingerprints are sent."),
    "protect.files": ("Photos", "Photos"),
    "protect.max": ("Jusqu'à {max} photos par dossier.", "Up to {max} photos per case."),
    "protect.thumbs": ("Aperçu local", "Local preview"),
    "protect.minor": ("Ces images montrent une personne mineure",
                      "These images show a minor"),
    "protect.contact": ("Vous contacter (facultatif)", "Contact you (optional)"),
    "protect.contact_help": ("Jamais obligatoire : le numéro de dossier et le code secret "
                             "suffisent pour suivre le dossier.",
                             "Never required: the case number and the secret code are enough "
                             "to follow the case."),
    "protect.submit": ("Protéger ces images", "Protect these images"),
    "protect.hashing": ("Calcul des empreintes sur votre appareil…",
                        "Computing the fingerprints on your device…"),
    "protect.working": ("Vérification anti-abus…", "Anti-abuse check…"),
    "protect.failed": ("L'enregistrement a échoué : rechargez la page et recommencez.",
                       "Registration failed: reload the page and try again."),
    "protect.too_many": ("Au plus {max} photos par dossier.", "At most {max} photos per case."),
    "protect.none_chosen": ("Choisissez au moins une photo.", "Choose at least one photo."),
    "protect.done": ("Images protégées", "Images protected"),
    "protect.items": ("Images enregistrées", "Registered images"),
    "protect.status_link": ("Suivre mon dossier", "Follow my case"),
    "protect.status_title": ("Suivre mon dossier de protection", "Follow my protection case"),
    "protect.not_found": ("Numéro de dossier ou code secret incorrect.",
                          "Wrong case number or secret code."),
    "protect.state": ("État", "State"),
    "protect.state_open": ("ouvert", "open"),
    "protect.state_closed": ("clos", "closed"),
    "protect.registered": ("Images enregistrées", "Images registered"),
    "protect.active": ("Images encore protégées", "Images still protected"),
    "protect.matches": ("Correspondances confirmées par un modérateur",
                        "Matches confirmed by a moderator"),
    "protect.first_seen": ("Première fois vue", "First seen"),
    "protect.last_seen": ("Dernière fois vue", "Last seen"),
    "protect.by_place": ("Par type de lieu", "By place type"),
    "protect.by_date": ("Par date", "By date"),
    "protect.place_channel": ("Canal ou grand groupe", "Channel or large group"),
    "protect.place_group": ("Groupe", "Group"),
    "protect.place_private": ("Conversation privée", "Private chat"),
    "protect.place_file": ("Fichier analysé", "Scanned file"),
    "protect.registered_at": ("Enregistrée le", "Registered on"),
    "protect.item_active": ("protégée", "protected"),
    "protect.item_withdrawn": ("retirée le", "withdrawn on"),
    "protect.withdraw": ("Retirer les images cochées", "Withdraw the checked images"),
    "protect.close": ("Tout retirer et clore le dossier", "Withdraw everything and close"),
    "protect.close_help": ("Retirer une image efface ses empreintes de la banque : elle ne "
                           "sera plus repérée.",
                           "Withdrawing an image deletes its fingerprints from the bank: it "
                           "will no longer be found."),
    "protect.withdrawn": ("{count} image(s) retirée(s).", "{count} image(s) withdrawn."),
    "protect.closed_done": ("Dossier clos : toutes les empreintes ont été retirées.",
                            "Case closed: every fingerprint was withdrawn."),
    "protect.minor_title": ("Si les images montrent une personne mineure",
                            "If the images show a minor"),
    "protect.help_3018": ("Appelez le 3018 (gratuit, anonyme) ou écrivez-lui :",
                          "Call 3018 (free, anonymous, France) or write to them:"),
    "protect.help_pdc": ("Signalez les contenus en ligne à",
                         "Report online content to"),
    "protect.help_pharos": ("Signalez les contenus publics illicites à la police sur",
                            "Report illegal public content to the police on"),
    "protect.help_tid": ("Empreintes partagées avec les plateformes par",
                         "Fingerprints shared with platforms by"),
}


def _merge_features() -> None:
    from rempart.adapters.web.messages import feature_catalogs

    for key, pair in feature_catalogs().items():
        if key in CATALOG:
            raise ValueError(f"message key {key!r} defined twice")
        CATALOG[key] = pair


_merge_features()


def translator(language: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``language`` (French when unknown)."""
    index = LANGUAGES.index(language) if language in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        pair = CATALOG.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """``?lang=``, then the cookie, then the browser's first known language, then French."""
    for value in (query, cookie):
        if value in LANGUAGES:
            return value
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
