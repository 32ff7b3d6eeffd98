// refund_commands: the real refund binary (bench/refund_service.h) on fresh topics and store,
// standing alone, under the same closed loop as the raw phases. One iteration is an order's
// money back, three commands in a row: the payment is recorded (RecordCapture, 10000 JPY), its
// seller asks for a refund of it (RequestRefund: approved at once, one payout instruction), and
// the payment provider's callback says the payout went through (ReportPayoutResult SUCCEEDED).
// One row for all three, one per kind; then SIGTERM.
#include <array>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/grpc_client.h"
#include "bench/measure.h"
#include "bench/phase.h"
#include "bench/refund_service.h"

namespace aftersales::bench {
namespace {

namespace v1 = aftersales::refund::v1;

constexpr int64_t kAmountMinor = 10000;  // JPY has no minor unit: 10,000 yen
constexpr const char* kCurrency = "JPY";

// The three commands of one iteration, in the order they run (and their rows are printed).
enum Kind { kCapture, kRequest, kPayout, kKinds };
using KindRecorders = std::array<Recorder, kKinds>;

v1::RecordCaptureRequest ACapture(const std::string& id) {
  v1::RecordCaptureRequest r;
  r.set_request_id("capture-" + id);
  r.set_order_id("order-" + id);
  r.set_buyer_id(kRefundBuyer);
  r.set_seller_id(kRefundSeller);
  r.set_payment_id("payment-" + id);
  r.set_method("card");
  r.mutable_amount()->set_amount_minor(kAmountMinor);
  r.mutable_amount()->set_currency_code(kCurrency);
  return r;
}

// The whole item back, asked by the order's seller: approved at once.
v1::RequestRefundRequest ARefund(const std::string& id) {
  v1::RequestRefundRequest r;
  r.set_request_id("refund-" + id);
  r.set_order_id("order-" + id);
  r.set_currency_code(kCurrency);
  r.set_reason("arrived broken");
  v1::RefundLineRequest* line = r.add_lines();
  line->set_kind(v1::LINE_KIND_ITEM);
  line->set_order_line_id("line-1");
  line->set_quantity(1);
  line->mutable_unit_amount()->set_amount_minor(kAmountMinor);
  line->mutable_unit_amount()->set_currency_code(kCurrency);
  return r;
}

v1::ReportPayoutResultRequest ASuccess(const std::string& payout_id, const std::string& id) {
  v1::ReportPayoutResultRequest r;
  r.set_payout_id(payout_id);
  r.set_provider_reference("psp-" + id);
  r.set_outcome(v1::PAYOUT_OUTCOME_SUCCEEDED);
  return r;
}

// One order's capture, refund and payout; each call timed into `overall` and its kind's recorder.
// Stops at the first failure. Returns "" or what went wrong.
std::string OneRefund(v1::RefundService::Stub& stub, const std::string& id, Recorder& overall, KindRecorders& kinds) {
  std::string failed;
  const auto time = [&](Kind kind, auto&& call) {
    auto checked = [&] {
      std::string error = call();
      if (!error.empty()) failed = error;
      return error;
    };
    return overall.Time(kinds[kind], checked);
  };
  const bool captured = time(kCapture, [&] {
    common::v1::CommandResult out;
    auto st = stub.RecordCapture(CallContext(kRefundIntegratorKey).get(), ACapture(id), &out);
    return st.ok() ? std::string() : "RecordCapture " + GrpcError(st);
  });
  if (!captured) return failed;
  std::string payout_id;
  const bool requested = time(kRequest, [&] {
    v1::RefundReply out;
    auto st = stub.RequestRefund(CallContext(kRefundSellerKey).get(), ARefund(id), &out);
    if (!st.ok()) return "RequestRefund " + GrpcError(st);
    payout_id = out.refund().payout().payout_id();
    if (out.refund().state() != v1::REFUND_STATE_PROCESSING || payout_id.empty()) {
      return absl::StrCat("RequestRefund: refund ", out.refund().refund_id(), " is ",
                          v1::RefundState_Name(out.refund().state()), " with payout '", payout_id,
                          "' (expected PROCESSING with a payout)");
    }
    return std::string();
  });
  if (!requested) return failed;
  time(kPayout, [&] {
    v1::RefundReply out;
    auto st = stub.ReportPayoutResult(CallContext(kRefundIntegratorKey).get(), ASuccess(payout_id, id), &out);
    if (!st.ok()) return "ReportPayoutResult " + GrpcError(st);
    if (out.refund().state() != v1::REFUND_STATE_SUCCEEDED) {
      return absl::StrCat("ReportPayoutResult: refund ", out.refund().refund_id(), " is ",
                          v1::RefundState_Name(out.refund().state()), " (expected SUCCEEDED)");
    }
    return std::string();
  });
  return failed;
}

class RefundCommands final : public Phase {
 public:
  const char* name() const override { return "refund_commands"; }
  const char* description() const override {
    return "the real refund binary on a fresh topic and store, alone (no ticket service): RecordCapture, "
           "RequestRefund by the seller (approved at once), ReportPayoutResult SUCCEEDED per order "
           "(commands/s, p50, p99, in all and per command); then SIGTERM";
  }

