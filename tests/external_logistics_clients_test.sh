#!/usr/bin/env bash
# Clients we did not write check the logistics service: grpcurl (reflection, the carrier tables,
# registrations), ghz (100 concurrent batches of 20 checkpoints over 20 parcels: none lost,
# none twice), kcat and protoc (the events on the real broker).
# Usage: external_logistics_clients_test.sh <logistics binary>
set -euo pipefail
LOGISTICS=$1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$REPO/.cache/bin:$PATH"
BROKERS=${KAFKA_BROKERS:-127.0.0.1:19092}
TOPIC="test.external-logistics.$$.$(date +%s%N)"
DIR=$(mktemp -d)
cleanup() {
  [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- service log:" >&2; tail -20 "$DIR/service.log" >&2 || true; exit 1; }

for tool in grpcurl ghz kcat protoc; do command -v $tool >/dev/null || fail "$tool not installed (deploy/local/install-deps.sh)"; done
"$REPO/deploy/local/kafka.sh" create-topics "$TOPIC" >/dev/null
printf 'integrator-key t1 integrator market-1\nbuyer-key t1 buyer buyer-1\n' >"$DIR/keys.txt"
"$LOGISTICS" --listen=127.0.0.1:0 --port_file="$DIR/port" --brokers="$BROKERS" --topic="$TOPIC" \
  --carriers_dir="$REPO/services/logistics/carriers" --ticket_address= --rate_limit_per_key=0 \
  --data_dir="$DIR/store" --api_keys="$DIR/keys.txt" >"$DIR/service.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do [ -s "$DIR/port" ] && break; sleep 0.1; done
[ -s "$DIR/port" ] || fail "service did not start"
ADDR=127.0.0.1:$(cat "$DIR/port")
call() { grpcurl -plaintext -H "x-api-key: $1" -d "$3" "$ADDR" "aftersales.logistics.v1.LogisticsService/$2"; }

echo "-- grpcurl: reflection and the carrier tables"
grpcurl -plaintext "$ADDR" list | grep -qx aftersales.logistics.v1.LogisticsService || fail "LogisticsService not listed"
call buyer-key ListCarriers '{}' >"$DIR/carriers.json" || fail "ListCarriers"
for c in upu-emsevt dhl-express cainiao postnl; do grep -q "\"carrier\": \"$c\"" "$DIR/carriers.json" || fail "no table for $c"; done

echo "-- grpcurl: 20 parcels registered"
for i in $(seq 0 19); do
  call integrator-key RegisterShipment "{\"request_id\":\"reg-$i\",\"direction\":\"DIRECTION_FORWARD\",\"carrier\":\"postnl\",\"tracking_number\":\"3SABC$i\",\"order_id\":\"o-$i\",\"buyer_id\":\"buyer-1\",\"seller_id\":\"seller-1\",\"origin_country\":\"CN\",\"destination_country\":\"NL\"}" >/dev/null ||
    fail "RegisterShipment $i"
done

echo "-- ghz: 100 concurrent batches, each one checkpoint of each of the 20 parcels"
# Every batch reports the same scan of every parcel at another place: nothing repeats. An hour
# ago, so no delay check falls due during the test (those would add events by themselves).
AT=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
CPS=$(for i in $(seq 0 19); do printf '{"carrier":"postnl","tracking_number":"3SABC%s","raw_code":"B01","location":"Hub {{.RequestNumber}}","event_time":"%s"},' "$i" "$AT"; done)
ghz --insecure --call aftersales.logistics.v1.LogisticsService/IngestCheckpoints -n 100 -c 8 --timeout 30s \
  --metadata '{"x-api-key":"integrator-key"}' -d "{\"request_id\":\"b-{{.RequestNumber}}\",\"checkpoints\":[${CPS%,}]}" \
  "$ADDR" >"$DIR/ghz.txt" 2>&1 || true
grep -E 'Count|Requests/sec|Average|99 %|\[OK\]|Error' "$DIR/ghz.txt" || true
grep -q '\[OK\] *100 responses' "$DIR/ghz.txt" || fail "ghz: not every batch succeeded: $(tail -5 "$DIR/ghz.txt")"

echo "-- kcat: 20 registrations + one record per parcel per batch (20 x 100)"
N=$(kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -e -q -f '.\n' | wc -l)
[ "$N" = 2020 ] || fail "expected 2020 events (20 + 100 x 20), found $N"
kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -e -q -f '%h\n' | grep -c 'ce_type=aftersales.logistics.v1.CheckpointsRecorded' | grep -qx 2000 ||
  fail "expected 2000 CheckpointsRecorded"
echo "-- protoc: a value decodes as aftersales.logistics.v1.LogisticsEvent"
kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -c 1 -e -q -f '%s' |
  protoc --decode aftersales.logistics.v1.LogisticsEvent -I "$REPO/protos" "$REPO/protos/aftersales/logistics/v1/events.proto" >"$DIR/decoded.txt" ||
  fail "protoc could not decode the value"
grep -q "shipment_registered" "$DIR/decoded.txt" || fail "decoded event has no shipment_registered"
echo "-- grpcurl: every parcel holds exactly its 100 checkpoints"
for i in 0 7 13 19; do
  ID=$(call buyer-key ListShipments "{\"order_id\":\"o-$i\"}" | sed -n 's/.*"shipment_id": "\(.*\)".*/\1/p' | head -1)
  C=$(call buyer-key GetShipment "{\"shipment_id\":\"$ID\"}" | grep -c '"raw_code"')
  [ "$C" = 100 ] || fail "parcel $i holds $C checkpoints, not 100"
done
echo "external logistics clients: OK"
