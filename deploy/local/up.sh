#!/usr/bin/env bash
# deploy/local/up.sh — from a fresh Debian machine to a running platform with a demo case:
# installs what is missing, builds, starts Kafka (127.0.0.1:19092) and the ticket service
# (127.0.0.1:50051), then walks a cross-border return (buyer in Germany, seller in China)
# through its life with grpcurl, printing each call and the events it put on Kafka (kcat).
# Leaves everything running; deploy/local/down.sh stops it. Re-running is safe.
#
# Env: TICKET_PORT (50051), KAFKA_PORT (19092), SKIP_DEMO=1 to only start,
#      SELLER_RESPONSE_TIMEOUT (20s here so the demo can show a silent seller; production: 48h).
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
  --seller_response_timeout="${SELLER_RESPONSE_TIMEOUT:-20s}" \
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
ADDR=127.0.0.1:$TICKET_PORT
call() {  # call <api-key> <method> <json>: prints the call and its answer, keeps it in last.json
  local key=$1 method=$2 body=$3
  printf '\n$ grpcurl -H x-api-key:%s -d %s ... %s\n' "$key" "'$body'" "$method"
  grpcurl -plaintext -H "x-api-key: $key" -d "$body" "$ADDR" \
    "aftersales.ticket.v1.TicketService/$method" 2>&1 | tee "$RUN_DIR/last.json" || true
}
quiet() {  # quiet <api-key> <method> <json>: the answer only, into last.json
  grpcurl -plaintext -H "x-api-key: $1" -d "$3" "$ADDR" "aftersales.ticket.v1.TicketService/$2" >"$RUN_DIR/last.json" 2>&1 || true
}
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$RUN_DIR/last.json" "$1" 2>/dev/null; }
show_case() {  # state, next action and deadline of the case, as the buyer sees it
  quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"
  python3 - "$RUN_DIR/last.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
n = c.get("next_action", {})
print(f"  state        {c.get('state')}  (version {c.get('version')})")
print(f"  next action  {', '.join(n.get('actors', []))}: {n.get('description', '')}")
if n.get("commands"): print(f"  may call     {', '.join(n['commands'])}")
if n.get("due_at"): print(f"  due at       {n['due_at']}  ({c.get('deadline', {}).get('rule', '')})")
PY
}

step "1. the marketplace publishes its return policy (admin), in force since January: 10-day window, no hygiene returns, refunds under 5 EUR without return"
call demo-admin-key SetReturnPolicy "{\"request_id\":\"demo-policy-$RUN_ID\",\"policy\":{\"effective_from\":\"2026-01-01T00:00:00Z\",\"return_window_days\":10,\"non_returnable_categories\":[\"hygiene\"],\"condition_standard\":\"unused, in original packaging\",\"restocking_fee_bps\":500,\"change_of_mind_return_shipping\":\"PAYER_BUYER\",\"returnless_rules\":[{\"rule_id\":\"under-5-eur\",\"max_price\":{\"amount_minor\":500,\"currency_code\":\"EUR\"}}]}}"

ORDERED=$(date -u -d '-6 days' +%Y-%m-%dT%H:%M:%SZ)
DELIVERED=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
step "2. a buyer in Germany returns a phone bought from a seller in China: the policy engine decides, under EU law"
OPEN_JSON="{\"request_id\":\"demo-open-$RUN_ID\",\"order_id\":\"order-$RUN_ID\",\"order_line_id\":\"line-1\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"DE\",\"amount\":{\"amount_minor\":34900,\"currency_code\":\"EUR\"},\"reason\":\"RETURN_REASON_DEFECTIVE\",\"description\":\"Screen flickers after two days\",\"category\":\"electronics\",\"ordered_at\":\"$ORDERED\",\"delivered_at\":\"$DELIVERED\"}"
call demo-buyer-key OpenCase "$OPEN_JSON"
CASE_ID=$(field 'd["case_id"]')
[ -n "$CASE_ID" ] || { echo "up: OpenCase failed" >&2; exit 1; }
quiet demo-buyer-key GetCaseTimeline "{\"case_id\":\"$CASE_ID\"}"
echo "  the policy decision recorded in the CaseOpened event:"
python3 - "$RUN_DIR/last.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["events"][0]["case_opened"].get("policy_decision", {})
if not d: print("    (none: no policy was in force when the order was placed)")
print(f"    jurisdiction {d.get('jurisdiction')}, window {d.get('return_window_days')} days, return shipping paid by {d.get('return_shipping_payer')}, returnless {d.get('returnless', False)}")
for line in d.get("explanations", []): print(f"    - {line}")
PY
show_case

step "3. the same request for a hygiene item, changed mind: refused, with the rule that refused it"
call demo-buyer-key OpenCase "{\"request_id\":\"demo-hygiene-$RUN_ID\",\"order_id\":\"order-h-$RUN_ID\",\"order_line_id\":\"line-1\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"DE\",\"amount\":{\"amount_minor\":1290,\"currency_code\":\"EUR\"},\"reason\":\"RETURN_REASON_CHANGED_MIND\",\"category\":\"hygiene\"}"

