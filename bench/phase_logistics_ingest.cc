// logistics_ingest: the real logistics binary (bench/logistics_service.h) on a fresh topic and
// store, standing alone, under the same closed loop as the raw phases. Up front (untimed in the
// table) kShipments forward DHL Express parcels CN->DE are registered; then each call is one
// IngestCheckpoints batch of kBatchCheckpoints checkpoints, as a carrier connector relays them:
// kBatchShipments of the parcels, kPerShipment checkpoints each, the codes of a whole DHL Express
// journey in order. The service writes one event (one Kafka record) per shipment of the batch.
// Rows: the batches (latency), the checkpoints and the events they became; then SIGTERM.
#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/grpc_client.h"
#include "bench/kafka.h"
#include "bench/logistics_service.h"
#include "bench/measure.h"
#include "bench/phase.h"

namespace aftersales::bench {
namespace {

namespace v1 = aftersales::logistics::v1;

constexpr const char* kCarrier = "dhl-express";
constexpr int kShipments = 200;                                    // registered up front
constexpr int kBatchShipments = 50;                                // shipments in one batch
constexpr int kPerShipment = 20;                                   // checkpoints per shipment per batch
constexpr int kBatchCheckpoints = kBatchShipments * kPerShipment;  // 1,000: the service's maximum
static_assert(kShipments % kBatchShipments == 0);

// One DHL Express journey Shenzhen -> Berlin, as the carrier reports it (codes of
// services/logistics/carriers/dhl-express.json): picked up, through the Hong Kong and Leipzig
// hubs, customs, one failed attempt, delivered.
struct Step {
  const char* code;
  const char* description;
  const char* location;
  const char* country;
};
constexpr std::array<Step, kPerShipment> kJourney = {{
    {"PU", "Shipment picked up", "SHENZHEN - CHINA MAINLAND", "CN"},
    {"PL", "Processed at SHENZHEN - CHINA MAINLAND", "SHENZHEN - CHINA MAINLAND", "CN"},
    {"DF", "Departed Facility in SHENZHEN - CHINA MAINLAND", "SHENZHEN - CHINA MAINLAND", "CN"},
    {"AF", "Arrived at Sort Facility HONG KONG - HONG KONG SAR, CHINA", "HONG KONG - HONG KONG SAR", "HK"},
    {"PL", "Processed at HONG KONG - HONG KONG SAR, CHINA", "HONG KONG - HONG KONG SAR", "HK"},
    {"DF", "Departed Facility in HONG KONG - HONG KONG SAR, CHINA", "HONG KONG - HONG KONG SAR", "HK"},
    {"AF", "Arrived at Sort Facility LEIPZIG - GERMANY", "LEIPZIG - GERMANY", "DE"},
    {"PL", "Processed at LEIPZIG - GERMANY", "LEIPZIG - GERMANY", "DE"},
    {"IC", "Clearance processing", "LEIPZIG - GERMANY", "DE"},
    {"CR", "Clearance processing complete at LEIPZIG - GERMANY", "LEIPZIG - GERMANY", "DE"},
    {"DF", "Departed Facility in LEIPZIG - GERMANY", "LEIPZIG - GERMANY", "DE"},
    {"AF", "Arrived at Sort Facility BERLIN - GERMANY", "BERLIN - GERMANY", "DE"},
    {"AR", "Arrived at Delivery Facility in BERLIN - GERMANY", "BERLIN - GERMANY", "DE"},
    {"WC", "Shipment is out with courier for delivery", "BERLIN - GERMANY", "DE"},
    {"NH", "Delivery attempted; recipient not home", "BERLIN - GERMANY", "DE"},
    {"SM", "Scheduled for delivery", "BERLIN - GERMANY", "DE"},
    {"AR", "Arrived at Delivery Facility in BERLIN - GERMANY", "BERLIN - GERMANY", "DE"},
    {"PL", "Processed at BERLIN - GERMANY", "BERLIN - GERMANY", "DE"},
    {"WC", "Shipment is out with courier for delivery", "BERLIN - GERMANY", "DE"},
    {"OK", "Delivered", "BERLIN - GERMANY", "DE"},
}};

// A 10-digit DHL Express waybill number.
std::string TrackingNumber(int shipment) { return absl::StrFormat("%010d", 1'580'000'000 + shipment); }

v1::RegisterShipmentRequest ARegistration(int shipment) {
  v1::RegisterShipmentRequest r;
  r.set_request_id(absl::StrCat("register-", shipment));
  r.set_direction(v1::DIRECTION_FORWARD);
  r.set_carrier(kCarrier);
  r.set_tracking_number(TrackingNumber(shipment));
  r.set_order_id(absl::StrCat("order-", shipment));
  r.set_order_line_id("line-1");
  r.set_buyer_id("buyer-de-1");
  r.set_seller_id("seller-cn-1");
  r.set_origin_country("CN");
  r.set_destination_country("DE");
  r.mutable_declared_value()->set_amount_minor(4990);  // 49.90 EUR
  r.mutable_declared_value()->set_currency_code("EUR");
  return r;
}

// Batch number `batch` (0, 1, 2, ... over the whole phase, every client's distinct): shipments
// batch*kBatchShipments .. +kBatchShipments (mod kShipments), a journey each, relayed in time
// order. Every checkpoint of a shipment has its own event time, so none is a duplicate:
// `base` + (batch * kPerShipment + step) ms, which stays in the past for 180,000 batches (the
// service refuses event times more than 1 h ahead).
v1::IngestCheckpointsRequest ABatch(int64_t batch, std::chrono::system_clock::time_point base) {
  v1::IngestCheckpointsRequest r;
  r.set_request_id(absl::StrCat("ingest-", batch));
  r.mutable_checkpoints()->Reserve(kBatchCheckpoints);
  const int first = static_cast<int>((batch * kBatchShipments) % kShipments);
  for (int step = 0; step < kPerShipment; ++step) {
    const auto at = base + std::chrono::milliseconds(batch * kPerShipment + step);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
    for (int s = 0; s < kBatchShipments; ++s) {
      const Step& j = kJourney[step];
      v1::CheckpointInput* c = r.add_checkpoints();
      c->set_carrier(kCarrier);
      c->set_tracking_number(TrackingNumber((first + s) % kShipments));
      c->set_raw_code(j.code);
      c->set_description(j.description);
      c->set_location(j.location);
      c->set_country(j.country);
      c->mutable_event_time()->set_seconds(us / 1'000'000);
      c->mutable_event_time()->set_nanos(static_cast<int32_t>(us % 1'000'000) * 1000);
    }
  }
  return r;
}

// Sends one batch; "" when every checkpoint was recorded, as new and known to the table, in one
// event per shipment.
std::string Ingest(v1::LogisticsService::Stub& stub, const v1::IngestCheckpointsRequest& batch) {
  v1::IngestCheckpointsResponse out;
  auto st = stub.IngestCheckpoints(CallContext(kLogisticsIntegratorKey).get(), batch, &out);
  if (!st.ok()) return "IngestCheckpoints " + GrpcError(st);
  if (out.recorded() != kBatchCheckpoints || out.duplicates_dropped() != 0 || out.unknown_codes() != 0 ||
      out.shipments_size() != kBatchShipments || out.duplicate()) {
    return absl::StrCat("IngestCheckpoints ", batch.request_id(), ": ", out.recorded(), " recorded, ",
                        out.duplicates_dropped(), " duplicates, ", out.unknown_codes(), " unknown codes, ",
                        out.shipments_size(), " shipments, duplicate ", out.duplicate(), " (expected ",
                        kBatchCheckpoints, " recorded over ", kBatchShipments, " shipments)");
  }
  return std::string();
}

class LogisticsIngest final : public Phase {
 public:
  const char* name() const override { return "logistics_ingest"; }
  const char* description() const override {
    return "the real logistics binary on a fresh topic and store, alone: 200 DHL Express parcels registered, "
           "then IngestCheckpoints batches of 1,000 checkpoints (50 parcels x 20) (batches/s, p50, p99; "
           "checkpoints/s; events/s, one per parcel per batch); then SIGTERM";
  }

  void Run(Context& ctx, std::vector<Row>& rows) override {
    ctx.logistics = std::make_unique<LogisticsRun>(ctx.topics.Create("logistics"), ctx.options.keep);
    LogisticsRun& run = *ctx.logistics;
    auto& notes = ctx.report.notes;
    std::fprintf(stderr, "bench: starting the logistics service (log %s)\n", run.service_log().c_str());
    const double start_seconds = StartTimed(run.process);
    const int port = run.process.port();
    const int clients = ctx.options.clients;
    const double seconds = ctx.options.seconds;
    // Whole seconds, an hour ago: every event time of the phase is after it and before now.
    const auto base =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) - std::chrono::hours(1);

    // The parcels, one after the other from one client, then the first batch on its own (it pays
    // for the first look at every partition; also checks the flow before the load).
    std::vector<std::string> ids(kShipments);  // shp-<hash>, as the service named them
    {
      Recorder rec;
      auto stub = LogisticsStub(port, rec);
      if (!stub) throw std::runtime_error("cannot connect to the logistics service");
      const auto registering = SteadyClock::now();
      for (int s = 0; s < kShipments; ++s) {
        v1::ShipmentReply out;
        auto st = stub->RegisterShipment(CallContext(kLogisticsIntegratorKey).get(), ARegistration(s), &out);
        if (!st.ok()) throw std::runtime_error(absl::StrCat("RegisterShipment ", s, ": ", GrpcError(st)));
        ids[s] = out.shipment().shipment_id();
      }
      const double register_seconds = Seconds(SteadyClock::now() - registering);
      const v1::IngestCheckpointsRequest first = ABatch(0, base);
      const auto first_started = SteadyClock::now();
      if (const std::string error = Ingest(*stub, first); !error.empty()) {
        throw std::runtime_error("first batch: " + error);
      }
      notes.push_back(absl::StrFormat(
          "logistics: start->SERVING %d ms; %d shipments registered one at a time in %d ms (%.0f/s); first batch "
          "after: %.1f ms (not in the table); a batch is %d KiB",
          static_cast<int>(start_seconds * 1000), kShipments, static_cast<int>(register_seconds * 1000),
          kShipments / register_seconds, Seconds(SteadyClock::now() - first_started) * 1000,
          static_cast<int>(first.ByteSizeLong() / 1024)));
    }

    // Batch numbers: 0 was the first; client c's i-th is 1 + i * clients + c.
    Row batches = RunLoad(row_key::kLogisticsBatch, absl::StrCat("logistics IngestCheckpoints x", kBatchCheckpoints),
                          "batches", clients, seconds, [&](int client, Recorder& rec) -> Op {
                            auto stub = LogisticsStub(port, rec);
                            if (!stub) return nullptr;
                            return [stub, client, clients, base](int64_t i, Recorder& r) {
                              // Built outside the timed call: the call is what is timed.
                              const v1::IngestCheckpointsRequest batch = ABatch(1 + i * clients + client, base);
                              r.Time([&] { return Ingest(*stub, batch); });
                            };
                          });
    // What the batches carried and what they became: the same wall time and cores.
    const auto derived = [&](const char* key, const char* name, const char* unit, int64_t per_batch) {
      Row row{key, name, unit};
      row.count = batches.count * per_batch;
      row.seconds = batches.seconds;
      row.cpu_self = batches.cpu_self;
      row.cpu_service = batches.cpu_service;
      row.cpu_broker = batches.cpu_broker;
      return row;
    };
    const int64_t answered = batches.count + 1;  // with the first
    rows.push_back(std::move(batches));
    rows.push_back(derived(row_key::kLogisticsCheckpoints, "  logistics checkpoints", "checkpts", kBatchCheckpoints));
    rows.push_back(derived(row_key::kLogisticsEvents, "  logistics events (1/shipment)", "records", kBatchShipments));
    CheckInterrupted();

    // What the service holds now: every checkpoint of the batches answered OK (a batch that
    // failed may still have been written), all in the shipments' state.
    {
      Recorder rec;
      auto stub = LogisticsStub(port, rec);
      int64_t held = 0;
      int largest = 0;
      size_t largest_bytes = 0;
      for (int s = 0; stub && s < kShipments; ++s) {
        v1::GetShipmentRequest get;
        get.set_shipment_id(ids[s]);
        v1::Shipment shipment;
        auto st = stub->GetShipment(CallContext(kLogisticsIntegratorKey).get(), get, &shipment);
        if (!st.ok()) {
          notes.push_back(absl::StrCat("logistics: GetShipment after the load: ", GrpcError(st)));
          break;
        }
        held += shipment.checkpoints_size();
        if (shipment.checkpoints_size() > largest) {
          largest = shipment.checkpoints_size();
          largest_bytes = shipment.ByteSizeLong();
        }
      }
      notes.push_back(absl::StrCat("logistics: the shipments hold ", held, " checkpoints (", answered, " batches ",
                                   "answered OK x ", kBatchCheckpoints, " = ", answered * kBatchCheckpoints,
                                   "); the largest ", largest, " checkpoints, ", largest_bytes / 1024,
                                   " KiB as stored (each command reads and rewrites it whole)"));
    }

    std::fprintf(stderr, "bench: stopping the logistics service (SIGTERM)\n");
    const auto stop_started = SteadyClock::now();
    if (const int code = run.process.Stop(); code != 0) {
      notes.push_back(absl::StrCat("logistics exited with status ", code, " on SIGTERM (expected 0)"));
    }
    notes.push_back(absl::StrCat("logistics SIGTERM -> exit took ",
                                 static_cast<int>(Seconds(SteadyClock::now() - stop_started) * 1000), " ms"));
    watched().service = -1;

    // One record per shipment per batch, plus the registrations: counted on the topic, not
    // inferred.
    auto log = OpenLog(ctx.options.brokers, run.topic);
    int64_t bytes = 0;
    const Row topic = ConsumeAll("", "", *log, &bytes);
    if (topic.count > 0) {
      notes.push_back(absl::StrCat(
          "logistics topic: ", topic.count, " records for ", kShipments, " registrations + ", answered,
          " batches answered OK x ", kBatchShipments, " = ", kShipments + answered * kBatchShipments,
          "; average key+value ", bytes / topic.count,
          " bytes (raw produce: ", ctx.raw_record_bytes > 0 ? absl::StrCat(ctx.raw_record_bytes) : "-", ")"));
    }
  }
};

}  // namespace

std::unique_ptr<Phase> LogisticsIngestPhase() { return std::make_unique<LogisticsIngest>(); }

}  // namespace aftersales::bench
