#!/usr/bin/env bash
# deploy/local/up.sh — from a fresh Debian machine to a running platform with a demo case:
# installs what is missing, builds, starts Kafka (127.0.0.1:19092), the ticket service
# (127.0.0.1:50051), the refund service (127.0.0.1:50052) and the logistics service
# (127.0.0.1:50053), then tracks a parcel from Shenzhen to Berlin through customs (a customs hold
# announced as a delay before the promised date) and walks the buyer's return through its life
# with grpcurl: the return parcel's carrier scans move the case, the refund service pays it and
# resolves the case by itself; then the refund service's money cases (a JPY refund, a EUR one
# with a restocking fee, an instant refund, a platform advance and its recovery), printing each
# call and the events it put on Kafka (kcat).
# Leaves everything running; deploy/local/down.sh stops it. Re-running is safe.
#
# Env: TICKET_PORT (50051), REFUND_PORT (50052), LOGISTICS_PORT (50053), KAFKA_PORT (19092),
#      SKIP_DEMO=1 to only start, SELLER_RESPONSE_TIMEOUT (20s here so the demo can show a silent
#      seller; production: 48h), CUSTOMS_HOLD_THRESHOLD (15s here; the carriers' tables say days).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
export PATH="$REPO/.cache/bin:$PATH"
TICKET_PORT=${TICKET_PORT:-50051}
REFUND_PORT=${REFUND_PORT:-50052}
LOGISTICS_PORT=${LOGISTICS_PORT:-50053}
CS_PORT=${CS_PORT:-50054}
ARB_PORT=${ARB_PORT:-50055}
KAFKA_PORT=${KAFKA_PORT:-19092}
BROKERS=127.0.0.1:$KAFKA_PORT
RUN_DIR=$REPO/.cache/run
TOPIC=aftersales.ticket.events.v1
REFUND_TOPIC=aftersales.refund.events.v1
LOGISTICS_TOPIC=aftersales.logistics.events.v1
CS_TOPIC=aftersales.customer-service.events.v1
ARB_TOPIC=aftersales.arbitration.events.v1
mkdir -p "$RUN_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "dependencies"
deploy/local/install-deps.sh
step "build"
deploy/local/build.sh ticket refund logistics customer-service arbitration
step "kafka"
deploy/local/kafka.sh start
deploy/local/kafka.sh create-topics

# start_service <name> <port> <flags...>: (re)starts build/services/<name>/<name>, waits for SERVING.
start_service() {
  local name=$1 port=$2
  shift 2
  local pid_file="$RUN_DIR/$name.pid"
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "$name: already running (pid $(cat "$pid_file")), restarting with the new build"
    kill "$(cat "$pid_file")"
    while kill -0 "$(cat "$pid_file")" 2>/dev/null; do sleep 0.2; done
  fi
  if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port "; then
    echo "up: port $port is taken by another process; set the ${name} port variable (see the top of this script)" >&2
    exit 1
  fi
  nohup "build/services/${name//-/_}/$name" --listen="127.0.0.1:$port" --brokers="$BROKERS" \
    --data_dir="$RUN_DIR/$name" --api_keys=deploy/local/api-keys.txt "$@" >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 1 300); do
    if grpcurl -plaintext "127.0.0.1:$port" grpc.health.v1.Health/Check 2>/dev/null | grep -q SERVING; then
      break
    fi
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      echo "up: the $name service exited; its log:" >&2
      tail -20 "$RUN_DIR/$name.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  tail -1 "$RUN_DIR/$name.log"
}

step "ticket service"
start_service ticket "$TICKET_PORT" --topic="$TOPIC" --seller_response_timeout="${SELLER_RESPONSE_TIMEOUT:-20s}" \
  --read_delivery_facts
step "logistics service (carrier tables from services/logistics/carriers; moves cases with its own key)"
start_service logistics "$LOGISTICS_PORT" --topic="$LOGISTICS_TOPIC" --ticket_address="127.0.0.1:$TICKET_PORT" \
  --ticket_api_key_file=deploy/local/logistics-service-key.txt --carriers_dir=services/logistics/carriers \
  --customs_hold_threshold="${CUSTOMS_HOLD_THRESHOLD:-15s}"
step "refund service (reads the ticket topic; resolves paid cases with its own key)"
start_service refund "$REFUND_PORT" --topic="$REFUND_TOPIC" --ticket_address="127.0.0.1:$TICKET_PORT" \
  --ticket_api_key_file=deploy/local/refund-service-key.txt
