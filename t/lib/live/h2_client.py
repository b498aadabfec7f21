# h2_client.py HOST PORT PATH CA CERT KEY -- a minimal HTTP/2 client for
# t/196-http-live.t (no h2 library: raw frames, HPACK literals), to see
# which frames a server sends when it ends a connection.  TLS with ALPN h2
# to HOST:PORT presenting CERT; one request, GET PATH on stream 1, then it
# reads until the server closes.  An idle connection: PATH answers and
# ends (logs "end-stream 1"), nothing more is sent.  An in-flight stream:
# PATH is an endless answer (server-sent events), each DATA frame logged.
# Logs "status N" (of the first HEADERS frame), "data 1 LEN",
# "end-stream 1", "rst_stream ID CODE", "goaway LAST CODE", "closed HOW".

import socket
import struct
import sys

from livelib import client_tls, log, usage

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0, 1, 3, 4, 6, 7
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4

ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR",
          "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
          "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
          "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
          "HTTP_1_1_REQUIRED"]

# HPACK static table entries 8-14 (":status" values), which nginx uses
STATUS = {0x88: "200", 0x89: "204", 0x8a: "206", 0x8b: "304", 0x8c: "400",
          0x8d: "404", 0x8e: "500"}


def frame(kind, flags, stream, payload=b""):
    return (struct.pack(">I", len(payload))[1:] + bytes([kind, flags])
            + struct.pack(">I", stream) + payload)


def literal(name, value):
    # literal header field without indexing, new name, no Huffman coding
    # (names and values here are shorter than 127 bytes)
    name, value = name.encode(), value.encode()
    return bytes([0, len(name)]) + name + bytes([len(value)]) + value


def error_name(code):
    return ERRORS[code] if code < len(ERRORS) else "0x%x" % code


def main(host, port, path, ca, cert, key):
    ctx = client_tls(ca, cert, key, alpn=["h2"])
    tls = ctx.wrap_socket(socket.create_connection((host, int(port))),
                          server_hostname=host)
    if tls.selected_alpn_protocol() != "h2":
        log("no-h2", tls.selected_alpn_protocol())
        return

    block = (literal(":method", "GET") + literal(":scheme", "https")
             + literal(":path", path)
             + literal(":authority", "%s:%s" % (host, port)))
    tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(SETTINGS, 0, 0)
                + frame(HEADERS, END_STREAM | END_HEADERS, 1, block))

    buf = b""

    def read(n):
        nonlocal buf
        while len(buf) < n:
            chunk = tls.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk
        out, buf = buf[:n], buf[n:]
        return out

    try:
        while True:
            head = read(9)
            length = struct.unpack(">I", b"\0" + head[:3])[0]
            kind, flags = head[3], head[4]
            stream = struct.unpack(">I", head[5:9])[0] & 0x7fffffff
            payload = read(length)

            if kind == SETTINGS and not flags & ACK:
                tls.sendall(frame(SETTINGS, ACK, 0))
            elif kind == PING and not flags & ACK:
                tls.sendall(frame(PING, ACK, 0, payload))
            elif kind == HEADERS:
                log("status", STATUS.get(payload[0], "other") if payload else "-")
            elif kind == DATA:
                log("data", stream, length)
            elif kind == RST_STREAM:
                code = struct.unpack(">I", payload[:4])[0]
                log("rst_stream", stream, error_name(code))
            elif kind == GOAWAY:
                last, code = struct.unpack(">II", payload[:8])
                log("goaway", last & 0x7fffffff, error_name(code))

            if kind in (HEADERS, DATA) and flags & END_STREAM:
                log("end-stream", stream)
    except EOFError:
        log("closed", "eof")
    except (OSError, ValueError) as e:
        log("closed", type(e).__name__)


if len(sys.argv) != 7:
    usage("HOST PORT PATH CA CERT KEY")
main(*sys.argv[1:])
