# syntax=docker/dockerfile:1
# polybus bridge image: `docker build -t polybus .` then
#   docker run --rm -v "$PWD/polybus.yaml:/etc/polybus/polybus.yaml:ro" -p 9464:9464 polybus
# Multi-stage: the build stage compiles every workspace package; the final stage holds only the
# compiled packages and production dependencies, runs as the unprivileged `node` user, and checks
# /health/live. Config is mounted at /etc/polybus/polybus.yaml; secrets come from the environment
# or mounted files (${VAR}, ${file:/run/secrets/x}), never baked into the image.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.json turbo.json ./
COPY packages ./packages
COPY test/package.json ./test/package.json
COPY bench/package.json ./bench/package.json
RUN npm ci --no-audit --no-fund --ignore-scripts && npm run build
# Production dependencies only, in a clean tree of package manifests and compiled output.
RUN mkdir /out && cp package.json package-lock.json /out/ \
 && for p in packages/*; do mkdir -p "/out/$p" && cp -r "$p/package.json" "$p/dist" "/out/$p/" \
    && if [ -d "$p/bin" ]; then cp -r "$p/bin" "/out/$p/"; fi \
    && if [ -d "$p/console" ]; then cp -r "$p/console" "/out/$p/"; fi; done \
 && mkdir -p /out/test /out/bench && cp test/package.json /out/test/ && cp bench/package.json /out/bench/ \
 && cd /out && npm ci --omit=dev --no-audit --no-fund --ignore-scripts && rm -rf test bench

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /out /app
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/packages/bridge/dist/cli.js"]
CMD ["run", "-c", "/etc/polybus/polybus.yaml"]
