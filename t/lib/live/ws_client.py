# ws_client.py URL CA CERT KEY -- a WebSocket client of t/196-http-live.t:
# connects to URL (wss://...) presenting CERT, then sends a numbered
# message every 200 ms and waits for its echo.  Logs "open", "echo N" for
# each echo, and "closed CODE" when the connection ends (or "refused ..."
# when it cannot open, "stalled N" when an echo does not come in 5 s).

import asyncio
import sys

import websockets

from livelib import client_tls, log, usage


async def main(url, ca, cert, key):
    try:
        ws = await websockets.connect(url, ssl=client_tls(ca, cert, key),
                                      ping_interval=1, ping_timeout=5)
    except Exception as e:
        log("refused", type(e).__name__, e)
        return 1

    log("open")
    n = 0
    try:
        while True:
            n += 1
            await ws.send(str(n))
            try:
                got = await asyncio.wait_for(ws.recv(), 5)
            except asyncio.TimeoutError:
                log("stalled", n)
                return 2
            log("echo", got)
            await asyncio.sleep(0.2)
    except websockets.ConnectionClosed as e:
        log("closed", e.code)
        return 0


if len(sys.argv) != 5:
    usage("URL CA CERT KEY")
sys.exit(asyncio.run(main(*sys.argv[1:])))
