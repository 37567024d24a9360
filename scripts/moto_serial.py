"""moto's DynamoDB server, answering one request at a time.

moto's TransactWriteItems copies whole tables before it starts and, when a condition
fails, puts those copies back: with two requests at once, a failed transaction silently
undoes another client's successful writes. DynamoDB itself never does that. Serving one
request at a time gives a correct (linearizable) DynamoDB while clients still race each
other, which is what the concurrency tests need.

With --count it also counts requests by DynamoDB operation: `GET /__requests` answers
them as JSON (benchmarks read it; nothing else uses it).

Usage: moto_serial.py HOST PORT [--count]
"""

import collections
import json
import sys

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, run_simple


def counting(app):
    """The app, counting requests by their X-Amz-Target operation."""
    counts = collections.Counter()

    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") == "/__requests":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(counts).encode()]
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        counts[target.rsplit(".", 1)[-1] or "other"] += 1
        return app(environ, start_response)

    return wrapped


def main() -> None:
    # A long listen queue: while one request is served, a crowd of test clients (hundreds of
    # concurrent allocations, several SDK connection pools) waits in the kernel's queue
    # instead of having its connects dropped and timed out (werkzeug's default is 128).
    BaseWSGIServer.request_queue_size = 4096
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    if "--count" in sys.argv[3:]:
        app = counting(app)
    run_simple(host, port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
