#!/usr/bin/env bash
# deploy/local/up.sh — from a fresh Debian machine to a running platform with a demo case:
# installs what is missing, builds, starts Kafka (127.0.0.1:19092) and the ticket service
# (127.0.0.1:50051), then walks a cross-border return (buyer in Germany, seller in China)
# through its life with grpcurl, printing each call and the events it put on Kafka (kcat).
# Leaves everything running; deploy/local/down.sh stops it. Re-running is safe.
#
# Env: TICKET_PORT (50051), KAFKA_PORT (19092), SKIP_DEMO=1 to only start.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
export PATH="$REPO/.cache/bin:$PATH"
TICKET_PORT=${TICKET_PORT:-50051}
KAFKA_PORT=${KAFKA_PORT:-19092}
BROKERS=127.0.0.1:$KAFKA_PORT
RUN_DIR=$REPO/.cache/run
TOPIC=aftersales.ticket.events.v1
mkdir -p "$RUN_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "dependencies"
deploy/local/install-deps.sh
step "build"
deploy/local/build.sh ticket
step "kafka"
deploy/local/kafka.sh start
deploy/local/kafka.sh create-topics

step "ticket service"
if [ -f "$RUN_DIR/ticket.pid" ] && kill -0 "$(cat "$RUN_DIR/ticket.pid")" 2>/dev/null; then
  echo "ticket: already running (pid $(cat "$RUN_DIR/ticket.pid")), restarting with the new build"
  kill "$(cat "$RUN_DIR/ticket.pid")"
  while kill -0 "$(cat "$RUN_DIR/ticket.pid")" 2>/dev/null; do sleep 0.2; done
fi
if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$TICKET_PORT "; then
  echo "up: port $TICKET_PORT is taken by another process; set TICKET_PORT" >&2
  exit 1
fi
nohup build/services/ticket/ticket --listen="127.0.0.1:$TICKET_PORT" --brokers="$BROKERS" \
  --topic="$TOPIC" --data_dir="$RUN_DIR/ticket" --api_keys=deploy/local/api-keys.txt \
  >"$RUN_DIR/ticket.log" 2>&1 &
echo $! >"$RUN_DIR/ticket.pid"
for _ in $(seq 1 300); do
  if grpcurl -plaintext "127.0.0.1:$TICKET_PORT" grpc.health.v1.Health/Check 2>/dev/null | grep -q SERVING; then
    break
  fi
  if ! kill -0 "$(cat "$RUN_DIR/ticket.pid")" 2>/dev/null; then
    echo "up: the ticket service exited; its log:" >&2
    tail -20 "$RUN_DIR/ticket.log" >&2
    exit 1
  fi
  sleep 0.2
done
tail -1 "$RUN_DIR/ticket.log"

[ "${SKIP_DEMO:-0}" = 1 ] && exit 0

# --- the demo case -----------------------------------------------------------------------------
RUN_ID=$(date -u +%Y%m%dT%H%M%S)
call() {  # call <api-key> <method> <json>
  local key=$1 method=$2 body=$3
  printf '\n$ grpcurl -H x-api-key:%s -d %s ... TicketService/%s\n' "$key" "'$body'" "$method"
  grpcurl -plaintext -H "x-api-key: $key" -d "$body" "127.0.0.1:$TICKET_PORT" \
    "aftersales.ticket.v1.TicketService/$method" 2>&1 | tee "$RUN_DIR/last.json" || true
}
events_of() {  # prints the Kafka records of one case, with their CloudEvents headers
  local case_id=$1 partition=$2
  kcat -b "$BROKERS" -C -t "$TOPIC" -p "$partition" -o beginning -e -q \
    -f 'offset %o  key %k\n  headers: %h\n' 2>/dev/null | grep -A1 "key $case_id" | grep -v '^--$' || true
}

step "1. the buyer (Germany) opens a return for a phone bought from a seller in China"
call demo-buyer-key OpenCase "{\"request_id\":\"demo-open-$RUN_ID\",\"order_id\":\"order-$RUN_ID\",\"order_line_id\":\"line-1\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"DE\",\"amount\":{\"amount_minor\":34900,\"currency_code\":\"EUR\"},\"reason\":\"RETURN_REASON_DEFECTIVE\",\"description\":\"Screen flickers after two days\"}"
CASE_ID=$(sed -n 's/.*"case_id": "\(.*\)".*/\1/p' "$RUN_DIR/last.json")
PARTITION=$(sed -n 's/.*"partition": \([0-9]*\).*/\1/p' "$RUN_DIR/last.json")
PARTITION=${PARTITION:-0}
[ -n "$CASE_ID" ] || { echo "up: OpenCase failed" >&2; exit 1; }

step "2. the seller looks at the case"
call demo-seller-key GetCase "{\"case_id\":\"$CASE_ID\"}"

step "3. the seller accepts the return"
call demo-seller-key AcceptReturn "{\"request_id\":\"demo-accept-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"expected_version\":1,\"note\":\"Sorry! Please send it back with the prepaid label.\"}"

step "4. the network hiccups and the seller's app retries the same request: nothing new is written"
call demo-seller-key AcceptReturn "{\"request_id\":\"demo-accept-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"expected_version\":1,\"note\":\"Sorry! Please send it back with the prepaid label.\"}"

step "5. another buyer cannot see the case (NOT_FOUND, not a hint that it exists)"
call demo-buyer2-key GetCase "{\"case_id\":\"$CASE_ID\"}"

step "6. a bad request names the field to fix"
call demo-buyer-key OpenCase "{\"request_id\":\"demo-bad-$RUN_ID\",\"order_id\":\"o\",\"order_line_id\":\"l\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"DE\",\"amount\":{\"amount_minor\":100,\"currency_code\":\"EURO\"},\"reason\":\"RETURN_REASON_DEFECTIVE\"}"

step "7. the buyer repairs it locally after all and withdraws the request"
call demo-buyer-key CancelCase "{\"request_id\":\"demo-cancel-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"note\":\"Fixed by a local shop\"}"

step "8. the case's timeline: every event, who did it and when"
grpcurl -plaintext -H "x-api-key: demo-buyer-key" -d "{\"case_id\":\"$CASE_ID\"}" "127.0.0.1:$TICKET_PORT" \
  aftersales.ticket.v1.TicketService/GetCaseTimeline |
  grep -E '"(version|occurredAt|occurred_at|role|partyId|party_id)"|(case_opened|return_accepted|case_canceled|caseOpened|returnAccepted|caseCanceled)' || true

step "9. the events on Kafka ($TOPIC, partition $PARTITION), read with kcat"
events_of "$CASE_ID" "$PARTITION"

cat <<MSG

The platform is running:
  ticket service  127.0.0.1:$TICKET_PORT   (grpcurl -plaintext 127.0.0.1:$TICKET_PORT list)
  kafka           $BROKERS          (kcat -b $BROKERS -L)
  logs            $RUN_DIR/ticket.log
Demo API keys: deploy/local/api-keys.txt.  Stop everything: deploy/local/down.sh
MSG
