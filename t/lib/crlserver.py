#!/usr/bin/env python3
"""A CRL server that answers oddly on request, for t/149-crl-fetch.t.

    crlserver.py PORTFILE DIR [PORT]

Listens on 127.0.0.1:PORT (default 0: a free port) and writes the port to
PORTFILE.  Serves GET /crl as the word in DIR/mode says, read on every
request (default "ok"):

    ok         DIR/crl.crl, with an ETag and Last-Modified; 304 to a
               matching If-None-Match (or, without one, If-Modified-Since)
    404, 500   that status
    loop       302 to itself, forever
    html       200, a text/html error page
    truncated  a Content-Length larger than the bytes sent, then close
    big        200, 64 KiB: a DER SEQUENCE header and junk
    slow       sleeps 5 s, then as ok
    wrongkey   DIR/wrongkey.crl

Appends "METHOD PATH STATUS conditional=0|1" to DIR/requests.log, one
line per request (when its status is known: before the sleep of slow).
"""

import hashlib
import os
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, DIR = sys.argv[1], sys.argv[2]
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 0

log_lock = threading.Lock()


def read(name):
    with open(os.path.join(DIR, name), 'rb') as f:
        return f.read()


def mode():
    try:
        return read('mode').decode().strip() or 'ok'
    except FileNotFoundError:
        return 'ok'


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'      # one request per connection

    def log_message(self, *args):
        pass

    def record(self, status):
        if self.recorded:
            return
        self.recorded = True
        cond = int('If-None-Match' in self.headers
                   or 'If-Modified-Since' in self.headers)
        with log_lock, open(os.path.join(DIR, 'requests.log'), 'a') as f:
            f.write(f'{self.command} {self.path} {status} '
                    f'conditional={cond}\n')

    def answer(self, status, body=b'', ctype='application/pkix-crl',
               headers=(), length=None):
        self.record(status)
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length',
                         str(len(body) if length is None else length))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def crl(self, name, delay=0):
        path = os.path.join(DIR, name)
        body = read(name)
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        mtime = int(os.stat(path).st_mtime)
        validators = [('ETag', etag),
                      ('Last-Modified', formatdate(mtime, usegmt=True))]

        inm = self.headers.get('If-None-Match')
        ims = self.headers.get('If-Modified-Since')

        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(',')] or inm == '*'
        elif ims is not None:
            try:
                fresh = parsedate_to_datetime(ims).timestamp() >= mtime
            except (TypeError, ValueError):
                fresh = False
        else:
            fresh = False

        self.record(304 if fresh else 200)
        time.sleep(delay)

        if fresh:
            self.send_response(304)
            for k, v in validators:
                self.send_header(k, v)
            self.end_headers()
        else:
            self.answer(200, body, headers=validators)

    def do_GET(self):
        self.recorded = False

        if self.path != '/crl':
            return self.answer(404, b'not found\n', 'text/plain')

        m = mode()

        if m in ('ok', 'slow'):
            self.crl('crl.crl', 5 if m == 'slow' else 0)
        elif m in ('404', '500'):
            self.answer(int(m), b'no\n', 'text/plain')
        elif m == 'loop':
            port = self.server.server_address[1]
            self.answer(302, b'', 'text/plain',
                        [('Location', f'http://127.0.0.1:{port}/crl')])
        elif m == 'html':
            self.answer(200, b'<html><body><h1>502 Bad Gateway</h1>'
                        b'</body></html>\n', 'text/html')
        elif m == 'truncated':
            body = read('crl.crl')
            self.answer(200, body[:len(body) // 2], length=len(body) + 1000)
            self.close_connection = True
        elif m == 'big':
            body = b'\x30\x83\x01\x00\x00' + b'\x00' * (65536 - 5)
            self.answer(200, body)
        elif m == 'wrongkey':
            self.crl('wrongkey.crl')
        else:
            self.answer(500, f'unknown mode {m}\n'.encode(), 'text/plain')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(('127.0.0.1', PORT), Handler)

with open(PORTFILE + '.tmp', 'w') as f:
    f.write(f'{server.server_address[1]}\n')
os.rename(PORTFILE + '.tmp', PORTFILE)

server.serve_forever()
