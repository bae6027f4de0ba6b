#!/usr/bin/env bash
# CPU profile of POST /orders with the inline saga (observability off, as in benchmark c): CPU per order by
# package, the saga's work after the 202 included. Usage: bash benchmarks/profile-order-placement.sh
# (needs PostgreSQL on 127.0.0.1:5432, like the tests). KEEP_PROFILE=<file> keeps the profile to compare
# two commits with scripts/compare-cpu-profiles.js.
source "$(dirname "$0")/profile-setup.sh" orders
ADMIN=$(node -r @swc-node/register scripts/token.ts --customer ops-1 --scope orders:admin)
env DATABASE_URL=$DATABASE_URL PORT=3975 METRICS_ENABLED=false LOG_LEVEL=silent \
  OTEL_SDK_DISABLED=true SHUTDOWN_READINESS_DRAIN_MS=0 INLINE_RESUME_ON_START=false ORDER_RATE_LIMIT_PER_MINUTE=0 \
  PAYMENT_SIM_LATENCY_MS=0 CARRIER_SIM_LATENCY_MS=0 DATABASE_POOL_MAX=10 \
  node --cpu-prof --cpu-prof-dir="$OUT" -r @swc-node/register apps/api/src/main.ts > /dev/null 2>&1 & API=$!; PIDS+=($API)
wait_ready 3975
curl -sf -XPOST localhost:3975/products/SKU-001/restock -H "authorization: Bearer $ADMIN" \
  -H 'content-type: application/json' -d '{"quantity":1000000}' > /dev/null
post() { npx autocannon -c 10 -d "$1" -m POST -H "authorization=Bearer $TOKEN" -H 'content-type=application/json' -b "$ORDER_BODY" "${@:2}" http://127.0.0.1:3975/orders; }
post 3 > /dev/null 2>&1
ORDERS=$(post 10 --json 2>/dev/null | node -pe 'JSON.parse(require("fs").readFileSync(0))["2xx"]')
sleep 3 # the sagas of the last orders finish
kill -TERM $API; wait $API || true
echo "POST /orders: $ORDERS orders accepted in 10 s (CPU below per order, its saga included)"
[[ -n "${KEEP_PROFILE:-}" ]] && cp "$OUT"/*.cpuprofile "$KEEP_PROFILE"
# The load window ends about 3.3 s before the profile does (the wait for the sagas, then the shutdown).
node scripts/compare-cpu-profiles.js "$OUT"/*.cpuprofile "$ORDERS" 3.3 10