step "customer-service service (SLA clocks on working hours; tells buyers of delays, return labels, refunds sent, deadlines coming and cases resolved, reading the logistics, refund and ticket topics)"
start_service customer-service "$CS_PORT" --topic="$CS_TOPIC" --proactive_notices --ticket_notices --refund_notices
step "arbitration service (opens a dispute when a buyer escalates; enforces rulings through the ticket with its own key)"
start_service arbitration "$ARB_PORT" --topic="$ARB_TOPIC" --ticket_reactions --ticket_address="127.0.0.1:$TICKET_PORT" \
  --ticket_api_key_file=deploy/local/arbitration-service-key.txt

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
RADDR=127.0.0.1:$REFUND_PORT
rcall() {  # rcall <api-key> <method> <json>: a RefundService call, printed with its answer
  local key=$1 method=$2 body=$3
  printf '\n$ grpcurl -H x-api-key:%s -d %s ... %s\n' "$key" "'$body'" "$method"
  grpcurl -plaintext -H "x-api-key: $key" -d "$body" "$RADDR" \
    "aftersales.refund.v1.RefundService/$method" 2>&1 | tee "$RUN_DIR/last.json" || true
}
rquiet() {
  grpcurl -plaintext -H "x-api-key: $1" -d "$3" "$RADDR" "aftersales.refund.v1.RefundService/$2" >"$RUN_DIR/last.json" 2>&1 || true
}
show_refund() {  # the refund in last.json (a RefundReply or a Refund), in short
  python3 - "$RUN_DIR/last.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d.get("refund", d)
print(f"  refund       {r.get('refund_id')}  {r.get('state')}  {r.get('amount', {}).get('amount_minor')} minor units of {r.get('amount', {}).get('currency_code')}")
for line in r.get("lines", []): print(f"    {line.get('kind','').replace('LINE_KIND_',''):<20} {line.get('computation','')}")
if r.get("approval"): print(f"  approval     {r['approval']}")
for e in r.get("instant", {}).get("explanations", []): print(f"    - {e}")
if r.get("payout", {}).get("payout_id"): print(f"  payout       {r['payout']['payout_id']} (attempt {r['payout'].get('attempt')}) to {', '.join(a['method'] + ' ' + a['payment_id'] for a in r['payout'].get('allocations', []))}")
PY
}
LADDR=127.0.0.1:$LOGISTICS_PORT
lcall() {  # lcall <api-key> <method> <json>: a LogisticsService call, printed with its answer
  local key=$1 method=$2 body=$3
  printf '\n$ grpcurl -H x-api-key:%s -d %s ... %s\n' "$key" "'${body:0:220}...'" "$method"
  grpcurl -plaintext -H "x-api-key: $key" -d "$body" "$LADDR" \
    "aftersales.logistics.v1.LogisticsService/$method" 2>&1 | tee "$RUN_DIR/last.json" >/dev/null || true
}
CADDR=127.0.0.1:$CS_PORT
ccall() {  # ccall <api-key> <method> <json>: a CustomerService call, printed with its answer in short
  local key=$1 method=$2 body=$3
  printf '\n$ grpcurl -H x-api-key:%s -d %s ... %s\n' "$key" "'${body:0:200}'" "$method"
  grpcurl -plaintext -H "x-api-key: $key" -d "$body" "$CADDR" \
    "aftersales.customer_service.v1.CustomerService/$method" >"$RUN_DIR/last.json" 2>&1 || true
  grep -E '"(code|message)"|ERROR|Code:|Message:' "$RUN_DIR/last.json" | head -3 || true
}
cquiet() {
  grpcurl -plaintext -H "x-api-key: $1" -d "$3" "$CADDR" "aftersales.customer_service.v1.CustomerService/$2" >"$RUN_DIR/last.json" 2>&1 || true
}
show_conversation() {  # the conversation in last.json (a reply or a Conversation), in short
  python3 - "$RUN_DIR/last.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d.get("conversation", d)
print(f"  conversation {c.get('conversation_id')}  {c.get('status','').replace('CONVERSATION_STATUS_','')}  {c.get('channel','').replace('CHANNEL_','').lower()}, {c.get('language')}  priority {c.get('priority','').replace('PRIORITY_','').lower()}  assignee {c.get('assignee_id','-')}  escalations {c.get('escalations',0)}")
for m in c.get("messages", []):
    tag = " (internal)" if m.get("internal") else (f" [{m['template_id']}]" if m.get("template_id") else "")
    if m.get("delivery_state"): tag += f"  -> {m['delivery_state'].replace('DELIVERY_STATE_','').lower()}" + (f" ({m['delivery_reference']})" if m.get("delivery_reference") else "")
    print(f"    {m.get('author','').replace('AUTHOR_','').lower():>8} {m.get('language','')}: {m.get('body','')}{tag}")
for k in c.get("clocks", []):
    print(f"    clock {k['metric'].replace('SLA_METRIC_','').lower():<12} {k['state'].replace('CLOCK_STATE_','').lower():<9} {k.get('elapsed_seconds','0')} s of {k.get('target_seconds','0')} s working time" + (f", due {k['due_at'][:19]}" if k.get("due_at") else ""))
if c.get("complaint"): print(f"  complaint    about {c['complaint'].get('about','').replace('COMPLAINT_ABOUT_','').lower()} {c['complaint'].get('subject_id','')}: {c['complaint'].get('reason','')} -> outcome: {c['complaint'].get('outcome','(none yet)')}")
if c.get("rating"): print(f"  rating       {c['rating']['score']}/5 {c['rating'].get('reason','')}")
PY
}
lquiet() {
  grpcurl -plaintext -H "x-api-key: $1" -d "$3" "$LADDR" "aftersales.logistics.v1.LogisticsService/$2" >"$RUN_DIR/last.json" 2>&1 || true
}
show_shipment() {  # the shipment in last.json (a ShipmentReply or a Shipment), in short
  python3 - "$RUN_DIR/last.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("shipment", d)
print(f"  shipment     {s.get('carrier')} {s.get('tracking_number')} {s.get('direction','').replace('DIRECTION_','')}  {s.get('origin_country')} -> {s.get('destination_country')}")
print(f"  status       {s.get('status','').replace('TRACKING_STATUS_','')}   customs {s.get('customs','-').replace('CUSTOMS_STATE_','')}")
print(f"  estimate     {s.get('estimated_delivery','')[:16]}  ({s.get('estimate_rule','')})")
for c in s.get("checkpoints", [])[-8:]: print(f"    {c['event_time'][:16]}  {c['raw_code']:<18} {c.get('status','').replace('TRACKING_STATUS_',''):<16} {c.get('customs','').replace('CUSTOMS_STATE_',''):<9} {c.get('location','')}")
for x in s.get("delays", []): print(f"  DELAY        {x['reason'].replace('DELAY_REASON_','')}: {x['explanation']}")
if s.get("deadline_id"): print(f"  next check   {s['deadline_id'].split('/',1)[1].split('@')[0]} at {s.get('deadline_at','')[:19]}")
PY
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

step "1b. the marketplace records the buyer's payment for the order (integrator): 349.00 EUR by card"
rcall demo-integrator-key RecordCapture "{\"request_id\":\"demo-capture-$RUN_ID\",\"order_id\":\"order-$RUN_ID\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"payment_id\":\"pay-$RUN_ID\",\"method\":\"card\",\"amount\":{\"amount_minor\":34900,\"currency_code\":\"EUR\"}}"

ORDERED=$(date -u -d '-6 days' +%Y-%m-%dT%H:%M:%SZ)
at() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
cp() {  # cp <code> <when> <place> <country>: one Cainiao checkpoint of the forward parcel
  printf '{"carrier":"cainiao","tracking_number":"LP00%s","raw_code":"%s","event_time":"%s","location":"%s","country":"%s"}' \
    "$RUN_ID" "$1" "$(at "$2")" "$3" "$4"
}
step "1b'. how the buyer wants to hear from the platform (integrator): German, e-mail, Berlin time"
ccall demo-integrator-key SetCustomerPreferences "{\"request_id\":\"demo-de-prefs-$RUN_ID\",\"buyer_id\":\"buyer-de-1\",\"language\":\"de\",\"channel\":\"CHANNEL_EMAIL\",\"time_zone\":\"Europe/Berlin\"}"
step "1c. the seller ships the phone with Cainiao, Shenzhen -> Berlin, promised in 1 to 4 days"
lcall demo-seller-key RegisterShipment "{\"request_id\":\"demo-fwd-$RUN_ID\",\"direction\":\"DIRECTION_FORWARD\",\"carrier\":\"cainiao\",\"tracking_number\":\"LP00$RUN_ID\",\"order_id\":\"order-$RUN_ID\",\"order_line_id\":\"line-1\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"DE\",\"declared_value\":{\"amount_minor\":34900,\"currency_code\":\"EUR\"},\"promised\":{\"earliest\":\"$(at '+1 day')\",\"latest\":\"$(at '+4 days')\"}}"
FWD_ID=$(field 'd["shipment"]["shipment_id"]')
[ -n "$FWD_ID" ] || { echo "up: RegisterShipment failed: $(cat "$RUN_DIR/last.json")" >&2; exit 1; }
step "1d. Cainiao's scans arrive (one batch, as a webhook relay sends them, one out of order): raw codes mapped by services/logistics/carriers/cainiao.json"
lcall demo-integrator-key IngestCheckpoints "{\"request_id\":\"demo-scans-1-$RUN_ID\",\"checkpoints\":[$(cp GWMS_ACCEPT '-5 days' Shenzhen CN),$(cp LH_DEPART '-4 days' 'Shenzhen airport' CN),$(cp PU_PICKUP_SUCCESS '-5 days +3 hours' Shenzhen CN),$(cp LH_ARRIVE '-3 days' 'Leipzig hub' DE),$(cp CC_IM_START '-3 days +2 hours' 'Leipzig customs' DE),$(cp CC_IM_FAILURE '-40 minutes' 'Leipzig customs' DE)]}"
echo "  recorded $(field 'd.get("recorded", 0)') checkpoints"
lquiet demo-buyer-key GetShipment "{\"shipment_id\":\"$FWD_ID\"}"
show_shipment
step "1e. held in customs: the platform announces the delay by itself, before the promised date (threshold ${CUSTOMS_HOLD_THRESHOLD:-15s} here; days in the tables)"
for _ in $(seq 1 60); do
  lquiet demo-buyer-key GetShipment "{\"shipment_id\":\"$FWD_ID\"}"
  [ -n "$(field 'd.get("delays", [{}])[0].get("reason", "")')" ] && break
  sleep 1
done
show_shipment
step "1f. cleared and delivered in Berlin; the delivery time becomes the case's delivered_at (the ticket reads the logistics topic)"
lcall demo-integrator-key IngestCheckpoints "{\"request_id\":\"demo-scans-2-$RUN_ID\",\"checkpoints\":[$(cp CC_IM_SUCCESS '-20 minutes' 'Leipzig customs' DE),$(cp GTMS_DELIVERING '-10 minutes' Berlin DE),$(cp GTMS_SIGNED '-2 minutes' Berlin DE)]}"
lquiet demo-buyer-key GetShipment "{\"shipment_id\":\"$FWD_ID\"}"
show_shipment
sleep 1
step "2. a buyer in Germany returns a phone bought from a seller in China: the policy engine decides, under EU law"
OPEN_JSON="{\"request_id\":\"demo-open-$RUN_ID\",\"order_id\":\"order-$RUN_ID\",\"order_line_id\":\"line-1\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"DE\",\"amount\":{\"amount_minor\":34900,\"currency_code\":\"EUR\"},\"reason\":\"RETURN_REASON_DEFECTIVE\",\"description\":\"Screen flickers after two days\",\"category\":\"electronics\",\"ordered_at\":\"$ORDERED\"}"
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

step "6. the buyer drops the phone at DHL Express; the return parcel is registered and its first scan moves the case by itself"
lcall demo-integrator-key RegisterShipment "{\"request_id\":\"demo-ret-$RUN_ID\",\"direction\":\"DIRECTION_RETURN\",\"carrier\":\"dhl-express\",\"tracking_number\":\"JD0146$RUN_ID\",\"case_id\":\"$CASE_ID\",\"order_id\":\"order-$RUN_ID\",\"order_line_id\":\"line-1\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"DE\",\"destination_country\":\"CN\"}"
RET_ID=$(field 'd["shipment"]["shipment_id"]')
rcp() { printf '{"carrier":"dhl-express","tracking_number":"JD0146%s","raw_code":"%s","event_time":"%s","location":"%s"}' "$RUN_ID" "$1" "$(at "$2")" "$3"; }
lcall demo-integrator-key IngestCheckpoints "{\"request_id\":\"demo-ret-scan-1-$RUN_ID\",\"checkpoints\":[$(rcp PU '-1 minute' Berlin)]}"
for _ in $(seq 1 50); do
  quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"
  [ "$(field 'd["state"]')" = CASE_STATE_RETURN_IN_TRANSIT ] && break
  sleep 0.2
done
show_case
step "7. DHL Express scans it delivered in Shenzhen: the logistics service confirms the return on the case"
lcall demo-integrator-key IngestCheckpoints "{\"request_id\":\"demo-ret-scan-2-$RUN_ID\",\"checkpoints\":[$(rcp AF '-40 seconds' Leipzig),$(rcp CR '-30 seconds' Shenzhen),$(rcp OK '-10 seconds' Shenzhen)]}"
for _ in $(seq 1 50); do
  quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"
  [ "$(field 'd["state"]')" = CASE_STATE_AWAITING_INSPECTION ] && break
  sleep 0.2
done
show_case
step "8. the seller inspects it: faulty, as the buyer said"
call demo-seller-key CompleteInspection "{\"request_id\":\"demo-inspect-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"passed\":true,\"note\":\"Backlight defect confirmed\"}"
step "9. the refund service saw the case agreed (ticket topic) and opened the refund by itself, approved, with a payout instruction for the payment connector"
for _ in $(seq 1 100); do
  rquiet demo-buyer-key ListRefunds "{\"case_id\":\"$CASE_ID\"}"
  [ -n "$(field 'd["refunds"][0]["refund_id"]')" ] && break
  sleep 0.2
done
REFUND_ID=$(field 'd["refunds"][0]["refund_id"]')
PAYOUT_ID=$(field 'd["refunds"][0]["payout"]["payout_id"]')
[ -n "$REFUND_ID" ] || { echo "up: the refund service made no refund for the case; its log: $RUN_DIR/refund.log" >&2; exit 1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); json.dump(d["refunds"][0], open(sys.argv[1],"w"))' "$RUN_DIR/last.json"
show_refund
step "9a. the payment connector (here: the integrator key) reports the provider's result; the refund service then resolves the case on the ticket service"
rcall demo-integrator-key ReportPayoutResult "{\"payout_id\":\"$PAYOUT_ID\",\"provider_reference\":\"re_$RUN_ID\",\"outcome\":\"PAYOUT_OUTCOME_SUCCEEDED\"}" >/dev/null
show_refund
for _ in $(seq 1 100); do
  quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"
  [ "$(field 'd["state"]')" = CASE_STATE_RESOLVED ] && break
  sleep 0.2
done
show_case
quiet demo-buyer-key GetCase "{\"case_id\":\"$CASE_ID\"}"
echo "  refunded     $(field "d['refunded_amount']['amount_minor']") minor units of $(field "d['refunded_amount']['currency_code']") ($(field "d['resolution_kind']")): $(field "d['resolution_note']")"
echo "  policy       v$(field "d['policy_decision']['policy_version']") under $(field "d['policy_decision']['jurisdiction']") law: return shipping paid by $(field "d['policy_decision']['return_shipping_payer']")"

step "9b. the provider's callback delivered twice changes nothing; a refund beyond what remains of the payment is refused, saying how much remains"
rcall demo-integrator-key ReportPayoutResult "{\"payout_id\":\"$PAYOUT_ID\",\"provider_reference\":\"re_$RUN_ID\",\"outcome\":\"PAYOUT_OUTCOME_SUCCEEDED\"}" | grep -E '"duplicate"|"state"' || true
rcall demo-seller-key RequestRefund "{\"request_id\":\"demo-again-$RUN_ID\",\"order_id\":\"order-$RUN_ID\",\"currency_code\":\"EUR\",\"lines\":[{\"kind\":\"LINE_KIND_GOODWILL\",\"amount\":{\"amount_minor\":500,\"currency_code\":\"EUR\"},\"reason\":\"sorry\"}]}"

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

step "13. a JPY order (no minor unit): the seller refunds 30 % of an item (12795 JPY: 3838.5, rounded half to even), the lines add up exactly"
rcall demo-integrator-key RecordCapture "{\"request_id\":\"demo-jpy-capture-$RUN_ID\",\"order_id\":\"order-jp-$RUN_ID\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"payment_id\":\"pay-jp-$RUN_ID\",\"method\":\"paypay\",\"amount\":{\"amount_minor\":12800,\"currency_code\":\"JPY\"}}" >/dev/null
rcall demo-seller-key RequestRefund "{\"request_id\":\"demo-jpy-$RUN_ID\",\"order_id\":\"order-jp-$RUN_ID\",\"currency_code\":\"JPY\",\"lines\":[{\"kind\":\"LINE_KIND_ITEM\",\"order_line_id\":\"line-1\",\"quantity\":1,\"unit_amount\":{\"amount_minor\":12795,\"currency_code\":\"JPY\"},\"basis_points\":3000,\"reason\":\"scratched, the buyer keeps it\"}]}" >/dev/null
show_refund
JPY_PAYOUT=$(field 'd["refund"]["payout"]["payout_id"]')
rquiet demo-integrator-key ReportPayoutResult "{\"payout_id\":\"$JPY_PAYOUT\",\"provider_reference\":\"pp_$RUN_ID\",\"outcome\":\"PAYOUT_OUTCOME_SUCCEEDED\"}"
show_refund

step "14. a EUR order: the seller refunds an item with a 5 % restocking fee (a negative line) and the import VAT it had charged (a tax adjustment for the period)"
rcall demo-integrator-key RecordCapture "{\"request_id\":\"demo-eur-capture-$RUN_ID\",\"order_id\":\"order-eu-$RUN_ID\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"payment_id\":\"pay-eu-$RUN_ID\",\"method\":\"card\",\"amount\":{\"amount_minor\":7128,\"currency_code\":\"EUR\"},\"settlement_currency\":\"CNY\",\"fx_rate\":{\"from_currency\":\"EUR\",\"to_currency\":\"CNY\",\"rate\":\"7.7123\"}}" >/dev/null
rcall demo-seller-key RequestRefund "{\"request_id\":\"demo-eur-$RUN_ID\",\"order_id\":\"order-eu-$RUN_ID\",\"currency_code\":\"EUR\",\"lines\":[{\"kind\":\"LINE_KIND_ITEM\",\"order_line_id\":\"line-1\",\"quantity\":1,\"unit_amount\":{\"amount_minor\":5990,\"currency_code\":\"EUR\"}},{\"kind\":\"LINE_KIND_RESTOCKING_FEE\",\"basis_points\":500,\"reason\":\"opened, change of mind\"},{\"kind\":\"LINE_KIND_DUTIES_TAXES\",\"amount\":{\"amount_minor\":1138,\"currency_code\":\"EUR\"},\"tax\":{\"jurisdiction\":\"DE\",\"tax_type\":\"TAX_TYPE_VAT\",\"registration\":\"IM2760000000\"}}],\"expected_total\":{\"amount_minor\":6828,\"currency_code\":\"EUR\"}}" >/dev/null
show_refund
EUR_PAYOUT=$(field 'd["refund"]["payout"]["payout_id"]')
rquiet demo-integrator-key ReportPayoutResult "{\"payout_id\":\"$EUR_PAYOUT\",\"provider_reference\":\"re_eu_$RUN_ID\",\"outcome\":\"PAYOUT_OUTCOME_SUCCEEDED\",\"fx_rate\":{\"from_currency\":\"EUR\",\"to_currency\":\"CNY\",\"rate\":\"7.6981\"}}"
show_refund
echo "  settled      $(field "d['refund']['settlement_amount']['amount_minor']") minor units of CNY at $(field "d['refund']['fx_rate']['rate']") (captured at 7.7123)"
PERIOD=$(date -u +%Y-%m)
rquiet demo-admin-key ListTaxAdjustments "{\"period\":\"$PERIOD\",\"jurisdiction\":\"DE\"}"
echo "  tax adjustments of $PERIOD in DE: $(field "[(a['tax_type'], a['amount']['amount_minor'], a['amount']['currency_code']) for a in d.get('adjustments', [])]")"

step "15. an instant refund (极速退款): the marketplace's rule pays trusted buyers when they ask, before the return arrives"
rcall demo-admin-key SetRefundPolicy "{\"request_id\":\"demo-refund-policy-$RUN_ID\",\"policy\":{\"instant_enabled\":true,\"instant_min_trust_tier\":3,\"instant_max_amount\":[{\"amount_minor\":10000,\"currency_code\":\"EUR\"},{\"amount_minor\":15000,\"currency_code\":\"JPY\"}],\"instant_categories\":[\"apparel\",\"toys\"]}}" >/dev/null
rquiet demo-integrator-key RecordCapture "{\"request_id\":\"demo-instant-capture-$RUN_ID\",\"order_id\":\"order-in-$RUN_ID\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"payment_id\":\"pay-in-$RUN_ID\",\"method\":\"klarna\",\"amount\":{\"amount_minor\":3999,\"currency_code\":\"EUR\"}}"
rcall demo-integrator-key RequestRefund "{\"request_id\":\"demo-instant-$RUN_ID\",\"order_id\":\"order-in-$RUN_ID\",\"currency_code\":\"EUR\",\"lines\":[{\"kind\":\"LINE_KIND_ITEM\",\"order_line_id\":\"line-1\",\"quantity\":1,\"unit_amount\":{\"amount_minor\":3999,\"currency_code\":\"EUR\"}}],\"instant\":true,\"buyer_trust_tier\":4,\"category\":\"apparel\"}" >/dev/null
show_refund

step "16. advance compensation (先行赔付): the platform pays the buyer first and opens a recovery against the seller"
rquiet demo-integrator-key RecordCapture "{\"request_id\":\"demo-adv-capture-$RUN_ID\",\"order_id\":\"order-adv-$RUN_ID\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"payment_id\":\"pay-adv-$RUN_ID\",\"method\":\"card\",\"amount\":{\"amount_minor\":8900,\"currency_code\":\"EUR\"}}"
rcall demo-agent-key RequestRefund "{\"request_id\":\"demo-adv-$RUN_ID\",\"order_id\":\"order-adv-$RUN_ID\",\"currency_code\":\"EUR\",\"lines\":[{\"kind\":\"LINE_KIND_ITEM\",\"order_line_id\":\"line-1\",\"quantity\":1,\"unit_amount\":{\"amount_minor\":8900,\"currency_code\":\"EUR\"}}],\"funding\":\"FUNDING_PLATFORM_ADVANCE\",\"approve\":true,\"reason\":\"seller unreachable for 5 days\"}" >/dev/null
show_refund
ADV_PAYOUT=$(field 'd["refund"]["payout"]["payout_id"]')
ADV_REFUND=$(field 'd["refund"]["refund_id"]')
rquiet demo-integrator-key ReportPayoutResult "{\"payout_id\":\"$ADV_PAYOUT\",\"provider_reference\":\"re_adv_$RUN_ID\",\"outcome\":\"PAYOUT_OUTCOME_SUCCEEDED\"}"
show_refund
rcall demo-agent-key RecordRecoveryPayment "{\"request_id\":\"demo-recovered-$RUN_ID\",\"recovery_id\":\"$ADV_REFUND/recovery\",\"amount\":{\"amount_minor\":5000,\"currency_code\":\"EUR\"},\"reference\":\"payout-offset-$RUN_ID\"}" >/dev/null
rquiet demo-seller-key ListRecoveries "{}"
python3 - "$RUN_DIR/last.json" "$ADV_REFUND/recovery" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])).get("recoveries", []):
    if r["recovery_id"] == sys.argv[2]:
        print(f"  recovery     {r['recovery_id']}  {r['state']}: {r.get('recovered', {}).get('amount_minor', 0)} of {r['amount']['amount_minor']} {r['amount']['currency_code']} recovered from {r['seller_id']}, due {r['due_at'][:10]}")
