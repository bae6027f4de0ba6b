#!/usr/bin/env bash
# CPU profiles of GET /orders/:id with observability on and off (same database, same load, one after the
# other), then CPU per request by package, the difference first (scripts/compare-cpu-profiles.js).
# Usage: bash benchmarks/profile-observability.sh   (needs PostgreSQL on 127.0.0.1:5432, like the tests)
source "$(dirname "$0")/profile-setup.sh" obs
mkdir -p "$OUT/on" "$OUT/off"
node -e "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>s.end('{}'))}).listen(4398,'127.0.0.1')" & PIDS+=($!)
COMMON="DATABASE_URL=$DATABASE_URL PAYMENT_SIM_LATENCY_MS=0 CARRIER_SIM_LATENCY_MS=0 SHUTDOWN_READINESS_DRAIN_MS=0 INLINE_RESUME_ON_START=false"
env $COMMON PORT=3971 METRICS_PORT=3972 LOG_LEVEL=info OTEL_TRACES_SAMPLER=always_on OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4398 node --cpu-prof --cpu-prof-dir="$OUT/on" -r @swc-node/register apps/api/src/main.ts > "$OUT/on.log" 2>&1 & ON=$!; PIDS+=($ON)
env $COMMON PORT=3973 METRICS_ENABLED=false LOG_LEVEL=silent OTEL_SDK_DISABLED=true node --cpu-prof --cpu-prof-dir="$OUT/off" -r @swc-node/register apps/api/src/main.ts > /dev/null 2>&1 & OFF=$!; PIDS+=($OFF)
wait_ready 3971; wait_ready 3973
ID=$(curl -s -XPOST localhost:3973/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "$ORDER_BODY" | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
[[ "$ID" =~ ^[0-9a-f-]{36}$ ]] || { echo "could not place the order to read (got: $ID)" >&2; exit 1; }
sleep 1
for p in 3971 3973; do npx autocannon -c 16 -d 5 -H "authorization=Bearer $TOKEN" http://127.0.0.1:$p/orders/$ID > /dev/null 2>&1; done
count() { npx autocannon -c 16 -d 20 -H "authorization=Bearer $TOKEN" --json "http://127.0.0.1:$1/orders/$ID" 2>/dev/null | node -pe 'JSON.parse(require("fs").readFileSync(0))["2xx"]'; }
ON_REQUESTS=$(count 3971)
OFF_REQUESTS=$(count 3973)
kill -TERM $ON $OFF; wait $ON $OFF || true
echo "observability on: $ON_REQUESTS requests in 20 s; off: $OFF_REQUESTS requests in 20 s"
# The "on" API was loaded first: its window ends 20 s before its profile does.
node scripts/compare-cpu-profiles.js "$OUT"/on/*.cpuprofile "$ON_REQUESTS" 20.1 "$OUT"/off/*.cpuprofile "$OFF_REQUESTS" 0
