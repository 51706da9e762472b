#!/bin/sh
# Container entrypoint, compatible with Qdrant's: the Qdrant Helm chart runs `./config/initialize.sh`, which execs
# `./entrypoint.sh --uri …` (or `--bootstrap … --uri …`, `--snapshot …`). Quiver accepts Qdrant's flags (a single
# node warns about --uri / --bootstrap and ignores them) and reads config/config.yaml, config/$RUN_MODE.yaml
# (production.yaml in the image) and config/local.yaml under /qdrant, as Qdrant does.
set -e
cd /qdrant
exec node /qdrant/dist/src/main.js "$@"
