# syntax=docker/dockerfile:1
# The Atelier server image: `atelier server` on the compiled engine (dist/), the production
# dependencies only, as a non-root user, its data in the volume /data. No Studio, no TypeScript
# sources, no compiler. Build: docker build -t atelier-server .   Run: see docs/cluster.md.
#   docker run -p 8443:8443 -v atelier-data:/data atelier-server [--redis URL] [--couchdb URL] ...
# Flags given to `docker run` (compose `command:`, Kubernetes `args:`) are appended to the server's
# command line below. build/packaging.test.ts checks this file and runs its ENTRYPOINT.

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Build: every dependency (esbuild is a dev dependency), then the compiled engine into dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY bin ./bin
COPY build ./build
COPY engine ./engine
COPY embedded-db ./embedded-db
COPY electron ./electron
COPY tsconfig.json ./
RUN npm run build:engine

# 2. Production dependencies alone (no dev dependencies: no tsx, esbuild, vitest, electron...).
# Install scripts are skipped: the native modules (leveldown) load their prebuilt N-API binaries.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: node, the production node_modules, the compiled engine, nothing else.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# A fixed, unprivileged uid/gid (not the image's `node` user, 1000): volumes and Kubernetes'
# runAsUser / fsGroup can name it.
RUN groupadd --system --gid 10001 atelier \
  && useradd --system --uid 10001 --gid atelier --home-dir /app --shell /usr/sbin/nologin atelier \
  && mkdir -p /data \
  && chown atelier:atelier /data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist ./dist
COPY deploy/docker/healthcheck.mjs ./deploy/docker/healthcheck.mjs
# `atelier <command>` for the admin commands (docker exec ... atelier admin add-user --data /data ...).
RUN printf '#!/bin/sh\nexec node /app/dist/atelier.mjs "$@"\n' > /usr/local/bin/atelier \
  && chmod 0755 /usr/local/bin/atelier
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8443
# Liveness only (the process answers); readiness (/health/ready) is the load balancer's business.
# ATELIER_HEALTH_URL changes the address checked (e.g. https://127.0.0.1:8443/health/live with TLS).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
# SIGTERM (docker stop, Kubernetes) drains: requests under way finish, then the process exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/atelier.mjs", "server", "--host", "0.0.0.0", "--port", "8443", "--data", "/data"]
