# grpc_client.py TARGET NAME CA CERT KEY -- a gRPC client of
# t/196-http-live.t: calls /live.Ticker/Stream on TARGET (HOST:PORT, TLS,
# presenting CERT) with NAME as the request, and logs "msg N" for each
# message, then "done" if the server ended the call, or "error CODE
# DETAILS" if it ended otherwise (a connection closed under it: UNAVAILABLE,
# INTERNAL or CANCELLED).

import sys

import grpc

from livelib import log, usage


def main(target, name, ca, cert, key):
    def read(f):
        with open(f, "rb") as fh:
            return fh.read()

    creds = grpc.ssl_channel_credentials(root_certificates=read(ca),
                                         private_key=read(key),
                                         certificate_chain=read(cert))
    channel = grpc.secure_channel(target, creds)
    call = channel.unary_stream("/live.Ticker/Stream")  # bytes in and out
    n = 0
    try:
        for _ in call(name.encode(), timeout=120):
            n += 1
            log("msg", n)
        log("done")
    except grpc.RpcError as e:
        log("error", e.code().name, repr(e.details()))
    channel.close()


if len(sys.argv) != 6:
    usage("TARGET NAME CA CERT KEY")
main(*sys.argv[1:])
