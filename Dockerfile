# syntax=docker/dockerfile:1
# One build, three images: `docker build --target api|worker|jobs .`
ARG NODE_IMAGE=node:26.10.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home app
COPY --from=production-dependencies --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
# Read-only code owned by root; the process runs as an unprivileged user and writes only to /tmp.
USER 10001:10001

FROM runtime AS api
COPY --from=build --chown=root:root /app/dist/apps/api ./dist/apps/api
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/api/main.js"]

FROM runtime AS worker
COPY --from=build --chown=root:root /app/dist/apps/worker ./dist/apps/worker
EXPOSE 9465 9466
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:9465/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/worker/main.js"]

FROM runtime AS jobs
COPY --from=build --chown=root:root /app/dist/apps/jobs ./dist/apps/jobs
CMD ["node", "dist/apps/jobs/main.js"]
