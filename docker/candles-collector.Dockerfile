# The candles collector. Build context: the repository root.
#   docker build -f docker/candles-collector.Dockerfile -t candles-collector .
# or through docker/compose.yml.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS pnpm
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
# The version pinned in the root package.json's packageManager.
RUN npm install -g pnpm@12.4.2 && pnpm --version
WORKDIR /repo

# Dependency layer: only the lockfile and workspace files, so it is rebuilt when dependencies change,
# not on every source edit. pnpm fetch fills the store from the lockfile alone.
FROM pnpm AS fetch
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc package.json ./
COPY patches ./patches
RUN pnpm fetch --store-dir /pnpm/store

# Build the app and the workspace packages it depends on, then deploy it with production dependencies only.
FROM fetch AS build
COPY . .
RUN pnpm install --offline --frozen-lockfile --store-dir /pnpm/store --filter "candles-collector..." \
 && pnpm --filter "candles-collector..." build \
 && pnpm --filter candles-collector --prod deploy --offline --store-dir /pnpm/store /out

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE 8080
# No curl in the slim image: Node's fetch probes the liveness endpoint.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# A 4 MB young generation: see "Memory" in apps/candles-collector/README.md.
CMD ["node", "--max-semi-space-size=4", "--min-semi-space-size=4", "--expose-gc", "dist/main.js"]
