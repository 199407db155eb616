# aicc-gateway's image. Build: `docker build -t aicc-gateway .` (podman: add `--format docker`, since the OCI
# format drops HEALTHCHECK). Run: `docker run -p 8080:8080 -v aicc-data:/data -e AICC_APPS=… aicc-gateway`;
# compose.yaml does both, and README "Deploy" says how. The build stage has the compilers better-sqlite3 needs
# (it builds from source where no prebuilt binary can be fetched); the runtime stage has none of them.

FROM docker.io/library/node:20-bookworm AS build
WORKDIR /src
# The dependencies first, in a layer of their own: a change to src/ does not compile better-sqlite3 again.
# --ignore-scripts because `prepare` (the build) needs the sources, which are not here yet; the two packages
# whose install scripts matter (package.json, allowScripts) are rebuilt right after.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY tools ./tools
COPY src ./src
# dist/ (compiled gateway, widget and SDK bundles, the operator page's assets), then the dev dependencies go,
# and so do better-sqlite3's C sources and object files: only its .node binary is loaded at run time.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . \
 && rm -rf build deps src \
 && mkdir -p build/Release && mv better_sqlite3.node build/Release/

FROM docker.io/library/node:20-bookworm-slim
# tini as PID 1: it passes SIGTERM (docker stop, a rolling deploy) on to the gateway, which then drains: it closes
# its streams with 1001 so clients resume elsewhere, finishes the pushes under way and exits 0; and it reaps.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the gateway's user; only /data is writable.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN mkdir /data && chown node:node /data
USER node
# The SQLite store, the token secret (unless TOKEN_SECRET is set) and the media cache.
VOLUME /data
EXPOSE 8080
# Ready means the store answers (/readyz); over HTTPS when TLS_CERT is set (the certificate names a host, not
# 127.0.0.1, hence no verification of it here).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const t=!!process.env.TLS_CERT;require(t?'node:https':'node:http').get({host:'127.0.0.1',port:process.env.PORT||8080,path:'/readyz',rejectUnauthorized:false,timeout:2500},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/main.js"]
CMD ["start"]

# Keep VERSION equal to package.json's version (test/system/container.test.ts checks the label). SOURCE and
# REVISION name where the image was built from: `--build-arg SOURCE=<repository URL> --build-arg REVISION=<commit>`.
ARG VERSION=0.1.0
ARG SOURCE=""
ARG REVISION=""
LABEL org.opencontainers.image.title="aicc-gateway" \
      org.opencontainers.image.description="The receiver for Huawei Cloud AICC web-channel pushes: durable, exactly-once, real-time delivery to a website chat" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}"
