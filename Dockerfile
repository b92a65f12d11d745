# syntax=docker/dockerfile:1
# Multi-stage build of the standalone Next.js server; runs as a non-root user.
#   docker build -t devpulse-cloud .
#   docker run -p 3000:3000 -e DATABASE_URL=… -e NEXTAUTH_SECRET=… -e WEBHOOK_SECRET=… -e TOKEN_ENCRYPTION_KEY=… -e APP_URL=https://… devpulse-cloud
# Without DATABASE_URL the container uses embedded PGlite in /data (mount a volume).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The npm workspace (@devpulse/client) is part of the lockfile: npm needs its manifest to install.
COPY packages/client/package.json ./packages/client/
# Fixes carried for dependencies until their releases have them (applied by the postinstall).
COPY patches ./patches
# The lockfile is complete (optional platform packages included), so the image installs exactly it.
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN node node_modules/next/dist/bin/next build

FROM node:20-bookworm-slim AS runner
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_MANUAL_SIG_HANDLE=1 \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    DATA_DIR=/data \
    MIGRATIONS_DIR=/app/drizzle
# A 1 GiB old-generation ceiling makes V8 grow the heap about 1.6× its live size before a full
# collection instead of up to 4× (scripts/server-heap.mjs says why; tests/unit/server-heap.test.ts keeps the two equal).
ENV NODE_OPTIONS=--max-old-space-size=1024
RUN groupadd --system --gid 1001 devpulse \
 && useradd --system --uid 1001 --gid devpulse --home-dir /app devpulse \
 && mkdir -p /data && chown devpulse:devpulse /data
COPY --from=build --chown=devpulse:devpulse /app/.next/standalone ./
COPY --from=build --chown=devpulse:devpulse /app/.next/static ./.next/static
COPY --from=build --chown=devpulse:devpulse /app/drizzle ./drizzle
USER devpulse
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Migrations run inside the server at start-up (src/instrumentation.ts).
CMD ["node", "server.js"]
