# Sourced by the profile scripts (`source benchmarks/profile-setup.sh <name>`): the project's pinned Node.js
# whatever the host's own is (as npm scripts run), a scratch database and folder removed on exit together
# with the processes listed in PIDS, a local signing key with a customer's token, and an order to place.
# Needs PostgreSQL on 127.0.0.1:5432, like the tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
DB=profile_${1}_$$
OUT=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; dropdb --if-exists -h 127.0.0.1 -U postgres $DB; rm -rf "$OUT"' EXIT
createdb -h 127.0.0.1 -U postgres "$DB"
DATABASE_URL=postgresql://postgres@127.0.0.1:5432/$DB
export AUTH_LOCAL_KEY_FILE="$OUT/signing-key.json" # every API started here verifies tokens with this key
TOKEN=$(node -r @swc-node/register scripts/token.ts --customer c-1)
ORDER_BODY='{"items":[{"sku":"SKU-001","quantity":1}],"shippingAddress":{"name":"A","line1":"1","city":"B","postalCode":"1","country":"DE"},"payment":{"method":"card","cardNumber":"4242424242424242","expiryMonth":12,"expiryYear":2030,"cvv":"123"}}'
wait_ready() { for _ in $(seq 1 90); do curl -sf "localhost:$1/health/ready" >/dev/null && return; sleep 0.5; done; }
