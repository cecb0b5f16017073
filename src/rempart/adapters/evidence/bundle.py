"""The evidence ZIP: ``package.pdf``, ``package.json``, ``manifest.json`` (SHA-256 and size of
each file) and ``README.txt`` (how to check the manifest). Same package, same bytes: members
in a fixed order, dated with the package's generation time.

Example::

    data = evidence_zip(package)
    zipfile.ZipFile(io.BytesIO(data)).namelist()
    # ['package.pdf', 'package.json', 'manifest.json', 'README.txt']
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from rempart.core.evidence_package import EvidencePackage, package_json_bytes, schema_of

MEMBERS = ("package.pdf", "package.json", "manifest.json", "README.txt")

README = """Rempart evidence package {reference} (generated {generated} UTC)
=====================================================================

package.pdf    the package to read and print (no image, ever)
package.json   the same content, machine-readable (schema {schema})
manifest.json  the SHA-256 of each file above

Check that the files are those of the manifest (Linux, macOS: shasum -a 256):

    sha256sum package.pdf package.json

Each value must equal the "sha256" of that file in manifest.json. Quote the SHA-256 of
manifest.json itself ({manifest_sha256}) to identify this package.

Dossier de preuves Rempart : vérifiez les empreintes avec la commande ci-dessus ; chaque
valeur doit être égale au champ "sha256" du fichier dans manifest.json.
"""


def manifest(files: dict[str, bytes], pkg: EvidencePackage) -> dict[str, Any]:
    """The manifest of ``files``: name, size and SHA-256 of each."""
    return {"schema": schema_of(pkg), "reference": pkg.reference,
            "generated_at": pkg.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": [{"name": name, "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()}
                      for name, data in files.items()]}


def evidence_zip(pkg: EvidencePackage) -> bytes:
    """The ZIP of the package (deterministic for the same package)."""
    from rempart.adapters.evidence.pdf import render_pdf  # reportlab: loaded on first use

    files = {"package.pdf": render_pdf(pkg), "package.json": package_json_bytes(pkg)}
    manifest_bytes = (json.dumps(manifest(files, pkg), indent=2) + "\n").encode()
    readme = README.format(reference=pkg.reference,
                           generated=pkg.generated_at.strftime("%Y-%m-%d %H:%M:%S"),
                           schema=schema_of(pkg),
                           manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest())
    members = {**files, "manifest.json": manifest_bytes, "README.txt": readme.encode()}
    stamp = pkg.generated_at.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in MEMBERS:
            info = zipfile.ZipInfo(name, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()
