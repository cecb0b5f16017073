"""Messages of the console page of hash exchanges (``/console/exchanges``)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.exchanges": ("Échanges", "Exchanges"),
    "exchanges.title": ("Échanges de hachés", "Hash exchanges"),
    "exchanges.help": (
        "Les listes de hachés reçues de StopNCII, du NCMEC, de ThreatExchange ou d'un autre "
        "Rempart, chacune dans sa banque. Elles se mettent à jour avec « rempart exchange "
        "fetch » ; un haché retiré à la source cesse d'agir au relevé suivant.",
        "Hash lists received from StopNCII, NCMEC, ThreatExchange or another Rempart, each in "
        "its own bank. They are updated by “rempart exchange fetch”; a hash withdrawn at the "
        "source stops acting at the next fetch."),
    "exchanges.name": ("Échange", "Exchange"),
    "exchanges.kind": ("Source", "Source"),
    "exchanges.bank": ("Banque", "Bank"),
    "exchanges.fetched": ("Dernier relevé", "Last fetch"),
    "exchanges.never": ("jamais", "never"),
    "exchanges.added": ("Ajoutés", "Added"),
    "exchanges.withdrawn": ("Retirés", "Withdrawn"),
    "exchanges.feedback": ("Retours", "Feedback"),
    "exchanges.outbox": ("{sent} envoyés, {pending} en attente, {failed} en échec",
                         "{sent} sent, {pending} pending, {failed} failed"),
    "exchanges.error": ("Dernière erreur", "Last error"),
    "exchanges.none": ("Aucun échange configuré (« rempart exchange add »).",
                       "No exchange configured (“rempart exchange add”)."),
    "exchanges.feeds": ("Banques publiées", "Published banks"),
    "exchanges.follower": ("Abonné", "Follower"),
    "exchanges.created": ("Créé le", "Created"),
    "exchanges.state": ("État", "State"),
    "exchanges.live": ("actif", "live"),
    "exchanges.revoked": ("révoqué", "revoked"),
    "exchanges.no_feeds": ("Aucune banque publiée (« rempart exchange publish »).",
                           "No bank published (“rempart exchange publish”)."),
}
