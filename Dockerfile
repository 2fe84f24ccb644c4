# Braid's container image: `docker build -t braid .` (or `podman build`), then
#   docker run --rm --read-only --stop-timeout 40 -p 8000-8002:8000-8002 braid
# serves examples/model_repository; mount your own repository and name it instead:
#   docker run ... -v "$PWD/models:/models:ro" braid serve --model-repository /models
# README "Deploying" has the details, the GPU variant (target `gpu`) and the Kubernetes manifests.

# Any image with Node.js 20 and npm on Debian or Ubuntu; the official one by default.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim
# The GPU variant's base: CUDA 12 with cuDNN 9, as onnxruntime-node's CUDA provider needs.
ARG CUDA_IMAGE=docker.io/nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# --- build: every dependency, TypeScript compiled to dist/ --------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY engine engine
COPY backends backends
COPY pipelines pipelines
COPY ui-schema ui-schema
RUN npm run build

# --- production dependencies only --------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /src
# `cuda12` downloads onnxruntime-node's CUDA and TensorRT providers (from outside the npm
# registry); the default keeps the CPU build that the npm package ships.
ARG ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL} npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

# --- the application, shared by both runtime stages ---------------------------------------------
FROM scratch AS app
COPY --from=build /src/dist /app/dist
COPY --from=prod-deps /src/node_modules /app/node_modules
COPY package.json /app/package.json
COPY examples/model_repository /app/examples/model_repository

# --- GPU variant: docker build --target gpu --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 ---------
# Node comes from NODE_IMAGE's /usr/local/bin, as the official Node images install it.
FROM ${CUDA_IMAGE} AS gpu
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="braid-gpu" \
      org.opencontainers.image.description="Braid with ONNX Runtime's CUDA and TensorRT providers" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=app /app /app
# JS/TS models import backends/js/model-error.js at run time (examples/model_repository/ocr_*):
# the compiled one answers there.
RUN groupadd --system --gid 10001 braid \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin braid \
 && ln -s dist/backends /app/backends
WORKDIR /app
# HOME on the writable /tmp: ONNX Runtime keeps a file there.
ENV NODE_ENV=production HOME=/tmp
# The only writable path: TypeScript models are compiled into the temporary directory.
VOLUME ["/tmp"]
USER 10001:10001
EXPOSE 8000 8001 8002
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/engine/cli/main.js"]
CMD ["serve", "--model-repository", "/app/examples/model_repository", "--exit-timeout-secs", "30"]

# --- CPU image (the default target) ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="braid" \
      org.opencontainers.image.description="Inference server and ensemble-pipeline engine for Node.js, speaking the Open Inference Protocol (KServe v2)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
COPY --from=app /app /app
# JS/TS models import backends/js/model-error.js at run time (examples/model_repository/ocr_*):
# the compiled one answers there.
RUN groupadd --system --gid 10001 braid \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin braid \
 && ln -s dist/backends /app/backends
WORKDIR /app
# HOME on the writable /tmp: ONNX Runtime keeps a file there.
ENV NODE_ENV=production HOME=/tmp
# The only writable path: TypeScript models are compiled into the temporary directory, so a
# read-only root filesystem (docker run --read-only, readOnlyRootFilesystem) needs /tmp writable.
VOLUME ["/tmp"]
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 10001:10001
EXPOSE 8000 8001 8002
# SIGTERM starts the drain (not ready, 503 for new inference, requests in flight finish) for at
# most --exit-timeout-secs; give the runtime longer than that before it kills: docker run
# --stop-timeout 40, Kubernetes terminationGracePeriodSeconds (examples/kubernetes).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/v2/health/ready').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/engine/cli/main.js"]
CMD ["serve", "--model-repository", "/app/examples/model_repository", "--exit-timeout-secs", "30"]
