"""Write hmac.json: known-answer vectors of the ``hmac`` scheme, computed independently.

This uses only the standard library (its own RFC 5869 HKDF and ``hmac``), not the client, so the
vectors are a second implementation of the scheme's definition. Run it once; the test suite then
recomputes every vector with the client. Never regenerate to make a failing test pass: a change
here changes every token in the federation and needs a new epoch or scheme version.

    .venv/bin/python tests/golden/tokens/make_hmac_vectors.py [--force]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from pathlib import Path

OUT = Path(__file__).with_name("hmac.json")
SECRETS = [
    "00" * 32,
    bytes(range(32)).hex(),
    "5c1e0b7a9d24f3866e0f4b3a1c7d92e85a6b0c4f1e3d2a79b8c6054e7f1a2d3c",
]
EPOCHS = [1, 2]
# Illustrative canonical values (fictitious): the scheme treats them as opaque UTF-8 text.
SAMPLES = [
    ("phone", "e164", "+31612345678"),
    ("phone", "e164", "+40721234567"),
    ("email", "mailbox", "jan.jansen@example.nl"),
    ("address", "unit", "1011AB 14 A"),
    ("address", "building", "1011AB 14"),
    ("operator", "legal_name", "voorbeeld bv"),
    ("operator", "trade_name", "club voorbeeld"),
    ("person", "name", "popescu ana maria"),
    ("person", "name", "ştefan ţurcanu"),
    ("person", "name_dob", "popescu ana maria 1990-01-31"),
    ("iban", "iban", "NL91ABNA0417164300"),
    ("kvk", "kvk", "12345678"),
    ("plate", "plate", "XX999X"),
    ("url", "host", "voorbeeld.example"),
    ("phone", "e164_swap", "4:31612345678"),
    ("operator", "legal_near", "voorbeeldbv"),
    ("person", "near_dob", "popescu ana mara|1990-01-31"),
    ("operator", "registered", "clubvoorbeeld:bv"),
    ("operator", "reg_near", "clubvoorbeld:bv"),
    ("address", "no_addition", "1011AB 14"),
]
#: levels whose keys are tokenized in another level's domain (client/kinds.py, shares_domain):
#: an address without an addition gives the building token under its own label
DOMAIN = {("address", "no_addition"): "building"}


def hkdf_sha256(ikm: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 with no salt (a string of HashLen zeros), written out from the RFC."""
    prk = hmac.new(bytes(32), ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def main() -> None:
    if OUT.exists() and "--force" not in sys.argv:
        sys.exit(f"{OUT} exists; the vectors are meant to be written once")
    vectors = []
    for secret_hex in SECRETS:
        secret = bytes.fromhex(secret_hex)
        for epoch in EPOCHS:
            fingerprint = hkdf_sha256(secret, f"kruispunt/v1/fingerprint/hmac/{epoch}".encode(), 16)
            for kind, level, value in SAMPLES:
                domain = DOMAIN.get((kind, level), level)
                info = f"kruispunt/v1/hmac/epoch={epoch}/kind={kind}/level={domain}".encode()
                token = hmac.new(hkdf_sha256(secret, info, 32), value.encode(), hashlib.sha256)
                vectors.append(
                    {
                        "secret": secret_hex,
                        "epoch": epoch,
                        "fingerprint": fingerprint.hex(),
                        "kind": kind,
                        "level": level,
                        "value": value,
                        "token": token.hexdigest(),
                    }
                )
    document = {
        "scheme": "hmac",
        "definition": "token = HMAC-SHA256(HKDF-SHA256(secret, salt=none, info="
        "'kruispunt/v1/hmac/epoch={epoch}/kind={kind}/level={level}', L=32), UTF-8 value); "
        "fingerprint = HKDF-SHA256(secret, info='kruispunt/v1/fingerprint/hmac/{epoch}', L=16)",
        "vectors": vectors,
    }
    OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
