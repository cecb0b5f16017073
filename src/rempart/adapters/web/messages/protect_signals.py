"""Words of the victim portal's registration (``/protect``): photos and videos hashed on the
device, per-item states, progress and cancel, adding to an existing case, the signals' help.

Example::

    MESSAGES["protect_signals.files"]      # ("Photos et vidéos", "Photos and videos")
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "protect_signals.intro": (
        "Choisissez les photos et vidéos à protéger. Leurs empreintes sont calculées sur votre "
        "appareil et ajoutées à une banque d'empreintes : si quelqu'un les partage dans un "
        "groupe surveillé par Rempart, elles sont reconnues.",
        "Choose the photos and videos to protect. Their fingerprints are computed on your "
        "device and added to a bank of fingerprints: if someone shares them in a group Rempart "
        "watches, they are recognised."),
    "protect_signals.files": ("Photos et vidéos", "Photos and videos"),
    "nav.protect": ("Protéger mes images", "Protect my images"),
    "nav.protect_status": ("Suivre mon dossier", "Follow my case"),
    "protect_signals.max": (
        "Jusqu'à {max} éléments par dossier ; vidéos de {minutes} minutes au plus.",
        "Up to {max} items per case; videos of at most {minutes} minutes."),
    "protect_signals.item": ("Élément {n} sur {count}", "Item {n} of {count}"),
    "protect_signals.frames": ("image {done} sur {total}", "frame {done} of {total}"),
    "protect_signals.item_done": ("empreintes calculées", "fingerprints computed"),
    "protect_signals.no_image": (
        "ce fichier ne peut pas être lu comme une image : il est laissé de côté",
        "this file cannot be read as an image: it is left out"),
    "protect_signals.no_video": (
        "votre navigateur ne sait pas lire cette vidéo (format ou codec) : elle est laissée de "
        "côté",
        "your browser cannot play this video (format or codec): it is left out"),
    "protect_signals.too_long": ("vidéo trop longue : elle est laissée de côté",
                                 "video too long: it is left out"),
    "protect_signals.too_large": ("fichier trop gros : il est laissé de côté",
                                  "file too large: it is left out"),
    "protect_signals.nothing": ("Aucun fichier n'a pu être lu.", "No file could be read."),
    "protect_signals.cancel": ("Annuler", "Cancel"),
    "protect_signals.cancelled": ("Calcul annulé : rien n'a été envoyé.",
                                  "Cancelled: nothing was sent."),
    "protect_signals.add_title": ("Ajouter des images à mon dossier", "Add images to my case"),
    "protect_signals.add_intro": (
        "Saisissez le numéro de dossier et le code secret reçus lors du premier enregistrement.",
        "Enter the case number and the secret you received when you first registered."),
    "protect_signals.case_number": ("Numéro de dossier", "Case number"),
    "protect_signals.secret": ("Code secret", "Secret"),
    "protect_signals.add_submit": ("Ajouter à mon dossier", "Add to my case"),
    "protect_signals.add_link": ("Ajouter des images à un dossier existant",
                                 "Add images to an existing case"),
    "protect_signals.added": ("Images ajoutées", "Images added"),
    "protect_signals.secret_kept": ("inchangé (celui que vous avez)",
                                    "unchanged (the one you have)"),
    "protect_signals.not_found": ("numéro de dossier ou code secret incorrect",
                                  "wrong case number or secret"),
    "protect_signals.closed": ("ce dossier est clos", "this case is closed"),
    "protect_signals.help_title": ("Ce qui est calculé sur votre appareil",
                                   "What is computed on your device"),
    "protect_signals.help_photo": (
        "Photos : empreintes exactes (SHA-256, MD5), empreinte visuelle PDQ et ses rotations et "
        "miroirs, PDQ de l'image sans ses bordures unies et PDQ de six régions, pour reconnaître "
        "une image recadrée, encadrée ou avec un bandeau.",
        "Photos: exact fingerprints (SHA-256, MD5), the PDQ visual fingerprint with its "
        "rotations and mirrors, the PDQ of the picture without uniform borders and the PDQs of "
        "six regions, to recognise an image that was cropped, framed or given a band."),
    "protect_signals.help_video": (
        "Vidéos : empreintes exactes et PDQ de {fps} image(s) par seconde (vPDQ), comme le "
        "serveur. Les vidéos que votre navigateur ne sait pas lire sont laissées de côté.",
        "Videos: exact fingerprints and the PDQ of {fps} frame(s) per second (vPDQ), as the "
        "server does. Videos your browser cannot play are left out."),
    "protect_signals.help_orb": (
        "Les points caractéristiques (ORB), que le serveur calcule quand il reçoit une image, ne "
        "sont pas calculés ici : une image fortement recadrée ou retouchée peut donc échapper à "
        "la reconnaissance.",
        "Local features (ORB), which the server computes when it receives an image, are not "
        "computed here: a heavily cropped or edited image may therefore go unrecognised."),
    "protect_signals.help_nothing_sent": (
        "Seules ces empreintes sont envoyées : jamais l'image, la vidéo ni l'aperçu.",
        "Only these fingerprints are sent: never the image, the video or the preview."),
}
