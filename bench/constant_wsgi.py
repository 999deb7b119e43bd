"""A constant WSGI answer (no framework): the ceiling of an HTTP server for Python on this machine, measured by
bench_http.py under granian beside our server."""

BODY = b"pong\n"


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