PY

step "17. the refund events on Kafka ($REFUND_TOPIC), read with kcat: key = the order's ledger, CloudEvents type per event"
kcat -b "$BROKERS" -C -t "$REFUND_TOPIC" -o beginning -e -q -f '%p/%o %k %h\n' 2>/dev/null | tail -n 14 |
  sed -E 's/ce_specversion=1.0,//; s/,content-type=application\/protobuf//; s/ce_source=aftersales\/refund,//; s/^/  /' || true

step "18. customer service: the marketplace's SLA policy (Berlin working hours 08:00-20:00 every day; first reply within 30 min, in the demo 20 s for low priority)"
ccall demo-admin-key SetSlaPolicy "{\"request_id\":\"demo-sla-$RUN_ID\",\"policy\":{\"business_hours\":\"zone=Europe/Berlin weekend= hours=00:00-24:00\",\"warn_before_bps\":5000,\"auto_close_seconds\":259200,\"targets\":[{\"priority\":\"PRIORITY_NORMAL\",\"first_reply_seconds\":1800,\"next_reply_seconds\":3600,\"resolution_seconds\":86400},{\"priority\":\"PRIORITY_LOW\",\"first_reply_seconds\":20,\"resolution_seconds\":86400}]}}"
step "19. a German buyer writes on chat; an agent answers in German within the SLA"
ccall demo-buyer-key StartConversation "{\"request_id\":\"demo-chat-$RUN_ID\",\"case_id\":\"$CASE_ID\",\"buyer_id\":\"buyer-de-1\",\"language\":\"de\",\"channel\":\"CHANNEL_CHAT\",\"team_id\":\"team-de\",\"subject\":\"Erstattung\",\"message\":\"Guten Tag, wann kommt meine Erstattung an?\"}"
CONV=$(field 'd["conversation"]["conversation_id"]')
ccall demo-admin-key UpsertAgent "{\"request_id\":\"demo-agent-$RUN_ID\",\"agent\":{\"agent_id\":\"agent-1\",\"team_id\":\"team-de\",\"languages\":[\"de\",\"en\"],\"capacity\":5,\"active\":true}}"
cquiet demo-agent-key GetQueue '{"team_id":"team-de"}'
echo "  queue: $(field "[(e['conversation']['conversation_id'][:13], e.get('suggested_agent_id'), e.get('why')) for e in d.get('entries', [])][:3]")"
ccall demo-agent-key Assign "{\"request_id\":\"demo-assign-$RUN_ID\",\"conversation_id\":\"$CONV\"}"
echo "  assigned to $(field 'd["conversation"].get("assignee_id")') (the queue's pick: speaks de, lowest load)"
ccall demo-agent-key PostMessage "{\"request_id\":\"demo-reply-$RUN_ID\",\"conversation_id\":\"$CONV\",\"body\":\"Guten Tag! Die Erstattung über 349,00 € ist unterwegs; je nach Bank dauert es 1–3 Tage.\"}"
ccall demo-agent-key PostMessage "{\"request_id\":\"demo-note-$RUN_ID\",\"conversation_id\":\"$CONV\",\"body\":\"Refund r1 paid, provider reference shown in the refund service.\",\"internal\":true}"
cquiet demo-agent-key GetConversation "{\"conversation_id\":\"$CONV\"}"
show_conversation
step "20. the buyer flags a complaint about the seller; the case cannot close until its outcome is recorded"
ccall demo-buyer-key FlagComplaint "{\"request_id\":\"demo-complaint-$RUN_ID\",\"conversation_id\":\"$CONV\",\"about\":\"COMPLAINT_ABOUT_SELLER\",\"reason\":\"Defektes Gerät verschickt\"}"
ccall demo-agent-key SetStatus "{\"request_id\":\"demo-solve-$RUN_ID\",\"conversation_id\":\"$CONV\",\"status\":\"CONVERSATION_STATUS_SOLVED\"}"
ccall demo-agent-key SetStatus "{\"request_id\":\"demo-close-early-$RUN_ID\",\"conversation_id\":\"$CONV\",\"status\":\"CONVERSATION_STATUS_CLOSED\"}"
ccall demo-agent-key RecordComplaintOutcome "{\"request_id\":\"demo-outcome-$RUN_ID\",\"conversation_id\":\"$CONV\",\"outcome\":\"Seller warned; refund paid in full, seller score lowered\"}"
ccall demo-buyer-key RateConversation "{\"request_id\":\"demo-rate-$RUN_ID\",\"conversation_id\":\"$CONV\",\"score\":5}"
ccall demo-agent-key SetStatus "{\"request_id\":\"demo-close-$RUN_ID\",\"conversation_id\":\"$CONV\",\"status\":\"CONVERSATION_STATUS_CLOSED\"}"
cquiet demo-buyer-key GetConversation "{\"conversation_id\":\"$CONV\"}"
echo "  as the buyer sees it (no internal note):"
show_conversation
step "21. nobody answers a low-priority message: the SLA warns, then breaches and escalates by itself (priority up, back to the queue)"
ccall demo-buyer-key StartConversation "{\"request_id\":\"demo-low-$RUN_ID\",\"buyer_id\":\"buyer-de-1\",\"language\":\"de\",\"channel\":\"CHANNEL_EMAIL\",\"priority\":\"PRIORITY_LOW\",\"subject\":\"Rechnung\",\"message\":\"Bitte senden Sie mir die Rechnung.\"}"
LOW=$(field 'd["conversation"]["conversation_id"]')
for _ in $(seq 1 60); do
  cquiet demo-agent-key GetConversation "{\"conversation_id\":\"$LOW\"}"
  [ "$(field 'd.get("escalations", 0)')" = 1 ] && break
  sleep 1
