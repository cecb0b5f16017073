"""Word classes of the detection grammar, as regexes over NORMALISED text.

Normalised text is lowercase, without accents, apostrophes turned into spaces, runs of three or
more letters collapsed and SMS spellings folded (see ``normalise``). French first, English too.
Grammar (research notes §5.3): REQUEST/OFFER/EXCHANGE + CONTENT + TARGET [+ LOCATOR]
[+ CHANNEL]; any MINOR marker moves the message to the child-exploitation lane, where
GROOMING (secrecy, flattery, gifts, meetings) counts like sexual content; PAYMENT with pictures
of a woman is a trade even in plain words.

Example::

    >>> bool(CLASSES["content"].search("qui a des nudes"))
    True
"""

from __future__ import annotations

import re

from rempart.core.text.word_regex import compile_word_class

_RAW: dict[str, str] = {
    # Asking for material.
    "request": r"""(?:si )?tu m envoies|m envoyer|send me|envoie moi|qui (?:l a|les a|l as|les as|
        en a)|vous l avez|vous les avez|quelqu un (?:detient|
        possede|garde)|detient il|who kept|who s got|who got|anyone (?:have|has|got|holding|
        record)|seeking|would be grateful|je suis preneur|je prends tout|je paie|je paye|
        i ll (?:pay|trade|buy)|je donne \d+|j offre \d+|j echange (?:mon|ma|mes)|ca paye|
        slide (?:em|them)|pass (?:em|them)|share the|post the|drop the|hmu if|where can i|
        c est ici (?:qu on trouve|les)|is this where|on m a dit qu il y a|je cherche|
        quelqu un peut|qqn peut|someone (?:please|post|share|send|drop)|can someone|
        tu peux (?:m envoyer|me passer|send)|envoi|on veut|
        qui (?:a|as|aurait|possede|detient|peut|pourrait|garde)|il me (?:faut|les faut)|
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
    "offer": r"""going public|go public|goes public|rendre public\w*|je fais tourner|jlache|
        je lache|c est cadeau|c est ici|suivez le lien|
        (?:sont|est) (?:dans|sur) (?:le|la) (?:canal|groupe|drive|mega|channel|grp)|
        are in the (?:channel|drive|group)|posted (?:them|it)|look at this|want (?:it|them)|
        who want|qui en veut|ca interesse|partent ce soir|seront en ligne|go live|
        mis a dispo|a dispo|en exclu|exclu|en acces libre|giveaway|i ll (?:drop|
        send|post)|i m sharing|dropping|finna leak|sending|j offre|jte donne|je te donne|
        je vous (?:envoie|montre|laisse|poste|mets|donne)|je vous les|tkt je|je publie|
        je mets|mettez vos likes|a \d+ (?:likes|reactions|membres)|at \d+ likes|
        j ai(?: tout| toute| les| des| la| le| ses| son)?|tenez|je (?:vous )?lache|
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
    "content": r"""photographs|clich\w* intimes?|images? intimes?|intimate images?|footage|
        naughty|creepshots?|upskirts|sous sa jupe|under her skirt|deshabill\w*|
        undress\w*|sans (?:rien|le haut|maillot|haut)|without (?:her|ur|your) (?:top|shirt)|
        en sous vet|sous vet|private (?:live|vids?|videos?|stuff|collection)|
        (?:live|lives) prives?|leak(?:ed|s)? (?:pics|vids)|
        cam(?:era)?s? cachees?|hidden cams?|
        nudes|cliches? (?:d elle|nue?s?|intimes|coquins)|sans (?:habits|vetements)|
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
    "content_weak": r"""ce qu (?:elle|il) (?:t|m|lui|te|me) (?:a |avait )?envoy\w*|
        ce que (?:ton|ta|son|sa) ex (?:t|te|lui|m) (?:a |avait )?envoy\w*|
        what (?:she|your ex|ur ex) sent|pics|fichiers?|archives|souvenirs|collection|collec|fuites?|
        recordings?|enregistr\w*|icloud|cloud|facetime|visio|images?|clips?|zdeh|
        galeries?|tape|footage|\d+ (?:photos|videos|pics|vids|fichiers)|deepfakes?|
        cliches?|folders?|dossiers?|doss|bails|photos?|videos?|contenus?|content|
        trucs?|fiche|
        albums?|galerie|drive|mega|snaps?|screens?|croustillant|du lourd|dirt|stuff|folder|tape|
        vid|tout ce que (?:vous avez|t as|tu as)|everything|anything|affich\w*""",
    # Who the material is about.
    "target": r"""une certaine|a certain|elle|d elle|de elle|sur elle|cette (?:meuf|fille|go|pute|
        salope|femme|nana|
        gamine|petite)|la meuf|les meufs|meufs?|go|gos|filles?|femmes?|nanas?|daronnes|mamans|
        meres|milfs?|etudiantes|infirmieres|profs?|voisines?|collegues?|cousines?|soeurs?|
        copines?|(?:mon|ma|son|sa|ton|ta|vos|tes|ses|d) ex|ex|ma meuf|ta meuf|sa meuf|ma femme|
        sa femme|streameuse|creatrice|her|she|girls?|women|gf|wife|moms|coworker|roommate|
        receptionist|barista|cheerleader|salopes?|putes?|la blonde|la brune|la rousse|
        @[a-z0-9_]{3,}|la balance|cette balance|snitch|celle qui a (?:porte plainte|temoigne|
        signale)|la rousse|nouvelle|stagiaire""",
    "locator": r"""du (?:0[1-9]|[1-8]\d|9[0-5]|2a|2b|97[1-6])|dep \d+|(?:0[1-9]|[1-8]\d|9[0-5])
        et (?:0[1-9]|[1-8]\d|9[0-5])|de (?:ma|la|sa|mon) (?:classe|promo|ville|fac|cite)|
        lycee|college|fac|universite|ecole|bahut|prepa|internat|residence|quartier|tieks|cite|
        campus|uni|school|county|idf|region""",
    "channel": r"""pv|mp|dm|en prive|prive|inbox|lien|link|liens|links|telegram|t\.me|
        groupes?|canal|canaux|channel|serveur|backup|vip|bio|profil""",
    "link": r"""venez sur|le lien est en (?:pv|mp|bio|dm)|lien est en (?:pv|mp|bio)|entrez dans|
        t\s*(?:\.|\(\.\)|\[\.\]|point|dot)\s*me\s*(?:/|slash)\s*(?:(?:\+|plus|
        joinchat)\s*)?(?:/\s*)?[a-z0-9_]+|
        t \. m e / (?:\+ ?)?[a-z0-9_]+|telegram\.me/\S+|https?://\S+|@[a-z0-9_]{4,}|discord\.gg/\S+|
        chat\.whatsapp\.com/\S+|lien (?:en|dans|du|vers|pour|dispo)|liens? en (?:pv|mp|bio|dm|
        commentaire|description)|link in (?:bio|my)|invite link|invitation|rejoign\w*|rejoins|
        rejoindre|join|abonnez vous|abonne toi|suivez|follow|on migre|demandez l acces|pour
        entrer|ajoutez vos potes""",
    "group": r"""groupes?|canal|canaux|channel|serveur|backup|reseau|vip|fisha \d+""",
    # Minors. Strong markers count alone; weak ones need sexual context.
    "minor": r"""(?:1[0-7]|[5-9]) ?a(?= |$|\))|born (?:in )?20(?:0[89]|1\d)|
        (?:[5-9]|1[0-7]) ?(?:y ?o|y/o|year olds?|yrs? old)|(?:6th|7th|8th|9th|10th) grad\w*|
        (?:6|7|8|9)th graders?|freshm[ae]n|[3-6]e[a-d](?= |$|,|\.)|[3-6]eme[a-d]|
        2nde|cm[12]|step ?daughter|quel age(?: deja)?(?: \?)? (?:[5-9]|1[0-7])(?!\d)|
        how old (?:are you|r u|r you)(?: \?)?,? (?:[5-9]|1[0-7])(?!\d)|
        (?:i m|she s|he s|she is|elle a|il a) (?:only |just |almost )?(?:[5-9]|1[0-7])(?![\d])|
        (?:6|7|8|9)th(?= |$|\?|,)|
        (?:t as|tu as|you re|ur|you are|u r|t es) (?:only |just |almost |deja )?(?:[5-9]|
        1[0-7])(?![\d])|
        belle fille|little ones?|young (?:content|girls?|boys?|stuff)|jeunes? ados?|
        petite? de \d+|petites? filles|(?:moins|under) (?:de )?1[0-6]|-1[0-6]|
        collegiennes?|collegiens?|lyceennes?|ecolieres?|middle schoolers?|
        mineure?s?|mineur|moins de 18(?: ans)?|-1[0-8]\b|under ?age|underage|
        pedo\w*|childporn|child porn|kiddie|kids?|children|enfants?|enfantemoji|bebemoji|
        fillettes?|gamines?|gamins?|bebes?|ecolieres?|collegien(?:ne)?s?|lyceen(?:ne)?s?|
        ados?|adolescente?s?|teens?|young teens?|middle schoolers?|middle school|high school
        freshmen|schoolgirls?|minots?|petits garcons|petites filles|jeunes (?:filles|garcons)|
        (?:1[0-7]|[5-9]) ?(?:ans|an|yo|y ?/ ?o|year old|yrs)|(?:de|of|a|has|is|for) 1[0-7](?!\d)|
        1[0-7] ?- ?1[0-7](?: ans)?|nee?s? en 20(?:0[89]|1\d)|des 20(?:0[89]|1\d)|
        (?:en|de|of) (?:[3-6]e(?:me)?|sixieme|cinquieme|quatrieme|troisieme|seconde|premiere|
        cm[12]|6th|7th|8th|grade)|[3-6]e(?:me)?|eleves|(?:ma|sa|mon|ta) (?:niece|belle fille)|
        niece|(?:des|les|de|aux) petites|minots|under 1[0-8]|moins de 1[0-8]|sous 1[0-8]""",
    "csam_code": r"""pt(?= |$|,)|ptsc|hebe\w*|
        pthc|ptsc|hussyfan|preteens?|jailbait|lolis?|lolicon|lolita|shota(?:con)?|
        toddlercon|opva|lsbar|cheese ?pizza|childporn|child porn|kiddie (?:porn|content)|
        pedo ?porn\w*|contenus? pedo|pizzaemoji|cp(?= |$|,|\.|!|\?)""",
    "sexual": r"""chaud(?:e|es|s)?|hot|sexy|coquines?|excitant\w*|nsfwemoji|sexemoji|bonne|
        en chien|cul|sexe|baise\w*|nue?s?|nudes|sous vet\w*|maillot|se changer|douche|
        vestiaires|toilettes""",
    "pii": r"""dox\w*|zero ?(?:six|sept|seven|6|7)(?= |,|$)|0 (?:six|sept)(?= |,|$)|
        zero (?:six|sept)|
        (?:0|zero) ?[67](?:[ .\-]{0,3}\d){8}|\+ ?33 ?[67](?:[ .\-]{0,3}\d){8}|\+ ?1 ?555|
        555 ?- ?0\d{3}|plaque|immat\w*|interphone|code (?:d entree|porte|d acces)|casier|
        gamertag|pseudo|e ?mail|linkedin|dorm|chambre \d+|room \d+|bat(?:iment)? [a-z]|
        appt?|apt|etage|street|lane|avenue|allee|road|impasse|
        bosse (?:a|au|chez)|taf (?:a|au|chez)|travaille (?:a|au|chez)|works (?:at|in)|
        nurse at|son ecole|sa classe|her school|prof principale|sa mere|sa soeur|son frere|
        son pere|son mari|her (?:mom|dad|mum|husband|boss)|son patron|ses collegues|
        ses parents|sa famille|prend le (?:bus|rer|train|metro|tram)|takes the|lycee \w+|
        college \w+|fac \w+|son blaze|son tieks|son @|her @|son snap|son insta|
        son num(?:ero)?|her (?:number|cell|phone|address|ig|snap)|sa plaque|
        rue|avenue|boulevard|impasse|des infos sur|infos sur (?:elle|la|cette)|adresse|
        habite|vit|numero|num|tel|telephone|portable|06(?:[ .]*\d\d){4}|
        07(?:[ .]*\d\d){4}|snap(?:chat)?|insta(?:gram)?|tiktok|facebook|linkedin|compte|nom(?:
        de famille| complet)?|prenom|identite|qui c est|c est qui|qui la (?:connait|reconnait)|
        la reconnait|quelle classe|quel (?:lycee|bahut|quartier)|de quel (?:lycee|quartier)|
        dans quel|travaille|bosse|boulot|taf|employeur|patron|boss|parents|pere|mere|famille|
        copain|son mec|coordonnees|code d entree|ip|address|full name|where she (?:lives|works)|
        lives|works|her (?:number|ig|snap|insta)|number|home address|school|identifier|
        identifiez|retrouve\w*|trouve\w*|find|hack\w*|sait ou""",
    "harass": r"""faites le necessaire|a vous de jouer|vous savez (?:quoi faire|ce qu il|la
        suite)|you know what to do|make (?:her|his) life|blow (?:it|her phone) up|blow it up|
        raid|insult\w*|menac\w*|faire peur|fais lui peur|scare|inond\w*|on arrive|
        go (?:say hi|check|see|pay)|allez (?:la|lui|tous|sonner|y)|passez (?:a|la)|zonez|
        detruisez|pourri\w*|l enfer|hell|laissez (?:lui|des)|envoyez lui|envoyez (?:leur|a)|
        appelez|call (?:her|him|them)|text her|dm her|spam|regrett\w*|amusez vous|
        faites en bon usage|a vous|rendre visite|visit|elle (?:doit|va) payer|
        she (?:needs|has) to pay|on la retrouve|we ll find her|find her|trouvez (?:la|sa|son|
        moi)|qu on la|make her famous|let (?:him|them) know|send (?:him|her mom|it to)|
        tell (?:them|her (?:mom|dad))|dites lui|faites lui|on passe en vrai|on y va|
        envoyez des messages a|ecrivez (?:a|lui|leur)|contactez (?:son|sa|ses)|
        il s appelle|elle s appelle|
        harcel\w*|appelez (?:la|le)|tout lui (?:raconter|dire|envoyer)|regretter|
        pourrir|make her famous|she s gonna regret|regret|passer la voir|spam\w*|afficher|affiche|
        l afficher|fiche|exposer|expose|rendre visite|
        allez (?:la|lui|tous)|on va (?:la|lui|tout)|menacer|prevenir|prevenez|envoyez (?:a|lui|
        tout)|qu elle comprenne|descendre|demonter|detruire|faites tourner|faites ce que vous
        voulez|dox\w*|flood|pay her a visit|learn|needs to be exposed|tell (?:her|him)|dire
        bonjour|la retrouver|la trouve|l exposer|partagez|horreurs|laisser des avis""",
    # Money: a price, a payment method, "I pay".
    "payment": r"""remuneration|contre paiement|je paierai|€|\d+ ?(?:eur|euros?|balles|bucks?|\$|
        usd|usdt|dollars?)|paypal|pcs|paysafecard|
        crypto|btc|usdt|lydia|venmo|cashapp|je paie|je paye|je paierai|will pay|paying|
        i ll pay|prix|tarif|a payer|pay(?:e|ez)? en|paiement|payment|recompense|reward""",
    # An adult grooming a child: secrecy, flattery, gifts, meeting, moving to a private app.
    "grooming": r"""keep (?:our|this|these|the) (?:chats?|messages?|convos?|talks?) (?:secret|
        private|between us)|(?:our|nos) (?:chats?|conversations?|messages) (?:secrets?|prives)|
        big girl|grande fille|dis (?:rien|pas|le pas|le a personne)|ne (?:le )?dis (?:rien|pas|
        a personne)|
        faut rien dire|rien dire a|(?:don t|dont|do not|never) (?:tell|mention)|
        (?:notre|our) (?:petit |little )?secret|entre nous|between us|keep (?:this|it|a)
        (?:between us|secret|a secret)|keep a secret|en secret|secretly|efface\w*|
        supprime (?:nos|la conv|apres|les messages)|delete (?:this|the|it|after|our)|mature|
        grande maintenant|t es grande|(?:pas|not) comme les autres|special|personne (?:le )?
        saura|no one (?:has to|will|needs to) know|nobody (?:will )?know|(?:tes|your|ur)
        parents|(?:ta|your|ur) (?:mere|maman|mom|mum|dad)|ton pere|skins|robux|v ?bucks|
        gift ?cards?|cadeaux?|recharge\w*|forfait|quel age|how old|what grade|
        quelle classe|sugar daddy|modeling|sans (?:les )?parents|no parents|pas de parents|
        sortie (?:du|de ton) college|after (?:school|practice)|pick you up|venir te chercher|
        se voir|se voie|meet up|switch to|private app|ma (?:belle|puce|cherie)|cutie|
        sweetie|little one|mignonne|cute|webcam|mets ta cam|ta cam|amis en secret|
        en cachette|ton snap|your snap|ur snap|je (?:dirai|dis) rien|je le dirai a personne|
        i won t tell|i wont tell|won t show anyone|wont show anyone|just for me|rien que pour
        moi|juste toi et moi|just you and me|de toi (?:en|dans|sans)|of (?:you|u) (?:in|with)
        (?:out)?""",
    # Honest contexts.
    "help": r"""c est moi sur|j ai peur|je sais pas quoi faire|what should i do|
        i m scared|comment (?:je|on) (?:fais|fait|recupere)|how do i (?:get|report)|
        ma propre|mon numero a|mon adresse (?:a|c est)|my (?:address|number) (?:is|got|
        changed)|my home address|j ai perdu|
        (?:mon|my) (?:mym|onlyfans|of|contenu|content|canal|channel)|mon propre contenu|
        my own content|my (?:pics|nudes|photos|videos)|what do i do|que dois je faire|
        on m a (?:affiche\w*|poste\w*|doxx?e\w*)|mes (?:nudes|photos|videos)|ma photo|
        de moi|aidez moi|aide moi|m aider a (?:faire|supprimer|retirer)|que faire|je fais quoi|
        on fait quoi|comment (?:faire|
        je|on|signaler|supprimer|aider|prouver|proteger|parler|lutter|contacter)|porter plainte|
        plainte|victimes?|temoign\w*|faire (?:retirer|supprimer)|retir\w*|soutien|pas seules?|
        help|how (?:do|can) (?:i|we)|what can i do|victim|conseils? pour|est ce que c est
        illegal|j ai peur|accompagne|protegez|proteger|protect""",
    "report": r"""(?<!m a )(?<!nous a )(?<!qui a )(?<!elle a )(?<!she )(?<!who )signal\w*|peut ban|
        ban (?:le|ce|la|cette)|
        attention|prevenez (?:vos|les)|mefiez vous|
        vigilant\w*|(?<!m a )(?<!nous a )(?<!qui a )(?<!elle a )(?<!she )(?<!who )report\w*|
        bann(?:ir|i|is|ed|ie)|ban direct|
        supprimez|supprimer|
        supprime (?:et|les|direct)|j ai supprime|denonc\w*|pharos|point de contact|
        stopfisha|stopncii|3018|e enfance|(?<!pas de )(?<!no )police|gendarmerie|commissariat|
        avocat|lawyer|justice|
        moderatrice|moderateur|moderation|regles?|rules?|j ai prevenu|on a prevenu|
        proviseure?|principale?|cpe|directeur|directrice|avons ferme|on a ferme|interdit|
        interdiction|never (?:share|
        forward)|don t
        (?:forward|share)|ne (?:partagez|transferez|jamais)|arretez|degagez|malsain|c est (?:
        illegal|grave|un delit|un crime|degueulasse|horrible|abuse|relou)|it s a crime|illegal|
        arretes|a ete ferme|ont ete fermes|identifie par|fermeture|taken down|laissez la""",
    "news": r"""grooming|groomers?|pedopiegeage|red flag|signes? (?:de|du)|phrases|
        predat\w*|mis en examen|interpell\w*|talk to (?:them|your|someone|her)|
        tell (?:someone|an adult|a teacher)|parlez en|parles en|si (?:un adulte|un inconnu)
        te|if (?:an adult|a stranger|a grown)|screenshot of|affiche de|
        histoire d|webinaire|assembly|helpline|ngo|association|asso|
        sextortion|sextorsion|brigade|psa|heads up|alerte|phishing|malware|
        article|code penal|loi|law|condamne\w*|jailed|arrest\w*|prison|amende|tribunal|
        proces|enquete|reportage|documentaire|selon|etude|study|chercheurs|senat|ministre|
        assemblee|alerte|debat|thread|podcast|memoire|phenomene|sensibilisation|prevention|
        atelier|campagne|petition|conference|education sexuelle|consentement|consent|punie?s?|
        delit|crime|accuse|demantele|suspects?|temoins?|journal|libe|netflix|france fictive|
        plateforme|milite|collectif|feministe|marche|witness|fbi|warn\w*""",
    "nude_ok": r"""rouge a levres|levres|lips|lipstick|vernis|palette|maquillage|makeup|fond de
        teint|teinte|couleur|beige|collants|escarpins|sandales|heels|robe|canape|tendance|gloss|
        shade|collection""",
    # A "leak" that is not a person's pictures: football line-ups, trailers, exams, passwords.
    "leak_ok": r"""compo|composition|lineup|line up|titulaire|maillot|trailer|bande annonce|
        album|mixtape|patch|iphone|budget|sujet du bac|sujets?|exam\w*|mot de passe|
        password|wifi|donnees|data|gta|saison|season|episode|spoiler|keeper|gk|match|score|
        transfert|mercato|playlist|recette|recipe|plombier|plumber|evier|sink|toit|roof""",
    "art": r"""modele vivant|croquis|dessin|drawing|peinture|musee|museum|exposition|exhibition|
        sculpture|tableaux?|botticelli|venus|louvre|artistique|academique|naturiste|fusains?|
        charcoal|photographe|boudoir|pose nue""",
    "dossier_ok": r"""rh|ressources humaines|badge|onboarding|client|projet|dossier rh|stage|
        parcoursup|candidature|inscription|caf|location|bourse|medica\w*|
        administratif|surendettement|naturalisation|mdph|pret|erasmus|td|projet|presse|
        reforme|visa|scolaire|par mail|expose|secret defense|application|clos|canard|retraites""",
    "bails_ok": r"""le bail|un bail|du bail|bail (?:de|commercial)|loyer|appart|proprietaire|
        etat des lieux|(?:les|des|ces) bails (?:ce soir|de la soiree|pour|de (?:la|l)|a regler|
        administratifs|de ouf)|quels sont les bails|c est quoi (?:les|ces) bails|t as des bails
        pour|bons? plans?|(?:des|les) bails (?:a|au|aux|en|ce|cette|demain)\b""",
    "missing": r"""lui apporter|lui offrir|des fleurs|cabinet|horaires|ouvert le|rendez vous|rdv|
        livraison|colis|faire part|
        enregistrez le|mon nouveau numero|deposer les cles|rendre (?:son|sa|ses)|dispar\w*|
        avis de recherche|alerte enlevement|appel a temoins|vue pour la
        derniere fois|last seen|missing|si vous l avez vue?|appelez (?:le )?(?:17|197)|call 911|
        contactez (?:la police|la gendarmerie|immediatement)|perdu|lost|recompense|je dois lui
        rendre|rendre son|anniv\w*|surprise|colis|carte|on s inquiete|perdu contact""",
    "parent": r"""mes enfants|my kids?|mon enfant|pour enfants|enfants de \d|chef de troupe|
        scout\w*|camp|photos? de classe|school pics|cantine|menu|chorale|choir|
        casting pour une pub|accompagnes? d un parent|parents must|youth|pediatr\w*|
        birthday|anniv\w*|dents?|diaporama|calendrier|my \d+ ?yo|my (?:daughter|son|kid|
        niece|nephew|sister|brother|cousin)|notre (?:fils|fille)|nos enfants|ma fille|
        mon fils|
        vetements|poussette|jouets|affaires pour|communion|diplomes|ma fille|mon fils|
        mon neveu|mon petit frere|ma petite soeur|my daughter|my son|
        ma petite derniere|my little sister|mon ado|parents d eleves|kermesse|sortie scolaire|
        spectacle|tournoi|brevet|club de|equipe|anniversaire|baby sitter|nounou|colo|stage|
        cours de|fournitures|maitresse|classe de|c etait mon|vetements|dinosaures|skate|
        volunteer|library|soccer|team""",
    "nonconsent": r"""unless she|sauf si elle|si elle (?:me )?debloque|bourree?s?|endormie?s?|
        asleep|sleeping|passed out|evanoui\w*|
        sans qu elles? (?:sachent|sache)|without (?:her|them) knowing|sans son accord|
        she (?:has no idea|doesn t know|didn t consent)|elle sait pas|she won t know|
        elle saura (?:jamais|pas)|a leur insu|si elle (?:me )?(?:rembourse|paye|revient|repond)|
        pendant qu elle dormait|
        sur son (?:telephone|tel|phone)|took them secretly|secretly|a son insu|en cachette|
        en douce|discretement|elle (?:le )?sai(?:t|s) pas|
        sans qu elle sache|elle saura jamais|sans (?:son|leur) (?:accord|consentement)|elle
        savait pas|croyait que c etait prive|thought it was private|didn t know|doesn t know|
        en confiance|vole\w*|hack\w*|cachee?|hidden|spycam|upskirt|m a (?:trompe|largue|quitte|
        bloque|ghoste|humilie|fait souffrir)|elle (?:merite|l a cherche)|cheated|blocked me|
        revenge|se venger|tant pis|si elle (?:paye|revient|me repond)|ou je poste|or your nudes|
        pay me""",
}

CLASSES: dict[str, re.Pattern[str]] = {
    name: compile_word_class(body) for name, body in _RAW.items()
}
"""One compiled regex per word class, matched against normalised text."""

