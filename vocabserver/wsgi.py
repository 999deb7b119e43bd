"""WSGI entry point for process-based servers, e.g.

    VOCABSERVER_READ_ONLY=1 VOCABSERVER_DATA_DIR=/srv/store gunicorn -w 4 vocabserver.wsgi:app

With several processes the store must be opened read-only (VOCABSERVER_READ_ONLY=1): pyoxigraph lets
one process write, and a store loaded beforehand with `vocabserver load` is never written while served.
"""

from vocabserver.web import create_app

app = create_app()