done
show_conversation
step "22. a Japanese buyer's parcel is held in customs: the delay notice reaches them in Japanese, by itself"
lquiet demo-integrator-key RegisterShipment "{\"request_id\":\"demo-jp-$RUN_ID\",\"direction\":\"DIRECTION_FORWARD\",\"carrier\":\"dhl-express\",\"tracking_number\":\"JD0777$RUN_ID\",\"order_id\":\"order-jp2-$RUN_ID\",\"buyer_id\":\"buyer-jp-3\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"JP\"}"
ccall demo-integrator-key SetCustomerPreferences "{\"request_id\":\"demo-jp-prefs-$RUN_ID\",\"buyer_id\":\"buyer-jp-3\",\"language\":\"ja\",\"channel\":\"CHANNEL_EMAIL\",\"time_zone\":\"Asia/Tokyo\"}"
lquiet demo-integrator-key IngestCheckpoints "{\"request_id\":\"demo-jp-scans-$RUN_ID\",\"checkpoints\":[{\"carrier\":\"dhl-express\",\"tracking_number\":\"JD0777$RUN_ID\",\"raw_code\":\"PU\",\"event_time\":\"$(at '-2 hours')\",\"location\":\"Shenzhen\"},{\"carrier\":\"dhl-express\",\"tracking_number\":\"JD0777$RUN_ID\",\"raw_code\":\"CD\",\"event_time\":\"$(at '-1 minute')\",\"location\":\"Narita customs\"}]}"
# This run's order (an earlier run's conversation with the same buyer may be there too).
THIS_ORDER="[c for c in d['conversations'] if c.get('subject','').endswith('order-jp2-$RUN_ID') and c.get('messages')]"
for _ in $(seq 1 60); do
  cquiet demo-agent-key ListConversations '{"buyer_id":"buyer-jp-3"}'
  [ -n "$(field "$THIS_ORDER[0]['messages'][0]['body']")" ] && break
  sleep 1
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); json.dump(eval(sys.argv[2])[0], open(sys.argv[1],"w"))' "$RUN_DIR/last.json" "$THIS_ORDER" 2>/dev/null || true
show_conversation
JP_CONV=$(field 'd["conversation_id"]')
JP_MSG=$(field 'd["messages"][0]["message_id"]')
step "23. the e-mail connector sent the notice (it reads the 'outbound' field of the topic's events) and reports back (here: the integrator key; production: a service key)"
ccall demo-integrator-key ReportDelivery "{\"conversation_id\":\"$JP_CONV\",\"message_id\":\"$JP_MSG\",\"state\":\"DELIVERY_STATE_DELIVERED\",\"delivery_reference\":\"ses-0001-$RUN_ID\"}"
show_conversation
step "24. the month's figures (every demo run on this machine counts), all projections of the events (a --rebuild recomputes the same): agent-1, team-de, complaints"
PERIOD_NOW=$(date -u +%Y-%m)
show_metrics() {
  python3 - "$RUN_DIR/last.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = lambda k: int(d.get(k, 0))
avg = lambda s, c: f"{n(s) / n(c):.0f} s" if n(c) else "-"
print(f"  {sys.argv[2]:<10} {d.get('period')}: first replies {n('first_replies')} (avg {avg('first_reply_seconds_sum','first_replies')} working time), solved {n('conversations_solved')}, SLA met {n('sla_met')} / breached {n('sla_breached')}, ratings {n('ratings')} (avg {n('rating_sum') / n('ratings') if n('ratings') else 0:.1f})")
PY
}
cquiet demo-agent-key GetAgentMetrics "{\"agent_id\":\"agent-1\",\"period\":\"$PERIOD_NOW\"}"
show_metrics agent-1
cquiet demo-agent-key GetTeamMetrics "{\"team_id\":\"team-de\",\"period\":\"$PERIOD_NOW\"}"
show_metrics team-de
cquiet demo-agent-key GetComplaintReport "{\"period\":\"$PERIOD_NOW\"}"
python3 - "$RUN_DIR/last.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d.get("rows", []): print(f"  complaints about {r.get('about','').replace('COMPLAINT_ABOUT_','').lower()} {r.get('subject_id','')}: flagged {r.get('flagged',0)}, resolved {r.get('resolved',0)}, reasons {r.get('reasons',{})}")
PY
step "25. what the German buyer was told by the platform itself, in German, one message per event: the customs delay (logistics), the refund sent (refund), the case resolved (ticket)"
cquiet demo-agent-key ListConversations '{"buyer_id":"buyer-de-1","page_size":100}'
python3 - "$RUN_DIR/last.json" "order-$RUN_ID" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d.get("conversations", []):
    if not c.get("subject", "").endswith(sys.argv[2]): continue
    for m in c.get("messages", []):
        if m.get("template_id"): print(f"  [{m['template_id']}] {m.get('language')}: {m.get('body')}")
