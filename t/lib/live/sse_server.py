# sse_server.py -- the server-sent events upstream of t/196-http-live.t:
# HTTP/1.0 on a free loopback port; GET /...?name=NAME answers an endless
# text/event-stream, "data: tick" every 200 ms.  Logs "listening PORT",
# "open NAME", and "closed NAME ERROR" when a write fails because the
# other side (nginx) closed the connection.

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import time
import urllib.parse

from livelib import log


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        query = urllib.parse.urlparse(self.path).query
        name = urllib.parse.parse_qs(query).get("name", ["-"])[0]
        log("open", name)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"data: tick\n\n")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError as e:
            log("closed", name, type(e).__name__)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
log("listening", server.server_address[1])
server.serve_forever()
