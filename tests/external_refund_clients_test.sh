#!/usr/bin/env bash
# Clients we did not write check the refund service: grpcurl (reflection, a capture, a refund),
# ghz (250 concurrent 1-JPY refunds against a 200-JPY payment: exactly 200 may pass, the money
# ceiling holds under load), kcat and protoc (the events on the real broker: CloudEvents headers,
# payout instructions). Usage: external_refund_clients_test.sh <refund binary>
set -euo pipefail
REFUND=$1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$REPO/.cache/bin:$PATH"
BROKERS=${KAFKA_BROKERS:-127.0.0.1:19092}
TOPIC="test.external-refund.$$.$(date +%s%N)"
TICKETS="$TOPIC.tickets"
DIR=$(mktemp -d)
cleanup() {
  [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- service log:" >&2; tail -20 "$DIR/service.log" >&2 || true; exit 1; }

for tool in grpcurl ghz kcat protoc; do command -v $tool >/dev/null || fail "$tool not installed (deploy/local/install-deps.sh)"; done
"$REPO/deploy/local/kafka.sh" create-topics "$TOPIC" "$TICKETS" >/dev/null
printf 'integrator-key t1 integrator market-1\nseller-key t1 seller seller-1\nbuyer-key t1 buyer buyer-1\n' >"$DIR/keys.txt"
"$REFUND" --listen=127.0.0.1:0 --port_file="$DIR/port" --brokers="$BROKERS" --topic="$TOPIC" \
  --subscriptions="ticket=$TICKETS" --ticket_address= --rate_limit_per_key=0 \
  --data_dir="$DIR/store" --api_keys="$DIR/keys.txt" >"$DIR/service.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do [ -s "$DIR/port" ] && break; sleep 0.1; done
[ -s "$DIR/port" ] || fail "service did not start"
ADDR=127.0.0.1:$(cat "$DIR/port")
call() { grpcurl -plaintext -H "x-api-key: $1" -d "$3" "$ADDR" "aftersales.refund.v1.RefundService/$2"; }

echo "-- grpcurl: reflection lists the service"
grpcurl -plaintext "$ADDR" list | tee "$DIR/list"
grep -qx aftersales.refund.v1.RefundService "$DIR/list" || fail "RefundService not listed"
grpcurl -plaintext "$ADDR" describe aftersales.refund.v1.RefundService.RequestRefund >/dev/null || fail "describe"

echo "-- grpcurl: a 200 JPY payment, and a refund in the wrong currency refused naming it"
call integrator-key RecordCapture '{"request_id":"cap-1","order_id":"o-1","buyer_id":"buyer-1","seller_id":"seller-1","payment_id":"p-1","method":"card","amount":{"amount_minor":200,"currency_code":"JPY"}}' >/dev/null ||
  fail "RecordCapture"
if call seller-key RequestRefund '{"request_id":"usd","order_id":"o-1","currency_code":"USD","lines":[{"kind":"LINE_KIND_GOODWILL","amount":{"amount_minor":1,"currency_code":"USD"}}]}' 2>"$DIR/err"; then
  fail "a USD refund of a JPY payment succeeded"
fi
grep -q "paid in JPY" "$DIR/err" || fail "expected the paid currency named, got: $(cat "$DIR/err")"

echo "-- ghz: 250 concurrent 1-JPY refunds of the 200 JPY payment (exactly 200 may pass)"
ghz --insecure --call aftersales.refund.v1.RefundService/RequestRefund -n 250 -c 10 --timeout 20s \
  --metadata '{"x-api-key":"seller-key"}' \
  -d '{"request_id":"ghz-{{.RequestNumber}}","order_id":"o-1","currency_code":"JPY","lines":[{"kind":"LINE_KIND_GOODWILL","amount":{"amount_minor":1,"currency_code":"JPY"},"reason":"load"}]}' \
  "$ADDR" | tee "$DIR/ghz.txt" | grep -E 'Count|Requests/sec|Average|99 %|\[OK\]|\[FailedPrecondition\]|Error' || true
grep -q '\[OK\] *200 responses' "$DIR/ghz.txt" || fail "ghz: expected exactly 200 refunds to pass"
grep -q '\[FailedPrecondition\] *50 responses' "$DIR/ghz.txt" || fail "ghz: expected 50 refusals above the payment"
call buyer-key GetOrderLedger '{"order_id":"o-1"}' >"$DIR/ledger.json" || fail "GetOrderLedger"
grep -q '"in_flight_minor": "200"' "$DIR/ledger.json" || fail "the ledger does not hold 200 JPY in flight"
if grep -q '"remaining_minor"' "$DIR/ledger.json"; then fail "something remains of the payment"; fi

echo "-- kcat: 1 capture + 200 refunds on the topic, one key (the order's ledger), CloudEvents headers"
kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -e -q -f '%k|%h\n' >"$DIR/events"
[ "$(wc -l <"$DIR/events")" = 201 ] || fail "expected 201 events, found $(wc -l <"$DIR/events")"
[ "$(cut -d'|' -f1 "$DIR/events" | sort -u | wc -l)" = 1 ] || fail "the events of one order have more than one key"
[ "$(grep -c 'ce_type=aftersales.refund.v1.RefundRequested' "$DIR/events")" = 200 ] || fail "expected 200 RefundRequested"
for h in "ce_specversion=1.0" "ce_source=aftersales/refund" "content-type=application/protobuf" "ce_time=20"; do
  grep -q "$h" "$DIR/events" || fail "header $h missing"
done
echo "-- protoc: a refund's value decodes as aftersales.refund.v1.RefundEvent with its payout instruction"
kcat -b "$BROKERS" -C -t "$TOPIC" -o 1 -c 1 -e -q -f '%s' |
  protoc --decode aftersales.refund.v1.RefundEvent -I "$REPO/protos" "$REPO/protos/aftersales/refund/v1/events.proto" >"$DIR/decoded.txt" ||
  fail "protoc could not decode the value"
grep -q "refund_requested" "$DIR/decoded.txt" || fail "decoded event has no refund_requested"
grep -q "payout_instruction" "$DIR/decoded.txt" || fail "decoded event has no payout_instruction"
echo "external refund clients: OK"