PY
AADDR=127.0.0.1:$ARB_PORT
acall() {  # acall <api-key> <method> <json>: an ArbitrationService call, errors shown
  local key=$1 method=$2 body=$3
  printf '\n$ grpcurl -H x-api-key:%s -d %s ... %s\n' "$key" "'${body:0:160}'" "$method"
  grpcurl -plaintext -H "x-api-key: $key" -d "$body" "$AADDR" \
    "aftersales.arbitration.v1.ArbitrationService/$method" >"$RUN_DIR/last.json" 2>&1 || true
  grep -E 'ERROR|Code:|Message:' "$RUN_DIR/last.json" | head -3 || true
}
aquiet() {
  grpcurl -plaintext -H "x-api-key: $1" -d "$3" "$AADDR" "aftersales.arbitration.v1.ArbitrationService/$2" >"$RUN_DIR/last.json" 2>&1 || true
}
ARB_ORDER="order-arb-$RUN_ID"
step "26. arbitration: a buyer's refund-only case about a 39.99 EUR lamp 'smaller than pictured'; the seller rejects, the buyer escalates, and the arbitration service opens the dispute by itself"
rcall demo-integrator-key RecordCapture "{\"request_id\":\"demo-arb-capture-$RUN_ID\",\"order_id\":\"$ARB_ORDER\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"payment_id\":\"pay-arb-$RUN_ID\",\"method\":\"card\",\"amount\":{\"amount_minor\":3999,\"currency_code\":\"EUR\"}}" >/dev/null
call demo-buyer-key OpenCase "{\"request_id\":\"demo-arb-open-$RUN_ID\",\"order_id\":\"$ARB_ORDER\",\"order_line_id\":\"line-1\",\"buyer_id\":\"buyer-de-1\",\"seller_id\":\"seller-cn-1\",\"origin_country\":\"CN\",\"destination_country\":\"DE\",\"amount\":{\"amount_minor\":3999,\"currency_code\":\"EUR\"},\"reason\":\"RETURN_REASON_NOT_AS_DESCRIBED\",\"description\":\"smaller than pictured\",\"type\":\"CASE_TYPE_REFUND_ONLY\"}" >/dev/null
ARB_CASE=$(field 'd["case_id"]')
call demo-seller-key RejectCase "{\"request_id\":\"demo-arb-reject-$RUN_ID\",\"case_id\":\"$ARB_CASE\",\"note\":\"as described\"}" >/dev/null
call demo-buyer-key EscalateCase "{\"request_id\":\"demo-arb-escalate-$RUN_ID\",\"case_id\":\"$ARB_CASE\",\"note\":\"it is half the size\"}" >/dev/null
for _ in $(seq 1 60); do
  aquiet demo-agent-key ListDisputes "{\"order_id\":\"$ARB_ORDER\"}"
  DISPUTE=$(field 'd["disputes"][0]["dispute_id"]' || true)
  [ -n "$DISPUTE" ] && break
  sleep 0.5
