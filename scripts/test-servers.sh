#!/usr/bin/env bash
# Builds the real servers the test suite runs (and Sloth, the SLO rule generator, and kube-score, the
# Kubernetes manifest checker), from the Go module proxy, into a cache outside the repository, and prints
# the folder to put on PATH. Does nothing for a server already built at its pinned version. The versions
# match what docker-compose.yml runs.
#
#   bash scripts/test-servers.sh            # build what is missing, print the bin folder (npm test runs it)
#   export PATH="$(bash scripts/test-servers.sh):$PATH"
#
# ORDERS_TEST_SERVERS_DIR chooses the cache (default ~/.cache/orders-test-servers); the tests look for
# the binaries on PATH, then in "$ORDERS_TEST_SERVERS_DIR/bin".
set -euo pipefail

# Module versions (the Go module proxy's names) and the releases they are.
TEMPORAL_CLI_VERSION=v1.5.1  # Temporal CLI 1.5.1 = Temporal server 1.29.1 (later tags carry a `replace` go install refuses)
JAEGER_VERSION=v1.76.0       # Jaeger v2.13.0 (the module's v1 tags carry the v2 binary, cmd/jaeger)
PROMETHEUS_VERSION=v0.316.0  # Prometheus 3.16.0 (the module is versioned v0.3xx for 3.xx)
PROMETHEUS_RELEASE=3.16.0
ALERTMANAGER_VERSION=v0.35.0 # Alertmanager 0.35.0
KUSTOMIZE_VERSION=v5.8.2     # kustomize 5.8.2 (5.8.3 needs Go 1.27; this machine has 1.26)
SLOTH_VERSION=v0.16.0        # Sloth 0.16.0: generates ops/prometheus/rules/slo.yml from ops/slo/slos.yml
KUBE_SCORE_VERSION=v1.20.0   # kube-score 1.20.0: scores the rendered Kubernetes manifests offline

CACHE="${ORDERS_TEST_SERVERS_DIR:-$HOME/.cache/orders-test-servers}"
BIN="$CACHE/bin"
mkdir -p "$BIN" "$CACHE/stamps" "$CACHE/tools"
export GOFLAGS="${GOFLAGS:-} -trimpath"
export CGO_ENABLED=0

log() { echo "test-servers: $*" >&2; }

# built NAME VERSION: true when NAME was built at VERSION and its binaries are still there.
built() {
  local stamp="$CACHE/stamps/$1"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$2" ]] || return 1
  for binary in "${@:3}"; do [[ -x "$BIN/$binary" ]] || return 1; done
}
stamp() { echo "$2" >"$CACHE/stamps/$1"; }

# tool_build NAME MODULE@VERSION LDFLAGS PACKAGE...: builds programs of a module through a tools module of
# its own, which ignores the upstream module's `replace` directives and resolves it from the proxy.
tool_build() {
  local name="$1" module="$2" ldflags="$3"
  shift 3
  local dir="$CACHE/tools/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    go mod init "orders-test-servers/$name" >/dev/null 2>&1
    for package in "$@"; do go get -tool "$package@${module#*@}" >&2; done
    for package in "$@"; do go build -ldflags "$ldflags" -o "$BIN/$(basename "$package")" "$package"; done
  )
}

if ! command -v go >/dev/null 2>&1; then
  log "Go (https://go.dev/dl/) with the module proxy is needed to build the servers"
  # Under CI a missing server is a failure; elsewhere the tests that need one are skipped, loudly.
  [[ "${CI:-}" == "true" ]] && exit 1
  exit 0
fi

started=$SECONDS

if ! built temporal "$TEMPORAL_CLI_VERSION" temporal; then
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION (temporal server start-dev)…"
  GOBIN="$BIN" go install -ldflags "-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  stamp temporal "$TEMPORAL_CLI_VERSION"
fi

if ! built jaeger "$JAEGER_VERSION" jaeger; then
  log "building Jaeger v2 ($JAEGER_VERSION)…"
  tool_build jaeger "github.com/jaegertracing/jaeger@$JAEGER_VERSION" "" github.com/jaegertracing/jaeger/cmd/jaeger
  stamp jaeger "$JAEGER_VERSION"
fi

if ! built prometheus "$PROMETHEUS_VERSION" prometheus promtool; then
  log "building Prometheus $PROMETHEUS_RELEASE and promtool…"
  tool_build prometheus "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" \
    "-X github.com/prometheus/common/version.Version=$PROMETHEUS_RELEASE" \
    github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool
  stamp prometheus "$PROMETHEUS_VERSION"
fi

if ! built alertmanager "$ALERTMANAGER_VERSION" alertmanager amtool; then
  log "building Alertmanager and amtool $ALERTMANAGER_VERSION…"
  # The module embeds its web UI from ui/app/dist, which is built by npm and not published to the proxy:
  # build from a copy of the module with a placeholder page there (the HTTP API is complete without it).
  source_dir="$CACHE/src/alertmanager"
  rm -rf "$source_dir" && mkdir -p "$CACHE/src"
  (cd "$CACHE" && go mod download -json "github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION" >/dev/null)
  cp -r "$(go env GOMODCACHE)/github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION" "$source_dir"
  chmod -R u+w "$source_dir"
  for ui in elm mantine; do
    mkdir -p "$source_dir/ui/app/dist/$ui"
    echo '<!doctype html><title>Alertmanager</title><p>Web UI not built; the API is at /api/v2.' \
      >"$source_dir/ui/app/dist/$ui/index.html"
  done
  dir="$CACHE/tools/alertmanager"
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    go mod init orders-test-servers/alertmanager >/dev/null 2>&1
    go mod edit -replace "github.com/prometheus/alertmanager=$source_dir"
    for program in alertmanager amtool; do
      go get -tool "github.com/prometheus/alertmanager/cmd/$program@$ALERTMANAGER_VERSION" >&2
    done
    for program in alertmanager amtool; do
      go build -ldflags "-X github.com/prometheus/common/version.Version=${ALERTMANAGER_VERSION#v}" \
        -o "$BIN/$program" "github.com/prometheus/alertmanager/cmd/$program"
    done
  )
  stamp alertmanager "$ALERTMANAGER_VERSION"
fi

if ! built kustomize "$KUSTOMIZE_VERSION" kustomize; then
  log "building kustomize $KUSTOMIZE_VERSION…"
  GOBIN="$BIN" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  stamp kustomize "$KUSTOMIZE_VERSION"
fi

if ! built sloth "$SLOTH_VERSION" sloth; then
  log "building Sloth $SLOTH_VERSION (the SLO rule generator)…"
  tool_build sloth "github.com/slok/sloth@$SLOTH_VERSION" \
    "-X github.com/slok/sloth/internal/info.Version=$SLOTH_VERSION" github.com/slok/sloth/cmd/sloth
  stamp sloth "$SLOTH_VERSION"
fi

if ! built kube-score "$KUBE_SCORE_VERSION" kube-score; then
  log "building kube-score $KUBE_SCORE_VERSION…"
  GOBIN="$BIN" go install -ldflags "-X main.version=$KUBE_SCORE_VERSION" \
    "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"
  stamp kube-score "$KUBE_SCORE_VERSION"
fi

log "servers ready in $BIN ($((SECONDS - started)) s)"
echo "$BIN"
