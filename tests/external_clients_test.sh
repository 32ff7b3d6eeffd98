#!/usr/bin/env bash
# Clients we did not write check what we built: grpcurl (through server reflection), ghz (a
# bounded load of 300 OpenCase calls), kcat and protoc (the events on the real broker, with their
# CloudEvents headers) and a Python confluent-kafka consumer (the analytics path). Usage: external_clients_test.sh <ticket binary>
set -euo pipefail
TICKET=$1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$REPO/.cache/bin:$PATH"
BROKERS=${KAFKA_BROKERS:-127.0.0.1:19092}
TOPIC="test.external.$$.$(date +%s%N)"
DIR=$(mktemp -d)
cleanup() {
  [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- service log:" >&2; tail -20 "$DIR/service.log" >&2 || true; exit 1; }

for tool in grpcurl ghz kcat; do command -v $tool >/dev/null || fail "$tool not installed (deploy/local/install-deps.sh)"; done
"$REPO/deploy/local/kafka.sh" create-topics "$TOPIC" >/dev/null
printf 'buyer-key t1 buyer buyer-1\nseller-key t1 seller seller-1\n' >"$DIR/keys.txt"
"$TICKET" --listen=127.0.0.1:0 --port_file="$DIR/port" --brokers="$BROKERS" --topic="$TOPIC" \
  --data_dir="$DIR/store" --api_keys="$DIR/keys.txt" >"$DIR/service.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do [ -s "$DIR/port" ] && break; sleep 0.1; done
[ -s "$DIR/port" ] || fail "service did not start"
ADDR=127.0.0.1:$(cat "$DIR/port")

echo "-- grpcurl: reflection lists the services"
grpcurl -plaintext "$ADDR" list | tee "$DIR/list"
grep -qx aftersales.ticket.v1.TicketService "$DIR/list" || fail "TicketService not listed"
grpcurl -plaintext "$ADDR" describe aftersales.ticket.v1.TicketService.OpenCase >/dev/null || fail "describe"

echo "-- grpcurl: health"
grpcurl -plaintext "$ADDR" grpc.health.v1.Health/Check | grep -q '"SERVING"' || fail "health is not SERVING"

echo "-- grpcurl: OpenCase"
OPEN='{"request_id":"ext-1","order_id":"o-1","order_line_id":"l-1","buyer_id":"buyer-1","seller_id":"seller-1","origin_country":"CN","destination_country":"DE","amount":{"amount_minor":1999,"currency_code":"EUR"},"reason":"RETURN_REASON_WRONG_ITEM"}'
grpcurl -plaintext -H 'x-api-key: buyer-key' -d "$OPEN" "$ADDR" aftersales.ticket.v1.TicketService/OpenCase | tee "$DIR/open.json"
CASE_ID=$(sed -n 's/.*"case_id": "\(.*\)".*/\1/p' "$DIR/open.json")
[ -n "$CASE_ID" ] || fail "no case id"
if grpcurl -plaintext -d "$OPEN" "$ADDR" aftersales.ticket.v1.TicketService/OpenCase 2>"$DIR/err"; then
  fail "a call without API key succeeded"
fi
grep -q Unauthenticated "$DIR/err" || fail "expected Unauthenticated, got: $(cat "$DIR/err")"

echo "-- grpcurl: the state graph of a case type"
grpcurl -plaintext -H 'x-api-key: buyer-key' -d '{"type":"CASE_TYPE_EXCHANGE"}' "$ADDR" \
  aftersales.ticket.v1.TicketService/GetStateGraph >"$DIR/graph.json" || fail "GetStateGraph"
grep -q '"command": "ShipReturn"' "$DIR/graph.json" || fail "the exchange graph has no ShipReturn"
grep -q '"terminal": true' "$DIR/graph.json" || fail "the graph marks no terminal state"

echo "-- grpcurl: GetCase shows the next action and the seller's deadline"
grpcurl -plaintext -H 'x-api-key: buyer-key' -d "{\"case_id\":\"$CASE_ID\"}" "$ADDR" \
  aftersales.ticket.v1.TicketService/GetCase >"$DIR/case.json" || fail "GetCase"
grep -q 'DEADLINE_KIND_SELLER_RESPONSE' "$DIR/case.json" || fail "no seller-response deadline"
grep -q '"AcceptReturn"' "$DIR/case.json" || fail "next action does not offer AcceptReturn"

echo "-- kcat: the event with its CloudEvents headers"
kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -e -q -f '%k|%h\n' >"$DIR/events"
cat "$DIR/events"
[ "$(wc -l <"$DIR/events")" = 1 ] || fail "expected exactly one event"
echo "-- protoc: the value decodes as aftersales.ticket.v1.TicketEvent"
kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -c 1 -e -q -f '%s' |
  protoc --decode aftersales.ticket.v1.TicketEvent -I "$REPO/protos" "$REPO/protos/aftersales/ticket/v1/events.proto" >"$DIR/decoded.txt" ||
  fail "protoc could not decode the value"
grep -q "case_opened" "$DIR/decoded.txt" || fail "decoded event has no case_opened"
for h in "ce_specversion=1.0" "ce_id=$CASE_ID/1" "ce_source=aftersales/ticket" "ce_type=aftersales.ticket.v1.CaseOpened" "ce_subject=$CASE_ID" "content-type=application/protobuf" "ce_time=20"; do
  grep -q "$h" "$DIR/events" || fail "header $h missing"
done
grep -q "^$CASE_ID|" "$DIR/events" || fail "key is not the case id"

echo "-- ghz: 300 OpenCase calls, 10 concurrent, through reflection"
ghz --insecure --call aftersales.ticket.v1.TicketService/OpenCase -n 300 -c 10 --timeout 20s \
  --metadata '{"x-api-key":"buyer-key"}' \
  -d '{"request_id":"ghz-{{.RequestNumber}}","order_id":"o-{{.RequestNumber}}","order_line_id":"l","buyer_id":"buyer-1","seller_id":"seller-1","origin_country":"CN","destination_country":"DE","amount":{"amount_minor":500,"currency_code":"EUR"},"reason":"RETURN_REASON_DEFECTIVE"}' \
  "$ADDR" | tee "$DIR/ghz.txt" | grep -E 'Count|Requests/sec|Average|99 %|\[OK\]|Error' || true
grep -q '\[OK\] *300 responses' "$DIR/ghz.txt" || fail "ghz: not every call succeeded"
N=$(kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -e -q -f '.\n' | wc -l)
[ "$N" = 301 ] || fail "expected 301 events on the topic, found $N"
echo "-- python (confluent-kafka): the analytics path decodes every event"
mkdir -p "$DIR/py"
protoc --python_out="$DIR/py" -I "$REPO/protos" $(cd "$REPO/protos" && find aftersales -name '*.proto') || fail "protoc --python_out"
"$REPO/.cache/venv/bin/python" "$REPO/tests/analytics/ticket_events_report.py" --brokers "$BROKERS" \
  --topic "$TOPIC" --pb-dir "$DIR/py" --expect-opened 301 || fail "analytics consumer"
echo "external clients: OK"
