# ws_server.py -- the WebSocket upstream of t/196-http-live.t: plain ws on
# a free loopback port, echoes every message.  Logs "listening PORT", then
# "open NAME" and "closed NAME CODE" for each connection (NAME: the query
# argument name= of its path), so the test sees that nginx closed the
# upstream side of a connection it ended.

import asyncio
import urllib.parse

import websockets

from livelib import log


def name_of(path):
    query = urllib.parse.urlparse(path).query
    return urllib.parse.parse_qs(query).get("name", ["-"])[0]


async def echo(ws, path=None):
    name = name_of(path or ws.path)
    log("open", name)
    try:
        async for message in ws:
            await ws.send(message)
        log("closed", name, ws.close_code)
    except websockets.ConnectionClosed as e:
        # nginx closes its upstream connection without a close frame: 1006
        log("closed", name, e.code)


async def main():
    # no pings of its own: only the client's traffic, and nginx, end a
    # connection
    async with websockets.serve(echo, "127.0.0.1", 0,
                                ping_interval=None) as server:
        log("listening", server.sockets[0].getsockname()[1])
        await asyncio.Future()


asyncio.run(main())
