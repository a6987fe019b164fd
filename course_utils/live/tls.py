"""A throw-away TLS certificate for 127.0.0.1, made in memory when a local server starts.

``google-genai`` always opens its Live WebSocket with ``wss://`` (it replaces the scheme of the base
URL), so the Gemini Live stand-in must speak TLS. Each server makes its own self-signed certificate
(valid one day, for 127.0.0.1 and localhost only) and hands clients an SSL context that trusts
exactly that certificate. Nothing is written to the repository; the key never leaves the process.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass


@dataclass(frozen=True)
class LocalCertificate:
    """PEM certificate and key for 127.0.0.1 (self-signed)."""

    cert_pem: bytes
    key_pem: bytes

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        fd, path = tempfile.mkstemp(suffix=".pem")
        try:  # load_cert_chain reads files only; the file lives for the blink of this call
            with os.fdopen(fd, "wb") as f:
                f.write(self.cert_pem + self.key_pem)
            ctx.load_cert_chain(path)
        finally:
            os.unlink(path)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this certificate (and nothing else)."""
        return ssl.create_default_context(cadata=self.cert_pem.decode("ascii"))


def make_local_certificate() -> LocalCertificate:
    """A fresh self-signed EC certificate for 127.0.0.1 / localhost, valid for one day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "course_utils local stand-in")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return LocalCertificate(cert.public_bytes(serialization.Encoding.PEM),
                            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
