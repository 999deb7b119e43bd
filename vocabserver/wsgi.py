"""WSGI entry point for process-based servers.

`vocabserver serve --workers N` starts granian on this module with N worker processes, each opening the store
read-only and passing writes to the process that holds it (web/workers.py, web/forward.py). It also serves
read-only processes beside a writer one starts oneself, e.g.

    VOCABSERVER_READ_ONLY=1 VOCABSERVER_DATA_DIR=/srv/store gunicorn -w 4 vocabserver.wsgi:app

(pyoxigraph lets one process write: the others read the views the writer publishes after each commit).
"""

from vocabserver.memory import keep_trimming
from vocabserver.web import create_app

app = create_app()
keep_trimming()  # a long-running worker gives freed pages back (vocabserver/memory.py)