done
echo "  dispute $DISPUTE opened by itself, state $(field 'd["disputes"][0].get("state")') for case $ARB_CASE (claim: $(field 'd["disputes"][0]["claim_amount"]["amount_minor"]') minor units of EUR)"
step "27. an arbitrator of the platform's team is assigned; the seller contests; both close their evidence; the arbitrator rules: 15.00 EUR back, seller liable (signed)"
acall demo-admin-key UpsertArbitrator "{\"request_id\":\"demo-arb-1-$RUN_ID\",\"arbitrator\":{\"arbitrator_id\":\"arb-1\",\"active\":true}}"
acall demo-agent-key AssignArbitrator "{\"request_id\":\"demo-arb-assign-$RUN_ID\",\"dispute_id\":\"$DISPUTE\",\"arbitrator_id\":\"arb-1\"}"
acall demo-seller-key RespondToDispute "{\"request_id\":\"demo-arb-respond-$RUN_ID\",\"dispute_id\":\"$DISPUTE\",\"statement\":\"as described\"}"
acall demo-buyer-key CloseEvidence "{\"request_id\":\"demo-arb-close-b-$RUN_ID\",\"dispute_id\":\"$DISPUTE\"}"
acall demo-seller-key CloseEvidence "{\"request_id\":\"demo-arb-close-s-$RUN_ID\",\"dispute_id\":\"$DISPUTE\"}"
acall demo-arbitrator-key Rule "{\"request_id\":\"demo-arb-rule-$RUN_ID\",\"dispute_id\":\"$DISPUTE\",\"outcome\":\"OUTCOME_SPLIT\",\"liability\":\"LIABILITY_SELLER\",\"amount\":{\"amount_minor\":1500,\"currency_code\":\"EUR\"},\"reasoning\":\"smaller than described: 15.00 EUR back, the buyer keeps it\"}"
echo "  ruling: $(field 'd["dispute"]["ruling"]["outcome"]'), $(field 'd["dispute"]["ruling"]["to_pay"]["amount_minor"]') minor units to pay, signed $(field 'd["dispute"]["ruling"]["signature_sha256"][:16]')..."
step "28. enforcement: the arbitration service applies the ruling on the ticket; the refund service pays exactly 15.00 EUR once; the dispute closes"
for _ in $(seq 1 60); do
  rquiet demo-agent-key ListRefunds "{\"case_id\":\"$ARB_CASE\"}"
  ARB_REFUND=$(field 'd["refunds"][0]["refund_id"]' || true)
  [ -n "$ARB_REFUND" ] && break
  sleep 0.5
