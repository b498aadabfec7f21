#!/usr/bin/env python3
"""bench/hold-conns.py PORT CERT KEY N

Opens N TLS connections to 127.0.0.1:PORT presenting CERT/KEY, sends one
keep-alive request for /ok.txt on each and reads its answer, then holds
them all open: prints "held N" and waits until stdin closes.  run.sh reads
the nginx worker's RSS before and while they are held (per-connection
memory, docs/benchmarks.md).
"""

import socket
import ssl
import sys


def main():
    port, cert, key, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)

    held = []
    request = b"GET /ok.txt HTTP/1.1\r\nHost: bench\r\n\r\n"

    for _ in range(n):
        raw = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        s = ctx.wrap_socket(raw)
        s.sendall(request)

        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("connection closed before the answer")
            answer += chunk

        if not answer.startswith(b"HTTP/1.1 200"):
            sys.exit("unexpected answer: %r" % answer[:40])

        held.append(s)

    print("held %d" % len(held), flush=True)
    sys.stdin.read()


main()