  void Run(Context& ctx, std::vector<Row>& rows) override {
    ctx.refund =
        std::make_unique<RefundRun>(ctx.topics.Create("refund"), ctx.topics.Create("refund-tickets"), ctx.options.keep);
    RefundRun& run = *ctx.refund;
    std::fprintf(stderr, "bench: starting the refund service (log %s)\n", run.service_log().c_str());
    const double start_seconds = StartTimed(run.process);
    const int port = run.process.port();
    const int clients = ctx.options.clients;
    const double seconds = ctx.options.seconds;

    // The first order after start, on its own: its first command pays for the producer's first
    // look at the topic (as in ticket_commands). Also checks the flow works before the load.
    {
      const auto started = SteadyClock::now();
      Recorder rec;
      rec.phase_start = &started;
      KindRecorders first;
      for (auto& r : first) r.phase_start = &started;
      auto stub = RefundStub(port, rec);
      if (!stub) throw std::runtime_error("cannot connect to the refund service");
      if (const std::string error = OneRefund(*stub, "first", rec, first); !error.empty()) {
        throw std::runtime_error("first refund: " + error);
      }
      ctx.report.notes.push_back(absl::StrCat(
          "refund: start->SERVING ", static_cast<int>(start_seconds * 1000),
          " ms; first order after SERVING: RecordCapture ", FormatMs(first[kCapture]), ", RequestRefund ",
          FormatMs(first[kRequest]), ", ReportPayoutResult ", FormatMs(first[kPayout]), " (not in the table)"));
    }

    // Per client, per kind; RunLoad's own recorders get every call (the row of all three).
    std::vector<KindRecorders> by_kind(clients);
    Row all = RunLoad(row_key::kRefund, "refund Capture+Request+Payout", "commands", clients, seconds,
                      [&](int client, Recorder& rec) -> Op {
                        KindRecorders& kinds = by_kind[client];
                        for (auto& r : kinds) r.phase_start = rec.phase_start;
                        auto stub = RefundStub(port, rec);
                        if (!stub) return nullptr;
                        return [stub, client, &kinds](int64_t i, Recorder& r) {
                          OneRefund(*stub, absl::StrCat(client, "-", i), r, kinds);
                        };
                      });
    static constexpr std::array<std::pair<const char*, const char*>, kKinds> kRows = {{
        {row_key::kRefundCapture, "  refund RecordCapture"},
        {row_key::kRefundRequest, "  refund RequestRefund"},
        {row_key::kRefundPayout, "  refund ReportPayoutResult"},
    }};
    std::vector<Row> kind_rows;
    for (int k = 0; k < kKinds; ++k) {
      std::vector<Recorder> of_kind;
      for (auto& kinds : by_kind) of_kind.push_back(std::move(kinds[k]));
      Row& row =
          kind_rows.emplace_back(MergeRecorders(kRows[k].first, kRows[k].second, "commands", all.seconds, of_kind));
      // The same phase, so the same wall time and cores; the per-second line is the overall row's.
      row.closed_loop = false;
      row.cpu_self = all.cpu_self;
      row.cpu_service = all.cpu_service;
      row.cpu_broker = all.cpu_broker;
    }
    rows.push_back(std::move(all));
    for (auto& row : kind_rows) rows.push_back(std::move(row));
    CheckInterrupted();

    std::fprintf(stderr, "bench: stopping the refund service (SIGTERM)\n");
    const auto stop_started = SteadyClock::now();
    if (const int code = run.process.Stop(); code != 0) {
      ctx.report.notes.push_back(absl::StrCat("refund exited with status ", code, " on SIGTERM (expected 0)"));
    }
    ctx.report.notes.push_back(absl::StrCat(
        "refund SIGTERM -> exit took ", static_cast<int>(Seconds(SteadyClock::now() - stop_started) * 1000), " ms"));
    watched().service = -1;
  }

 private:
  // The latency of a recorder's only call, "12.3 ms".
  static std::string FormatMs(const Recorder& rec) {
    if (rec.latency_us.empty()) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(rec.latency_us.front()) / 1000.0);
    return buf;
  }
};

}  // namespace

std::unique_ptr<Phase> RefundCommandsPhase() { return std::make_unique<RefundCommands>(); }

}  // namespace aftersales::bench
