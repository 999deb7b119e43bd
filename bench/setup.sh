#!/usr/bin/env bash
# Everything the HTTP benchmarks need, from the package registries: wrk (Debian), gunicorn and the
# oxigraph server (PyPI) into the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
make install
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q wrk; else sudo apt-get install -y -q wrk; fi
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
