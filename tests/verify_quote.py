#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An independent check of a DCAP version 3 quote, written from Intel's
published layout (doc/attestation.md) with the `cryptography` package,
sharing nothing with sgxemu's C code: the header and the report body,
the ECDSA signature data, the PCK certificate chain up to ROOT, the PCK
certificate's SGX extensions, the PCK's signature over the QE's REPORT
body, that REPORT's binding of the attestation key, and the attestation
key's signature over the quote.

    verify_quote.py QUOTE ROOT.pem

Prints the fields and "verify_quote: OK", or one line "verify_quote: FAIL:
..." and exits 1."""

import hashlib
import struct
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

SGX_EXT = "1.2.840.113741.1.13.1"
INTEL_QE_VENDOR = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")


class Refused(Exception):
    pass


def report_body(b):
    """The fields of an sgx_report_body_t (384 bytes) a verifier reads."""
    assert len(b) == 384
    return {
        "cpusvn": b[0:16].hex(),
        "miscselect": struct.unpack_from("<I", b, 16)[0],
        "attributes": struct.unpack_from("<QQ", b, 48),
        "mrenclave": b[64:96].hex(),
        "mrsigner": b[128:160].hex(),
        "isvprodid": struct.unpack_from("<H", b, 256)[0],
        "isvsvn": struct.unpack_from("<H", b, 258)[0],
        "reportdata": b[320:384],
    }


def der_items(data):
    """The (tag, content) pairs of a run of DER TLVs."""
    items, i = [], 0
    while i < len(data):
        tag, n = data[i], data[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        items.append((tag, data[i:i + n]))
        i += n
    return items


def oid_text(content):
    first = content[0]
    arcs, v = [first // 40, first % 40], 0
    for byte in content[1:]:
        v = (v << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(v)
            v = 0
    return ".".join(str(a) for a in arcs)


def sgx_extensions(cert):
    """PPID, TCB, PCE-ID, FMSPC and SGX type from the SGX extensions."""
    try:
        ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(SGX_EXT))
    except x509.ExtensionNotFound:
        raise Refused("PCK certificate has no SGX extensions")
    (tag, body), = der_items(ext.value.value)
    out = {}
    for tag, pair in der_items(body):
        (t1, oid), (t2, value) = der_items(pair)
        if t1 != 0x06 or tag != 0x30:
            raise Refused("malformed SGX extension")
        name = oid_text(oid)[len(SGX_EXT) + 1:]
        if name == "2":
            tcb = {}
            for _, tpair in der_items(value):
                (_, toid), (ttag, tval) = der_items(tpair)
                tname = oid_text(toid)[len(SGX_EXT) + 3:]
                tcb[tname] = tval.hex() if ttag == 0x04 else int.from_bytes(tval, "big")
            out["tcb"] = tcb
        else:
            out[{"1": "ppid", "3": "pceid", "4": "fmspc", "5": "sgxtype"}.get(name, name)] = (
                value.hex() if t2 == 0x04 else int.from_bytes(value, "big"))
    for need in ("ppid", "tcb", "pceid", "fmspc", "sgxtype"):
        if need not in out:
            raise Refused("SGX extensions lack " + need)
    if len(out["tcb"]) != 18:
        raise Refused("the TCB has %d entries, not 18" % len(out["tcb"]))
    return out


def p256_key(xy):
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + xy)


def ecdsa_verify(key, rs, message, what):
    sig = encode_dss_signature(int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"))
    try:
        key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused(what)


def issued_by(cert, issuer):
    try:
        issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                   ec.ECDSA(cert.signature_hash_algorithm))
    except InvalidSignature:
        return False
    return cert.issuer == issuer.subject


def verify(q, root):
    if len(q) < 1014:
        raise Refused("quote too short")
    version, key_type, _, qe_svn, pce_svn = struct.unpack_from("<HHIHH", q, 0)
    vendor, user_data = q[12:28], q[28:48]
    if version != 3 or key_type != 2:
        raise Refused("not a version 3 ECDSA P-256 quote")
    if vendor != INTEL_QE_VENDOR:
        raise Refused("unknown QE vendor")
    body = report_body(q[48:432])
    (sig_len,) = struct.unpack_from("<I", q, 432)
    if 436 + sig_len != len(q):
        raise Refused("signature data length")
    s = q[436:]
    quote_sig, att_key, qe_report, qe_report_sig = s[0:64], s[64:128], s[128:512], s[512:576]
    (auth_len,) = struct.unpack_from("<H", s, 576)
    auth = s[578:578 + auth_len]
    cert_type, cert_len = struct.unpack_from("<HI", s, 578 + auth_len)
    certs = s[584 + auth_len:]
    if cert_type != 5 or cert_len != len(certs):
        raise Refused("certification data is not a PCK chain of the right size")
    chain = x509.load_pem_x509_certificates(certs) if hasattr(
        x509, "load_pem_x509_certificates") else [
            x509.load_pem_x509_certificate(b"-----BEGIN CERTIFICATE-----" + c)
            for c in certs.split(b"-----BEGIN CERTIFICATE-----")[1:]]
    if len(chain) != 3:
        raise Refused("the chain has %d certificates, not 3" % len(chain))
    pck, inter, carried_root = chain
    if carried_root != root or not issued_by(root, root):
        raise Refused("the chain's root is not ROOT")
    if not issued_by(inter, root) or not issued_by(pck, inter):
        raise Refused("the certificate chain does not verify")
    ext = sgx_extensions(pck)
    ecdsa_verify(pck.public_key(), qe_report_sig, qe_report, "the PCK did not sign the QE REPORT")
    qe = report_body(qe_report)
    if qe["reportdata"] != hashlib.sha256(att_key + auth).digest() + bytes(32):
        raise Refused("the QE REPORT does not bind the attestation key")
    ecdsa_verify(p256_key(att_key), quote_sig, q[:432], "the attestation key did not sign the quote")
    return qe_svn, pce_svn, user_data, body, qe, ext


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        q = f.read()
    with open(sys.argv[2], "rb") as f:
        root = x509.load_pem_x509_certificate(f.read())
    try:
        qe_svn, pce_svn, user_data, body, qe, ext = verify(q, root)
    except (Refused, ValueError, struct.error) as e:
        print("verify_quote: FAIL: %s" % e)
        return 1
    print("qe_svn %d pce_svn %d qe_id %s" % (qe_svn, pce_svn, user_data[:16].hex()))
    print("mrenclave %s" % body["mrenclave"])
    print("mrsigner %s" % body["mrsigner"])
    print("reportdata %s" % body["reportdata"].hex())
    print("qe mrenclave %s isvprodid %d" % (qe["mrenclave"], qe["isvprodid"]))
    print("ppid %s fmspc %s pceid %s sgxtype %d pcesvn %d" % (
        ext["ppid"], ext["fmspc"], ext["pceid"], ext["sgxtype"], ext["tcb"]["17"]))
    print("verify_quote: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
