"""Messages of the admin pages: users and their sessions, the audit log, statements export."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.users": ("Utilisateurs", "Users"),
    "nav.audit": ("Journal d'audit", "Audit log"),
    "nav.statements": ("Exposés des motifs", "Statements of reasons"),
    "error.admin_only": ("Page réservée aux administrateur·rices.", "Administrators only."),
    "error.audit_readers": ("Journal réservé aux administrateur·rices et analystes.",
                            "The audit log is for administrators and analysts."),
    # users
    "users.title": ("Utilisateurs", "Users"),
    "users.username": ("Nom d'utilisateur", "User name"),
    "users.role": ("Rôle", "Role"),
    "users.status": ("Statut", "Status"),
    "users.created": ("Créé le", "Created"),
    "users.active": ("Actif", "Active"),
    "users.disabled": ("Désactivé", "Disabled"),
    "users.create": ("Créer un utilisateur", "Create a user"),
    "users.create_help": (
        "Aucun mot de passe n'est choisi ni affiché ici : vous recevez un lien à usage unique "
        "(valable 24 heures) que vous transmettez à la personne, qui choisit elle-même son mot "
        "de passe.",
        "No password is chosen or shown here: you get a one-time link (valid 24 hours) to give "
        "to the person, who chooses their own password."),
    "users.create_submit": ("Créer et obtenir le lien", "Create and get the link"),
    "users.link_title": ("Lien à usage unique", "One-time link"),
    "users.link_help": (
        "Transmettez ce lien à {user} par un canal sûr. Il ne sera plus affiché ; il expire "
        "dans 24 heures ou dès son utilisation.",
        "Give this link to {user} over a safe channel. It will not be shown again; it expires "
        "in 24 hours or once used."),
    "users.link_label": ("Lien pour choisir le mot de passe", "Link to choose the password"),
    "users.created_ok": ("Utilisateur {user} créé.", "User {user} created."),
    "users.change_role": ("Changer le rôle", "Change role"),
    "users.disable": ("Désactiver", "Disable"),
    "users.enable": ("Réactiver", "Enable"),
    "users.reset": ("Réinitialiser le mot de passe (nouveau lien)",
                    "Reset the password (new link)"),
    "users.reset_help": (
        "L'ancien mot de passe cesse de fonctionner et les sessions ouvertes sont fermées.",
        "The old password stops working and open sessions are ended."),
    "users.sessions": ("Sessions ouvertes", "Open sessions"),
    "users.sessions_none": ("Aucune session ouverte.", "No open session."),
    "users.session_started": ("Ouverte le", "Opened"),
    "users.session_seen": ("Dernière activité", "Last activity"),
    "users.session_expires": ("Expire le", "Expires"),
    "users.session_agent": ("Navigateur", "Browser"),
    "users.session_revoke": ("Fermer", "End"),
    "users.sessions_revoke_all": ("Fermer toutes les sessions", "End all sessions"),
    "users.sessions_revoked": ("{count} session(s) fermée(s).", "{count} session(s) ended."),
    "users.changes_end_sessions": (
        "Changer le rôle ou le mot de passe, ou désactiver le compte, ferme ses sessions.",
        "Changing the role or password, or disabling the account, ends its sessions."),
    "users.done": ("Modification enregistrée.", "Change saved."),
    "users.detail": ("Utilisateur {user}", "User {user}"),
    "users.back": ("Retour aux utilisateurs", "Back to users"),
    "users.password_title": ("Choisir votre mot de passe", "Choose your password"),
    "users.password_for": ("Compte : {user}", "Account: {user}"),
    "users.password_new": ("Nouveau mot de passe (12 caractères au moins)",
                           "New password (at least 12 characters)"),
    "users.password_confirm": ("Confirmez le mot de passe", "Confirm the password"),
    "users.password_submit": ("Enregistrer le mot de passe", "Save the password"),
    "users.password_mismatch": ("Les deux mots de passe diffèrent.",
                                "The two passwords differ."),
    "users.link_invalid": ("Ce lien est invalide, déjà utilisé ou expiré : demandez-en un "
                           "nouveau à un·e administrateur·rice.",
                           "This link is invalid, used or expired: ask an administrator for a "
                           "new one."),
    "login.password_set": ("Mot de passe enregistré : connectez-vous.",
                           "Password saved: sign in."),
    "role.admin": ("administrateur·rice", "administrator"),
    "role.moderator": ("modérateur·rice", "moderator"),
    "role.analyst": ("analyste (lecture seule)", "analyst (read-only)"),
    # audit
    "audit.title": ("Journal d'audit", "Audit log"),
    "audit.help": ("Chaque action, en ajout seul : rien n'y est modifié ni effacé.",
                   "Every action, append-only: nothing in it is changed or deleted."),
    "audit.at": ("Date", "When"),
    "audit.actor": ("Auteur", "Actor"),
    "audit.actor_type": ("Type d'auteur", "Actor type"),
    "audit.actor_id": ("Auteur (identifiant)", "Actor (id)"),
    "audit.action": ("Action", "Action"),
    "audit.object": ("Objet", "Object"),
    "audit.object_type": ("Type d'objet", "Object type"),
    "audit.object_id": ("Objet (identifiant)", "Object (id)"),
    "audit.details": ("Détails", "Details"),
    "audit.since": ("Depuis le", "From"),
    "audit.until": ("Jusqu'au (inclus)", "Until (included)"),
    "audit.filter": ("Filtrer", "Filter"),
    "audit.any": ("Tous", "Any"),
    "audit.none": ("Aucun événement.", "No events."),
    "audit.more": ("Afficher la suite", "Show more"),
    "audit.count": ("{total} événement(s)", "{total} event(s)"),
    "audit.bad_date": ("Date invalide (AAAA-MM-JJ) : filtre ignoré.",
                       "Invalid date (YYYY-MM-DD): filter ignored."),
    # statements
    "statements.title": ("Exposés des motifs (DSA art. 17)",
                         "Statements of reasons (DSA art. 17)"),
    "statements.help": (
        "Au format de la base de données de transparence de l'UE (JSON), sans donnée "
        "personnelle. Le CSV reprend les mêmes champs pour un tableur.",
        "In the EU Transparency Database schema (JSON), without personal data. The CSV has "
        "the same fields for a spreadsheet."),
    "statements.since": ("Décidés depuis le", "Decided from"),
    "statements.until": ("Jusqu'au (inclus)", "Until (included)"),
    "statements.show": ("Afficher", "Show"),
    "statements.json": ("Télécharger en JSON", "Download JSON"),
    "statements.csv": ("Télécharger en CSV", "Download CSV"),
    "statements.count": ("{total} exposé(s)", "{total} statement(s)"),
    "statements.none": ("Aucun exposé des motifs sur cette période.",
                        "No statement of reasons in this period."),
    "statements.puid": ("Référence", "Reference"),
    "statements.ground": ("Motif", "Ground"),
    "statements.category": ("Catégorie", "Category"),
    "statements.decided": ("Date d'application", "Applied on"),
    "statements.visibility": ("Mesure", "Restriction"),
}
