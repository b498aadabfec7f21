# grpc_server.py -- the gRPC upstream of t/196-http-live.t: plain HTTP/2
# (h2c) on a free loopback port, one server-streaming method
# /live.Ticker/Stream, bytes in and out (a generic handler: no protobuf).
# The request is the caller's name; the answer a message "tick N" every
# 100 ms until the call ends.  Logs "listening PORT", "open NAME", and
# "ended NAME active=BOOL" when the call ends, from the callback that gRPC
# runs then (active=False: the call was cancelled under the handler, as
# when nginx closes its upstream stream or connection).

from concurrent import futures
import time

import grpc

from livelib import log


def stream(request, context):
    name = request.decode()
    log("open", name)
    context.add_callback(
        lambda: log("ended", name, "active=%s" % context.is_active()))
    n = 0
    while context.is_active():
        n += 1
        yield b"tick %d" % n
        time.sleep(0.1)
    log("inactive", name)


def main():
    # no serializers: the handler takes and gives bytes
    handler = grpc.method_handlers_generic_handler(
        "live.Ticker", {"Stream": grpc.unary_stream_rpc_method_handler(stream)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    log("listening", port)
    server.wait_for_termination()


main()