step "4. the seller says nothing. The deadline is data; the platform acts by itself when it passes"
DUE=$(quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"; field 'd["deadline"]["due_at"]')
echo "  waiting for the seller-response deadline ($DUE) ..."
for _ in $(seq 1 120); do
  quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"
  [ "$(field 'd["state"]')" = CASE_STATE_AWAITING_SELLER ] || break
  sleep 1
done
echo "  auto-approved:"
show_case

step "5. a retry of a request that already succeeded changes nothing (same request_id)"
call demo-buyer-key OpenCase "$OPEN_JSON"

step "6. the buyer ships the phone back"
call demo-buyer-key ShipReturn "{\"request_id\":\"demo-ship-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"carrier\":\"DHL\",\"tracking_number\":\"JJD0099$RUN_ID\"}"
step "7. logistics reports the return delivered in Shenzhen (the marketplace backend, for now)"
call demo-integrator-key ConfirmReturnDelivered "{\"request_id\":\"demo-delivered-$RUN_ID\",\"case_id\":\"$CASE_ID\"}"
step "8. the seller inspects it: faulty, as the buyer said"
call demo-seller-key CompleteInspection "{\"request_id\":\"demo-inspect-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"passed\":true,\"note\":\"Backlight defect confirmed\"}"
step "9. the refund is paid (the refund service, for now the marketplace backend)"
call demo-integrator-key CompleteResolution "{\"request_id\":\"demo-refunded-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"kind\":\"RESOLUTION_KIND_REFUND\",\"refunded_amount\":{\"amount_minor\":34900,\"currency_code\":\"EUR\"},\"note\":\"refunded to the original card\"}"
show_case
quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"
echo "  refunded     $(field "d['refunded_amount']['amount_minor']") minor units of $(field "d['refunded_amount']['currency_code']") ($(field "d['resolution_kind']"))"
echo "  policy       v$(field "d['policy_decision']['policy_version']") under $(field "d['policy_decision']['jurisdiction']") law: return shipping paid by $(field "d['policy_decision']['return_shipping_payer']")"

step "9b. the same refund asked again under the same request id but for more money is refused"
call demo-integrator-key CompleteResolution "{\"request_id\":\"demo-refunded-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"kind\":\"RESOLUTION_KIND_REFUND\",\"refunded_amount\":{\"amount_minor\":99900,\"currency_code\":\"EUR\"},\"note\":\"refunded to the original card\"}"

step "9c. a second return for the same order line while this case is open is refused, naming the case"
call demo-buyer-key OpenCase "${OPEN_JSON/demo-open-$RUN_ID/demo-open-again-$RUN_ID}"

step "10. another buyer cannot see the case (NOT_FOUND, not a hint that it exists)"
call demo-buyer2-key GetCase "{\"case_id\":\"$CASE_ID\"}"

step "11. the case's timeline: every event, who did it, when, and the deadlines it set or fired"
quiet demo-buyer-key GetCaseTimeline "{\"case_id\":\"$CASE_ID\"}"
python3 - "$RUN_DIR/last.json" <<'PY'
import json, sys
envelope = {"envelope", "event_id", "case_id", "tenant_id", "version", "occurred_at", "actor", "request_id",
            "correlation_id", "causation_id", "deadline_set", "expired_deadline_id", "request_fingerprint"}
for e in json.load(open(sys.argv[1]))["events"]:
    payload = next(k for k in e if k not in envelope)
    env = e.get("envelope", e)  # events before the shared envelope carry its fields flat
    a = env.get("actor", {})
    line = f"  v{env['version']:>2} {env['occurred_at'][:19]}  {a.get('role','').replace('ROLE_','').lower():>10}/{a.get('party_id',''):<16} {payload}"
    if e.get("expired_deadline_id"): line += "   <- deadline passed"
    if e.get("deadline_set"): line += f"   deadline {e['deadline_set']['kind'].replace('DEADLINE_KIND_','')} until {e['deadline_set']['due_at'][:19]}"
    print(line)
PY

step "12. the same events on Kafka ($TOPIC), read with kcat: key = case id, CloudEvents headers"
PARTITION=$(quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"; true)
kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -e -q -f '%p/%o %k %h\n' 2>/dev/null | grep "$CASE_ID" |
  sed -E 's/ce_specversion=1.0,//; s/,content-type=application\/protobuf//; s/^/  /' || true

cat <<MSG

The platform is running:
  ticket service  $ADDR   (grpcurl -plaintext $ADDR list)
  kafka           $BROKERS   (kcat -b $BROKERS -L)
  logs            $RUN_DIR/ticket.log
Demo API keys: deploy/local/api-keys.txt.  Stop everything: deploy/local/down.sh
MSG
