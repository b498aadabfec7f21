# What the helpers of t/196-http-live.t share: a log line per event, with
# the time it happened (so the test measures when a client saw its
# connection end, not when it read the log), and the TLS context of a
# client that presents a certificate of the test PKI.

import ssl
import sys
import time


def log(*words):
    """'EPOCH WORD WORD ...' on stdout, flushed at once."""
    print("%.3f %s" % (time.time(), " ".join(str(w) for w in words)),
          flush=True)


def client_tls(ca, cert, key, alpn=None):
    """A TLS client context: trusts CA, presents CERT (with its chain) and
    KEY, checks the server's name (the test server's certificate names
    localhost and 127.0.0.1)."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def usage(text):
    sys.stderr.write("usage: %s %s\n" % (sys.argv[0], text))
    sys.exit(64)
