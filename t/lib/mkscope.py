#!/usr/bin/python3
# mkscope.py PKIDIR OUTDIR < SPEC.json -- the crafted CRLs of t/136-crl-scope.t
#
# Signs, with the test PKI's intermediate CA (PKIDIR/int.key, int.crt),
#   - OUTDIR/dpa.{crt,key,pem}: a client certificate whose CRL
#     distribution point is http://crl.example/part-a.crl (bob, of
#     mkpki.sh, has none);
#   - one PEM CRL OUTDIR/NAME.crl per object of the JSON list on stdin:
#       name      file name
#       number    CRLNumber (none if absent)
#       base      BaseCRLNumber: a delta CRL (deltaCRLIndicator, critical)
#       this      thisUpdate, days from now (negative: past)
#       next      nextUpdate, days from now (null: none)
#       idp       issuingDistributionPoint (critical): only_user, only_ca,
#                 only_attr, indirect (booleans), reasons (list of
#                 ReasonFlags names), uri (its distributionPoint)
#       freshest  a FreshestCRL extension (where the delta CRLs are)
#       crit      an unknown critical extension (1.3.6.1.4.1.55555.1)
#       noncrit   an unknown non-critical one (1.3.6.1.4.1.55555.2)
#       noakid    no authorityKeyIdentifier (there is one otherwise)
#       entries   [[CERT or hex serial, reason or null, entry_crit], ...]
#                 CERT: a certificate of PKIDIR or OUTDIR, by name
#
# python3-cryptography (Debian), run by /usr/bin/python3.

import datetime
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

pki, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def load(path):
    with open(path, 'rb') as f:
        return f.read()


ca_key = serialization.load_pem_private_key(load(f'{pki}/int.key'), None)
ca = x509.load_pem_x509_certificate(load(f'{pki}/int.crt'))
now = datetime.datetime.utcnow().replace(microsecond=0)
akid = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
    ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value)


def write(path, data, mode=0o644):
    with open(path + '.tmp', 'wb') as f:
        f.write(data)
    os.chmod(path + '.tmp', mode)
    os.rename(path + '.tmp', path)


def leaf(name, serial, dp):
    key = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Example Corp'),
             x509.NameAttribute(NameOID.COMMON_NAME, name)]))
         .issuer_name(ca.subject)
         .public_key(key.public_key())
         .serial_number(serial)
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                        True)
         .add_extension(x509.ExtendedKeyUsage(
             [ExtendedKeyUsageOID.CLIENT_AUTH]), False)
         .add_extension(akid, False))
    if dp:
        b = b.add_extension(x509.CRLDistributionPoints([
            x509.DistributionPoint([x509.UniformResourceIdentifier(dp)],
                                   None, None, None)]), False)
    cert = b.sign(ca_key, hashes.SHA256())
    crt = cert.public_bytes(serialization.Encoding.PEM)
    k = key.private_bytes(serialization.Encoding.PEM,
                          serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    write(f'{out}/{name}.crt', crt)
    write(f'{out}/{name}.key', k, 0o600)
    write(f'{out}/{name}.pem', crt + load(f'{pki}/int.crt'))


def serial_of(ref):
    for d in (out, pki):
        p = f'{d}/{ref}.crt'
        if os.path.exists(p):
            return x509.load_pem_x509_certificate(load(p)).serial_number
    return int(ref, 16)


def crl(spec):
    days = datetime.timedelta(days=1)
    b = (x509.CertificateRevocationListBuilder()
         .issuer_name(ca.subject)
         .last_update(now + spec['this'] * days))
    if spec.get('next') is not None:
        b = b.next_update(now + spec['next'] * days)
    else:
        # the builder wants one; a CRL without nextUpdate is not needed
        raise SystemExit('mkscope.py: every CRL needs "next"')
    if 'number' in spec:
        b = b.add_extension(x509.CRLNumber(spec['number']), False)
    if 'base' in spec:
        b = b.add_extension(x509.DeltaCRLIndicator(spec['base']), True)
    if not spec.get('noakid'):
        b = b.add_extension(akid, False)
    idp = spec.get('idp')
    if idp:
        reasons = idp.get('reasons')
        b = b.add_extension(x509.IssuingDistributionPoint(
            full_name=([x509.UniformResourceIdentifier(idp['uri'])]
                       if idp.get('uri') else None),
            relative_name=None,
            only_contains_user_certs=bool(idp.get('only_user')),
            only_contains_ca_certs=bool(idp.get('only_ca')),
            only_some_reasons=(frozenset(x509.ReasonFlags[r]
                                         for r in reasons)
                               if reasons else None),
            indirect_crl=bool(idp.get('indirect')),
            only_contains_attribute_certs=bool(idp.get('only_attr'))),
            True)
    if spec.get('freshest'):
        b = b.add_extension(x509.FreshestCRL([x509.DistributionPoint(
            [x509.UniformResourceIdentifier('http://crl.example/delta.crl')],
            None, None, None)]), False)
    if spec.get('crit'):
        b = b.add_extension(x509.UnrecognizedExtension(
            x509.ObjectIdentifier('1.3.6.1.4.1.55555.1'), b'\x05\x00'), True)
    if spec.get('noncrit'):
        b = b.add_extension(x509.UnrecognizedExtension(
            x509.ObjectIdentifier('1.3.6.1.4.1.55555.2'), b'\x05\x00'),
            False)
    for ref, reason, entry_crit in spec.get('entries', []):
        r = (x509.RevokedCertificateBuilder()
             .serial_number(serial_of(ref))
             .revocation_date(now + spec['this'] * days))
        if reason:
            r = r.add_extension(x509.CRLReason(x509.ReasonFlags[reason]),
                                False)
        if entry_crit:
            r = r.add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier('1.3.6.1.4.1.55555.3'), b'\x05\x00'),
                True)
        b = b.add_revoked_certificate(r.build())
    c = b.sign(ca_key, hashes.SHA256())
    write(f'{out}/{spec["name"]}.crl', c.public_bytes(serialization.Encoding.PEM))


leaf('dpa', 0x5C0A, 'http://crl.example/part-a.crl')

for s in json.load(sys.stdin):
    crl(s)
