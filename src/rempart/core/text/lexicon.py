"""Word classes of the detection grammar, as regexes over NORMALISED text.

Normalised text is lowercase, without accents, apostrophes turned into spaces, runs of three or
more letters collapsed and SMS spellings folded (see ``normalise``). French first, English too.
Grammar (research notes §5.3): REQUEST/OFFER/EXCHANGE + CONTENT + TARGET [+ LOCATOR]
[+ CHANNEL]; any MINOR marker moves the message to the child-exploitation lane.

Example::

    >>> bool(CLASSES["content"].search("qui a des nudes"))
    True
"""

from __future__ import annotations

import re

_RAW: dict[str, str] = {
    # Asking for material.
    "request": r"""qui (?:a|as|aurait|possede|detient|peut|pourrait|garde)|il me (?:faut|les faut)|
        je (?:paye|paie) (?:pour|bien|cher)|paying|will pay|
        me faut|(?:des gens|des mecs|des gars|quelqu un|qui) (?:qui )?(?:ont|a|aurait) garde|
        faites peter|fais peter|qui ont|holding|who s holding|pas moyen d avoir|
        quelqu un(?: qui| d autre)* (?:a|aurait|possede|peut|garde|sait)|quelqu un \?|
        y a (?:quelqu un|des gens|personne|moyen)|il y a quelqu un|des gens (?:ont|qui ont)|
        personne (?:n )?a|vous (?:avez|
        auriez)|t (?:as|aurais)|tu (?:as|aurais)|(?:je |on )?(?:re)?cherche|a la recherche|je veux|
        on veut|jveux|besoin de|envoi[es]?(?:z)?(?: moi| nous)?|envoyez|balancez|balance (?:ses|
        son|les|tout)|drop(?:ez)? (?:les|vos|ses)|pass(?:e|ez) (?:moi|nous)|fil(?:e|ez) moi|
        donnez(?:
        moi)?|montrez|trouvez|trouve moi|postez vos|j achete|je prends|preneur|demande|moyen d
        avoir|possible d avoir|vos (?:ex|dossiers|doss|nudes|bails)|anyone|anybody|someone|somebody|
        who (?:has|got|s got|have|can)|does any ?one|looking for|lookin for|lf|need|want|wtb|
        requesting|send(?: me)?|where can i|got any|any (?:nudes|leaks?|pics|photos|dirt)|
        plea?se""",
    # Offering, selling or posting material.
    "offer": r"""j ai(?: tout| toute| les| des| la| le| ses| son)?|tenez|je (?:vous )?lache|
        lachez|je fais fuiter|fuiter|(?:mis|mises|mets|sont) en ligne|je possede|
        je (?:vous )?(?:vends|vend|
        revends|
        partage|poste|reposte|publie|balance|drop|leak|mets|met|envoie|envoi|donne|montre|fais
        tourner|fais un|sors|ressors|ferai|vais afficher|vais poster|vais balancer|publierai)|
        j envoie|jpost|je drop|vends?|a vendre|dispo|disponible|en stock|stock|pack|lot|
        collection|collec|album|cadeau|gratuit|prix|tarif|€|\d+ ?(?:eur|euros|balles|bucks?|\$)|
        paypal|pcs|paysafecard|crypto|btc|abonnement|qui veut|voici|voila|vla|tiens|regardez|
        servez vous|regalez vous|profitez|faites tourner|partagez|tournent|circulent|fuite[es]?|
        nouveaux? (?:doss|dossiers?|fishas?)|i (?:have|got)|ive got|got (?:vids|pics|her)|selling|
        for sale|sharing|posting|dumping|leaking|here (?:are|is|s)|free|who wants|enjoy|hmu|
        hit me up|dm for|mp pour|dm pour""",
    "exchange": r"""echanges?|echanger|ech|troc|troquer|trade|trading|swap|contre (?:les|des|ses|
        vos|tes|mes|d autres|ceux)|en echange|je rends la pareille""",
    # Intimate material (strong) and words that only become intimate in context (weak).
    "content": r"""nudes|cliches? (?:d elle|nue?s?|intimes|coquins)|sans (?:habits|vetements)|
        denude\w*|en petite tenue|lingerie|compromettant\w*|spicy|en string|en culotte|culottes?|
        topless|seins nus|photos? sexy|nude(?= de| d | of)|sextapes?|sex ?tapes?|
        photos? (?:intimes|nues?|
        privees|perso|volees|cochonnes|coquines|de (?:elle|lui) nue?)|a poil|toute nue|nues?|
        fishas?|porno?s?|xxx|(?:videos?|photos?) (?:hot|chaudes?|perso|privees?|cochonnes|
        intimes|cachees)|leaks?(?: (?:mym|of|onlyfans))?|mym|onlyfans|(?:camera|cam) cachee|
        spycam|hidden cam|(?:filme|filmee|prises?|photographiee?) (?:a son insu|en cachette|en
        douce|discretement)|en cachette|a son insu|en douce|discretement|sous la douche|dans la
        douche|vestiaires?|toilettes|cabines? d essayage|upskirt|voyeur|sous vet(?:ements?)?|
        en maillot|seins|chatte|tits|pussy|naked|nsfwemoji|sexemoji|private (?:pics|photos|
        snaps)|leaked|sextorqu\w*|revenge|exposed|contenu prive|sa (?:bite|chatte)|
        intimate""",
    "content_weak": r"""cliches?|folders?|dossiers?|doss|bails|photos?|videos?|contenus?|content|
        trucs?|fiche|
        albums?|galerie|drive|mega|snaps?|screens?|croustillant|du lourd|dirt|stuff|folder|tape|
        vid|tout ce que (?:vous avez|t as|tu as)|everything|anything|affich\w*""",
    # Who the material is about.
    "target": r"""elle|d elle|de elle|sur elle|cette (?:meuf|fille|go|pute|salope|femme|nana|
        gamine|petite)|la meuf|les meufs|meufs?|go|gos|filles?|femmes?|nanas?|daronnes|mamans|
        meres|milfs?|etudiantes|infirmieres|profs?|voisines?|collegues?|cousines?|soeurs?|
        copines?|(?:mon|ma|son|sa|ton|ta|vos|tes|ses|d) ex|ex|ma meuf|ta meuf|sa meuf|ma femme|
        sa femme|streameuse|creatrice|her|she|girls?|women|gf|wife|moms|coworker|roommate|
        receptionist|barista|cheerleader|salopes?|putes?|la blonde|la brune|la rousse|
        @[a-z0-9_]{3,}""",
    "locator": r"""du (?:0[1-9]|[1-8]\d|9[0-5]|2a|2b|97[1-6])|dep \d+|(?:0[1-9]|[1-8]\d|9[0-5])
        et (?:0[1-9]|[1-8]\d|9[0-5])|de (?:ma|la|sa|mon) (?:classe|promo|ville|fac|cite)|
        lycee|college|fac|universite|ecole|bahut|prepa|internat|residence|quartier|tieks|cite|
        campus|uni|school|county|idf|region""",
    "channel": r"""pv|mp|dm|en prive|prive|inbox|lien|link|liens|links|telegram|t\.me|
        groupes?|canal|canaux|channel|serveur|backup|vip|bio|profil""",
    "link": r"""venez sur|le lien est en (?:pv|mp|bio|dm)|lien est en (?:pv|mp|bio)|entrez dans|
        t\s*(?:\.|\(\.\)|\[\.\]|point|dot)\s*me\s*(?:/|slash)\s*(?:(?:\+|plus|
        joinchat)\s*)?(?:/\s*)?[a-z0-9_]+|
        telegram\.me/\S+|https?://\S+|@[a-z0-9_]{4,}|discord\.gg/\S+|
        chat\.whatsapp\.com/\S+|lien (?:en|dans|du|vers|pour|dispo)|liens? en (?:pv|mp|bio|dm|
        commentaire|description)|link in (?:bio|my)|invite link|invitation|rejoign\w*|rejoins|
        rejoindre|join|abonnez vous|abonne toi|suivez|follow|on migre|demandez l acces|pour
        entrer|ajoutez vos potes""",
    "group": r"""groupes?|canal|canaux|channel|serveur|backup|reseau|vip|fisha \d+""",
    # Minors. Strong markers count alone; weak ones need sexual context.
    "minor": r"""mineure?s?|mineur|moins de 18(?: ans)?|-1[0-8]\b|under ?age|underage|
        pedo\w*|childporn|child porn|kiddie|kids?|children|enfants?|enfantemoji|bebemoji|
        fillettes?|gamines?|gamins?|bebes?|ecolieres?|collegien(?:ne)?s?|lyceen(?:ne)?s?|
        ados?|adolescente?s?|teens?|young teens?|middle schoolers?|middle school|high school
        freshmen|schoolgirls?|minots?|petits garcons|petites filles|jeunes (?:filles|garcons)|
        (?:1[0-7]|[5-9]) ?(?:ans|an|yo|y ?/ ?o|year old|yrs)|(?:de|of|a|has|is) 1[0-7](?!\d)|
        1[0-7] ?- ?1[0-7](?: ans)?|nee?s? en 20(?:0[89]|1\d)|des 20(?:0[89]|1\d)|
        (?:en|de|of) (?:[3-6]e(?:me)?|sixieme|cinquieme|quatrieme|troisieme|seconde|premiere|
        cm[12]|6th|7th|8th|grade)|[3-6]e(?:me)?|eleves|(?:ma|sa|mon|ta) (?:niece|belle fille)|
        niece|(?:des|les|de|aux) petites|minots|under 1[0-8]|moins de 1[0-8]|sous 1[0-8]""",
    "csam_code": r"""pthc|ptsc|hussyfan|preteens?|jailbait|lolis?|lolicon|lolita|shota(?:con)?|
        toddlercon|opva|lsbar|cheese ?pizza|childporn|child porn|kiddie (?:porn|content)|
        pedo ?porn\w*|contenus? pedo|pizzaemoji|cp(?= |$|,|\.|!|\?)""",
    "sexual": r"""chaud(?:e|es|s)?|hot|sexy|coquines?|excitant\w*|nsfwemoji|sexemoji|bonne|
        en chien|cul|sexe|baise\w*|nue?s?|nudes|sous vet\w*|maillot|se changer|douche|
        vestiaires|toilettes""",
    "pii": r"""rue|avenue|boulevard|impasse|des infos sur|infos sur (?:elle|la|cette)|adresse|
        habite|vit|numero|num|tel|telephone|portable|06(?:[ .]*\d\d){4}|
        07(?:[ .]*\d\d){4}|snap(?:chat)?|insta(?:gram)?|tiktok|facebook|linkedin|compte|nom(?:
        de famille| complet)?|prenom|identite|qui c est|c est qui|qui la (?:connait|reconnait)|
        la reconnait|quelle classe|quel (?:lycee|bahut|quartier)|de quel (?:lycee|quartier)|
        dans quel|travaille|bosse|boulot|taf|employeur|patron|boss|parents|pere|mere|famille|
        copain|son mec|coordonnees|code d entree|ip|address|full name|where she (?:lives|works)|
        lives|works|her (?:number|ig|snap|insta)|number|home address|school|identifier|
        identifiez|retrouve\w*|trouve\w*|find|hack\w*|sait ou""",
    "harass": r"""harcel\w*|appelez (?:la|le)|tout lui (?:raconter|dire|envoyer)|regretter|
        pourrir|make her famous|she s gonna regret|regret|passer la voir|spam\w*|afficher|affiche|
        l afficher|fiche|exposer|expose|rendre visite|
        allez (?:la|lui|tous)|on va (?:la|lui|tout)|menacer|prevenir|prevenez|envoyez (?:a|lui|
        tout)|qu elle comprenne|descendre|demonter|detruire|faites tourner|faites ce que vous
        voulez|dox\w*|flood|pay her a visit|learn|needs to be exposed|tell (?:her|him)|dire
        bonjour|la retrouver|la trouve|l exposer|partagez|horreurs|laisser des avis""",
    # Honest contexts.
    "help": r"""(?:mon|my) (?:mym|onlyfans|of|contenu|content|canal|channel)|mon propre contenu|
        my own content|my (?:pics|nudes|photos|videos)|what do i do|que dois je faire|
        on m a (?:affiche\w*|poste\w*|doxx?e\w*)|mes (?:nudes|photos|videos)|ma photo|
        de moi|aidez moi|aide moi|m aider a (?:faire|supprimer|retirer)|que faire|je fais quoi|
        on fait quoi|comment (?:faire|
        je|on|signaler|supprimer|aider|prouver|proteger|parler|lutter|contacter)|porter plainte|
        plainte|victimes?|temoign\w*|faire (?:retirer|supprimer)|retir\w*|soutien|pas seules?|
        help|how (?:do|can) (?:i|we)|what can i do|victim|conseils? pour|est ce que c est
        illegal|j ai peur|accompagne|protegez|proteger|protect""",
    "report": r"""(?<!m a )(?<!nous a )(?<!qui a )signal\w*|peut ban|ban (?:le|ce|la|cette)|
        attention|prevenez (?:vos|les)|mefiez vous|
        vigilant\w*|(?<!m a )(?<!nous a )(?<!qui a )report\w*|bann(?:ir|i|is|ed|ie)|ban direct|
        supprimez|supprimer|
        supprime (?:et|les|direct)|j ai supprime|denonc\w*|pharos|point de contact|
        stopfisha|stopncii|3018|e enfance|(?<!pas de )(?<!no )police|gendarmerie|commissariat|
        avocat|lawyer|justice|
        moderatrice|moderateur|moderation|regle|rule|interdit|interdiction|never (?:share|
        forward)|don t
        (?:forward|share)|ne (?:partagez|transferez|jamais)|arretez|degagez|malsain|c est (?:
        illegal|grave|un delit|un crime|degueulasse|horrible|abuse|relou)|it s a crime|illegal|
        arretes|a ete ferme|ont ete fermes|identifie par|fermeture|taken down|laissez la""",
    "news": r"""article|code penal|loi|law|condamne\w*|jailed|arrest\w*|prison|amende|tribunal|
        proces|enquete|reportage|documentaire|selon|etude|study|chercheurs|senat|ministre|
        assemblee|alerte|debat|thread|podcast|memoire|phenomene|sensibilisation|prevention|
        atelier|campagne|petition|conference|education sexuelle|consentement|consent|punie?s?|
        delit|crime|accuse|demantele|suspects?|temoins?|journal|libe|netflix|france fictive|
        plateforme|milite|collectif|feministe|marche|witness|fbi|warn\w*""",
    "nude_ok": r"""rouge a levres|levres|lips|lipstick|vernis|palette|maquillage|makeup|fond de
        teint|teinte|couleur|beige|collants|escarpins|sandales|heels|robe|canape|tendance|gloss|
        shade|collection""",
    "art": r"""modele vivant|croquis|dessin|drawing|peinture|musee|museum|exposition|exhibition|
        sculpture|tableaux?|botticelli|venus|louvre|artistique|academique|naturiste|fusains?|
        charcoal|photographe|boudoir|pose nue""",
    "dossier_ok": r"""stage|parcoursup|candidature|inscription|caf|location|bourse|medica\w*|
        administratif|surendettement|naturalisation|mdph|pret|erasmus|td|projet|presse|
        reforme|visa|scolaire|par mail|expose|secret defense|application|clos|canard|retraites""",
    "bails_ok": r"""le bail|un bail|du bail|bail (?:de|commercial)|loyer|appart|proprietaire|
        etat des lieux|(?:les|des|ces) bails (?:ce soir|de la soiree|pour|de (?:la|l)|a regler|
        administratifs|de ouf)|quels sont les bails|c est quoi (?:les|ces) bails|t as des bails
        pour|bons? plans?|(?:des|les) bails (?:a|au|aux|en|ce|cette|demain)\b""",
    "missing": r"""dispar\w*|avis de recherche|alerte enlevement|appel a temoins|vue pour la
        derniere fois|last seen|missing|si vous l avez vue?|appelez (?:le )?(?:17|197)|call 911|
        contactez (?:la police|la gendarmerie|immediatement)|perdu|lost|recompense|je dois lui
        rendre|rendre son|anniv\w*|surprise|colis|carte|on s inquiete|perdu contact""",
    "parent": r"""vetements|poussette|jouets|affaires pour|communion|diplomes|ma fille|mon fils|
        mon neveu|mon petit frere|ma petite soeur|my daughter|my son|
        ma petite derniere|my little sister|mon ado|parents d eleves|kermesse|sortie scolaire|
        spectacle|tournoi|brevet|club de|equipe|anniversaire|baby sitter|nounou|colo|stage|
        cours de|fournitures|maitresse|classe de|c etait mon|vetements|dinosaures|skate|
        volunteer|library|soccer|team""",
    "nonconsent": r"""si elle (?:me )?(?:rembourse|paye|revient|repond)|pendant qu elle dormait|
        sur son (?:telephone|tel|phone)|took them secretly|secretly|a son insu|en cachette|
        en douce|discretement|elle (?:le )?sai(?:t|s) pas|
        sans qu elle sache|elle saura jamais|sans (?:son|leur) (?:accord|consentement)|elle
        savait pas|croyait que c etait prive|thought it was private|didn t know|doesn t know|
        en confiance|vole\w*|hack\w*|cachee?|hidden|spycam|upskirt|m a (?:trompe|largue|quitte|
        bloque|ghoste|humilie|fait souffrir)|elle (?:merite|l a cherche)|cheated|blocked me|
        revenge|se venger|tant pis|si elle (?:paye|revient|me repond)|ou je poste|or your nudes|
        pay me""",
}


