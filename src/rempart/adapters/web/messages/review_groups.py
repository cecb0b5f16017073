"""Messages of the review queue by content (``/console/review``): groups, filters, shortcuts."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "review.group.seen": ("Vu {count} fois dans {places} lieux depuis le {since} UTC",
                          "Seen {count} times in {places} places since {since} UTC"),
    "review.group.first_seen": ("Vu pour la première fois", "First seen"),
    "review.group.last_seen": ("Vu pour la dernière fois", "Last seen"),
    "review.group.sightings": ("Voir les {count} observations", "Show the {count} sightings"),
    "review.group.all": ("Toutes les {count} observations", "All {count} sightings"),
    "review.group.select": ("Sélectionner ce contenu", "Select this content"),
    "review.group.bulk": ("Décision sur les contenus sélectionnés (au plus {items} éléments)",
                          "Decision on the selected content (at most {items} items)"),
    "review.group.decide": (
        "Une décision couvre les {count} observations encore ouvertes de ce contenu "
        "(au plus {items} à la fois).",
        "One decision covers the {count} sightings of this content still open "
        "(at most {items} at a time)."),
    "review.group.done": ("{decided} élément(s) décidé(s) ; {left} encore ouvert(s).",
                          "{decided} item(s) decided; {left} still open."),
    "review.group.title": ("Observations d'un même contenu", "Sightings of one content"),
    "review.group.back": ("Retour à la file de revue", "Back to the review queue"),
    "review.filter.title": ("Filtres", "Filters"),
    "review.filter.any": ("(tous)", "(any)"),
    "review.filter.source": ("Source", "Source"),
    "review.filter.place": ("Lieu", "Place"),
    "review.filter.since": ("Depuis le", "From"),
    "review.filter.until": ("Jusqu'au", "Until"),
    "review.filter.text": ("Texte", "Text"),
    "review.filter.apply": ("Filtrer", "Filter"),
    "review.filter.reset": ("Tout afficher", "Clear the filters"),
    "review.keys.hint": ("Touche ? : raccourcis clavier.", "Press ? for keyboard shortcuts."),
    "review.keys.title": ("Raccourcis clavier", "Keyboard shortcuts"),
    "review.keys.move": ("contenu suivant / précédent", "next / previous content"),
    "review.keys.select": ("sélectionner ou désélectionner", "select or unselect"),
    "review.keys.confirm": ("confirmer la sélection", "confirm the selection"),
    "review.keys.dismiss": ("écarter la sélection", "dismiss the selection"),
    "review.keys.withdraw": ("retirer de la banque", "withdraw from the bank"),
    "review.keys.help": ("cette aide", "this help"),
    "review.keys.reason": (
        "Sans motif, la touche place le curseur dans le champ « Motif » : écrivez-le puis "
        "appuyez sur Entrée (Échap pour annuler).",
        "Without a reason, the key moves to the reason field: type it, then press Enter "
        "(Escape to cancel)."),
    "review.keys.close": ("Fermer", "Close"),
}
