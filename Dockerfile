# syntax=docker/dockerfile:1
# Build: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs scripts/
COPY src src
COPY workers workers
RUN npm run build

# Runtime: production dependencies and the built JavaScript only, as the unprivileged `node` user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=9000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist dist
USER node
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The relay role; REDIS_URL, RELAY_ADMIN_CLIENT_ID and RELAY_ADMIN_CLIENT_SECRET are required in production.
# SIGTERM (docker stop) closes SSE streams so clients resume elsewhere, then exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/src/server.js"]
