# syntax=docker/dockerfile:1
#
# Quiver container image: multi-stage build, non-root runtime (uid/gid 1000), code owned by root and read-only
# for the server, data only under the /qdrant/storage and /qdrant/snapshots volumes. Works with `--read-only`
# (temp files go to <storage>/snapshots_temp by default; mount a tmpfs on /tmp if you move them there).
#
#   docker build -t quiver .
#   docker run --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges:true \
#     -p 127.0.0.1:6333:6333 -e QDRANT__SERVICE__API_KEY="$(openssl rand -base64 32)" \
#     -v quiver-storage:/qdrant/storage -v quiver-snapshots:/qdrant/snapshots quiver
#
# The image listens on 0.0.0.0, so Quiver refuses to start without an API key (service.api_key, a keys file, or
# a config file passed with --config-path). See docs/securing.md. Pin the base images by digest in production.
# tests/unit/container-files.test.ts checks this file (no Docker engine is needed).

ARG NODE_BUILD_IMAGE=node:20-bookworm
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript, then drop dev dependencies -----------------------------------------------------
FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
# Dependencies first, so the layer is cached while only sources change. The same lockfile as `npm install`;
# --ignore-scripts: nothing is compiled (lmdb and msgpackr load their prebuilt binaries from the platform
# packages the lockfile lists; benchmark-only native tools live in bench/package.json, outside this install).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The web dashboard (served at /dashboard) is built by vite into dist/dashboard.
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
# RUN_MODE=production: config/production.yaml is read (where Qdrant's Helm chart mounts its ConfigMap).
ENV NODE_ENV=production \
    RUN_MODE=production \
    QDRANT__SERVICE__HOST=0.0.0.0 \
    QDRANT__SERVICE__HTTP_PORT=6333 \
    QDRANT__STORAGE__STORAGE_PATH=/qdrant/storage \
    QDRANT__STORAGE__SNAPSHOTS_PATH=/qdrant/snapshots
WORKDIR /qdrant
# Code and config stay owned by root: the server (uid 1000) can read them but never modify them.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY config/config.yaml ./config/config.yaml
# Qdrant's entrypoint contract (the Helm chart's initialize.sh execs ./entrypoint.sh with --uri / --bootstrap …)
# and its static web files directory.
COPY --chmod=0755 entrypoint.sh ./entrypoint.sh
COPY static ./static
RUN mkdir -p /qdrant/storage /qdrant/snapshots \
    && chown 1000:1000 /qdrant/storage /qdrant/snapshots \
    && chmod 0750 /qdrant/storage /qdrant/snapshots
VOLUME ["/qdrant/storage", "/qdrant/snapshots"]
USER 1000:1000
# 6333: REST, 6334: gRPC (both TLS with service.enable_tls).
EXPOSE 6333 6334
# Liveness only; TLS-aware through QDRANT__SERVICE__ENABLE_TLS (the certificate is not checked: it is a local probe).
# With mTLS or an allow-list that excludes 127.0.0.1, override or disable this check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const tls=process.env.QDRANT__SERVICE__ENABLE_TLS==='true';require(tls?'node:https':'node:http').get({host:'127.0.0.1',port:Number(process.env.QDRANT__SERVICE__HTTP_PORT||6333),path:'/healthz',timeout:4000,rejectUnauthorized:false},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
# Node is PID 1 (entrypoint.sh execs it) and handles SIGTERM itself: index builds pause and are saved, in-flight
# requests drain, exit 0 within about a second.
STOPSIGNAL SIGTERM
ENTRYPOINT ["./entrypoint.sh"]
