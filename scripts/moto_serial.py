"""moto's DynamoDB server, answering one request at a time.

moto's TransactWriteItems copies whole tables before it starts and, when a condition
fails, puts those copies back: with two requests at once, a failed transaction silently
undoes another client's successful writes. DynamoDB itself never does that. Serving one
request at a time gives a correct (linearizable) DynamoDB while clients still race each
other, which is what the concurrency tests need.

Usage: moto_serial.py HOST PORT
"""

import sys

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