done
echo "  refund $ARB_REFUND: $(field 'd["refunds"][0]["amount"]["amount_minor"]') minor units of EUR, $(field 'len(d["refunds"])') refund(s) for the case"
rcall demo-integrator-key ReportPayoutResult "{\"payout_id\":\"$ARB_REFUND/1\",\"provider_reference\":\"re_arb_$RUN_ID\",\"outcome\":\"PAYOUT_OUTCOME_SUCCEEDED\"}" >/dev/null
for _ in $(seq 1 60); do
  aquiet demo-agent-key GetDispute "{\"dispute_id\":\"$DISPUTE\"}"
  [ "$(field 'd.get("state")')" = DISPUTE_STATE_CLOSED ] && break
  sleep 0.5
done
echo "  dispute $(field 'd.get("state")'): paid $(field 'd.get("paid",{}).get("amount_minor")') minor units (refund $(field 'd.get("refund_id")'))"
show_case_of() { CASE_ID_SAVED=$CASE_ID; CASE_ID=$1; show_case; CASE_ID=$CASE_ID_SAVED; }
show_case_of "$ARB_CASE"

cat <<MSG

The platform is running:
  ticket service  $ADDR   (grpcurl -plaintext $ADDR list)
  refund service  $RADDR   (grpcurl -plaintext $RADDR list)
  logistics       $LADDR   (grpcurl -plaintext $LADDR list)
  customer svc    $CADDR   (grpcurl -plaintext $CADDR list)
  arbitration     $AADDR   (grpcurl -plaintext $AADDR list)
  kafka           $BROKERS   (kcat -b $BROKERS -L)
  logs            $RUN_DIR/ticket.log, refund.log, logistics.log, customer-service.log, arbitration.log
Demo API keys: deploy/local/api-keys.txt.  Stop everything: deploy/local/down.sh
MSG