def _split(pattern: str) -> list[str]:
    """Top-level alternatives of a regex (respecting groups, classes and escapes)."""
    out: list[str] = []
    cur: list[str] = []
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            cur.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def _first_atom(branch: str) -> tuple[str, str] | None:
    """(leading literal, rest) when the branch starts with an unquantified literal."""
    if not branch or branch[0] in "()[].^$|?*+{":
        return None
    atom = branch[:2] if branch[0] == "\\" else branch[0]
    if atom[0] == "\\" and atom[1] in "wWdDsSbB":
        return None
    rest = branch[len(atom):]
    return None if rest[:1] in ("?", "*", "+", "{") else (atom, rest)


def _factor(branches: list[str]) -> str:
    """Share leading literals between alternatives (a trie): re tries far fewer branches."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    empty = False
    for branch in branches:
        split = _first_atom(branch)
        if not branch:
            empty = True
        elif split is None:
            others.append(branch)
        else:
            groups.setdefault(split[0], []).append(split[1])
    parts = [atom + (rests[0] if len(rests) == 1 else f"(?:{_factor(rests)})")
             for atom, rests in groups.items()]
    return "|".join([*parts, *others, *([""] if empty else [])])


# Every class runs on each message, so each must stay linear in it: compiled once, here, from
# the constants above (never from a message), and no two neighbouring quantified parts that can
# match the same characters (``\s*(?:\+)?\s*/?\s*`` backtracked cubically on ``'t.me/' + ' ' *
# 2000``). tests/core/text/test_text_bounded.py runs hostile texts against them.
def _compile(body: str) -> re.Pattern[str]:
    # A line ending in "|" continues the alternation; any other break stands for one space.
    alternation = re.sub(r"\|\s*\n\s*", "|", body)
    alternation = re.sub(r"\s*\n\s*", " ", alternation)
    factored = _factor(_split(alternation))
    firsts = [_first_atom(b) for b in _split(factored)]
    guard = ""
    if all(firsts):
        # Cheap first-character test before entering the alternation at each word start.
        chars = {a[0] if a[0].startswith("\\") else re.escape(a[0]) for a in firsts if a}
        guard = "(?=[" + "".join(sorted(chars)) + "])"
    return re.compile(r"(?<![\w@])" + guard + "(?:" + factored + r")(?![\w])")


CLASSES: dict[str, re.Pattern[str]] = {name: _compile(body) for name, body in _RAW.items()}
"""One compiled regex per word class, matched against normalised text."""
