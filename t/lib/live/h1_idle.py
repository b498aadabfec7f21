# h1_idle.py HOST PORT PATH CA CERT KEY -- an idle HTTP/1.1 keep-alive
# connection for t/196-http-live.t: TLS to HOST:PORT presenting CERT, one
# "GET PATH" with Connection: keep-alive, its answer read whole (logs
# "response STATUS"), then nothing: it waits for the server to close the
# connection and logs "closed HOW" then (HOW: eof, or the error that ended
# the read), or "unexpected DATA" if bytes come instead.

import socket
import sys

from livelib import client_tls, log, usage


def main(host, port, path, ca, cert, key):
    ctx = client_tls(ca, cert, key, alpn=["http/1.1"])
    tls = ctx.wrap_socket(socket.create_connection((host, int(port))),
                          server_hostname=host)
    tls.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n"
                 % (path, host)).encode())

    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(4096)
        if not chunk:
            log("closed", "before-response")
            return
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(body) < length:
        chunk = tls.recv(4096)
        if not chunk:
            break
        body += chunk
    log("response", lines[0].split()[1])

    # idle from here: the next thing is the server's close
    try:
        more = tls.recv(4096)
        log("closed", "eof") if not more else log("unexpected", repr(more))
    except (OSError, ValueError) as e:
        log("closed", type(e).__name__)


if len(sys.argv) != 7:
    usage("HOST PORT PATH CA CERT KEY")
main(*sys.argv[1:])
