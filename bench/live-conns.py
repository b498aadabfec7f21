#!/usr/bin/env python3
"""bench/live-conns.py PORT CERT KEY PROCS COUNT:PATH... -- bench/live.sh's client

Opens, from PROCS processes, COUNT TLS connections to 127.0.0.1:PORT for
each COUNT:PATH (split evenly among the processes), presenting CERT/KEY
with a full handshake each (LIVE_RESUME=1: each process resumes the TLS
session of its first connection; the certificate is the same), sends one
keep-alive "GET PATH" on each and reads its 200 answer whole, then holds
them idle.  It is a copy of what bench/hold-conns.py does, with several
processes and a record of when each connection is closed by the server.

While they are held, each process waits on all its connections (epoll)
and notes the wall-clock time (time.time(), as bash's $EPOCHREALTIME) at
which the server closes each one (close_notify, EOF or reset).

Prints "held N" once every connection is open, then reads commands on
stdin, one a line:
    report    one line per PATH:
              "closed PATH K N FIRST P50 LAST", K of its N connections
              closed so far, and the wall-clock times of the first, the
              median and the last close (0 when none)
    quit      every process closes its connections and exits
"""

import errno
import os
import select
import socket
import ssl
import sys
import time


def child(port, cert, key, groups, resume, cmd_r, out_w):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)

    session = None
    socks = {}            # fd -> (socket, group index)
    closes = [[] for _ in groups]

    for g, (n, path) in enumerate(groups):
        request = ("GET %s HTTP/1.1\r\nHost: bench\r\n\r\n" % path).encode()

        for _ in range(n):
            raw = socket.create_connection(("127.0.0.1", port), timeout=30)
            # a resumed handshake's last flight and the request are small
            # writes: without this, Nagle and the delayed ACK add 40 ms
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s = ctx.wrap_socket(raw, session=session)
            s.sendall(request)

            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = s.recv(4096)
                if not chunk:
                    sys.exit("live-conns: connection closed before the answer")
                answer += chunk

            head, _, body = answer.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                sys.exit("live-conns: %s answered %r" % (path, head[:40]))

            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                chunk = s.recv(4096)
                if not chunk:
                    sys.exit("live-conns: connection closed in the body")
                body += chunk

            if resume and session is None:
                session = s.session

            s.setblocking(False)
            socks[s.fileno()] = (s, g)

    ep = select.epoll()
    for fd in socks:
        ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
    ep.register(cmd_r, select.EPOLLIN)

    os.write(out_w, b"ready\n")

    while True:
        for fd, _ in ep.poll(1.0):

            if fd == cmd_r:
                cmd = os.read(cmd_r, 64).decode().split()
                if not cmd or cmd[0] == "quit":
                    for s, _ in socks.values():
                        s.close()
                    os._exit(0)
                # report: each group's close times, one line per group
                lines = []
                for g in range(len(groups)):
                    lines.append(" ".join("%.6f" % t for t in closes[g]))
                os.write(out_w, ("\n".join(lines) + "\n.\n").encode())
                continue

            s, g = socks[fd]
            closed = False
            try:
                while True:
                    if not s.recv(4096):
                        closed = True
                        break
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            except (ssl.SSLError, OSError):
                closed = True

            if closed:
                closes[g].append(time.time())
                ep.unregister(fd)
                del socks[fd]
                s.close()


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)

    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    procs = int(sys.argv[4])
    specs = []
    for spec in sys.argv[5:]:
        n, _, path = spec.partition(":")
        specs.append((int(n), path))

    resume = os.environ.get("LIVE_RESUME", "0") == "1"

    kids = []
    for i in range(procs):
        # this process's share of each group
        groups = [(n // procs + (1 if i < n % procs else 0), path)
                  for n, path in specs]
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(cmd_w)
            os.close(out_r)
            try:
                child(port, cert, key, groups, resume, cmd_r, out_w)
            except SystemExit as e:
                sys.stderr.write("%s\n" % e)
                os._exit(1)
            except Exception as e:      # noqa: BLE001 -- said, then fail
                sys.stderr.write("live-conns: %r\n" % e)
                os._exit(1)
            os._exit(0)
        os.close(cmd_r)
        os.close(out_w)
        kids.append((pid, cmd_w, os.fdopen(out_r, "r")))

    for pid, _, out in kids:
        if out.readline().strip() != "ready":
            for p, _, _ in kids:
                try:
                    os.kill(p, 15)
                except OSError:
                    pass
            sys.exit("live-conns: a client process failed")

    print("held %d" % sum(n for n, _ in specs), flush=True)

    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] != "report":
            continue

        times = [[] for _ in specs]
        for _, cmd_w, out in kids:
            os.write(cmd_w, b"report\n")
        for _, _, out in kids:
            g = 0
            while True:
                l = out.readline()
                if l.strip() == "." or not l:
                    break
                times[g].extend(float(t) for t in l.split())
                g += 1

        for (n, path), ts in zip(specs, times):
            ts.sort()
            if ts:
                print("closed %s %d %d %.6f %.6f %.6f"
                      % (path, len(ts), n, ts[0], ts[len(ts) // 2], ts[-1]),
                      flush=True)
            else:
                print("closed %s 0 %d 0 0 0" % (path, n), flush=True)

    for pid, cmd_w, _ in kids:
        try:
            os.write(cmd_w, b"quit\n")
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise
    for pid, _, _ in kids:
        os.waitpid(pid, 0)


main()
