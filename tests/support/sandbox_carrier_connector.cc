// sandbox_carrier_connector: a stand-in for an EXTERNAL carrier API, for tests and demos. It
// implements the carrier-connector contract (aftersales.logistics.v1.CarrierConnector,
// protos/aftersales/logistics/v1/carrier_connector.proto) that the logistics service calls for
// return labels (--carrier_connector). It is not a Kafka stand-in: it keeps no state and touches
// no broker or store; the logistics service under test still runs on the real broker.
//
//   sandbox_carrier_connector --listen=127.0.0.1:0 --port_file=F
//
// CreateReturnLabel answers deterministically from `reference`, as the contract asks of a real
// connector (the same reference always gets the same label):
//   tracking_number  "RL" + 10 digits derived from a hash of the reference
//   label_number     "LBL-" + 12 upper-case hex digits of the same hash
//   label_url        "https://labels.example/<carrier>/<label_number>.pdf"
// A request without reference or carrier is INVALID_ARGUMENT naming the field. Each call is
// logged on stderr ("sandbox_carrier_connector: label ... for reference ...").
//
// Like a service: writes its port (then a newline) to --port_file once SERVING (gRPC health),
// and exits 0 on SIGTERM/SIGINT.
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "aftersales/logistics/v1/carrier_connector.grpc.pb.h"
#include "libs/base/hash.h"
#include "libs/server/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "address to listen on (port 0: a free port)");
ABSL_FLAG(std::string, port_file, "", "if set, the bound port is written to this file once SERVING");

namespace {

using namespace aftersales;
namespace v1 = aftersales::logistics::v1;

class SandboxConnector final : public v1::CarrierConnector::Service {
 public:
  grpc::Status CreateReturnLabel(grpc::ServerContext*, const v1::CreateReturnLabelRequest* r,
                                 v1::CreateReturnLabelResponse* out) override {
    if (r->reference().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "reference: required"};
    if (r->carrier().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "carrier: required"};
    const std::string hash = StableHashHex(r->reference());  // 32 hex digits
    const uint64_t high = std::stoull(hash.substr(0, 15), nullptr, 16);
    out->set_tracking_number(absl::StrFormat("RL%010" PRIu64, high % 10000000000ULL));
    out->set_label_number("LBL-" + absl::AsciiStrToUpper(hash.substr(16, 12)));
    out->set_label_url(absl::StrCat("https://labels.example/", r->carrier(), "/", out->label_number(), ".pdf"));
    std::fprintf(stderr, "sandbox_carrier_connector: label %s (%s) for reference %s, case %s, %s-%s\n",
                 out->label_number().c_str(), out->tracking_number().c_str(), r->reference().c_str(),
                 r->case_id().c_str(), r->origin_country().c_str(), r->destination_country().c_str());
    return grpc::Status::OK;
  }
};

bool WriteAtomically(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path + ".tmp", std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  return std::rename((path + ".tmp").c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "A stand-in for an external carrier API: the CarrierConnector contract with deterministic return labels.");
  absl::ParseCommandLine(argc, argv);
  server::BlockTerminationSignals();

  SandboxConnector connector;
  auto grpc_server = server::GrpcServer::Start({.address = absl::GetFlag(FLAGS_listen)}, {&connector});
  if (!grpc_server.ok()) {
    std::fprintf(stderr, "sandbox_carrier_connector: --listen: %s\n", grpc_server.status().ToString().c_str());
    return 2;
  }
  (*grpc_server)->SetServing(true);
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WriteAtomically(port_file, absl::StrCat((*grpc_server)->port(), "\n"))) {
    std::fprintf(stderr, "sandbox_carrier_connector: cannot write --port_file %s\n", port_file.c_str());
    return 2;
  }
  std::fprintf(stderr, "sandbox_carrier_connector: SERVING on port %d\n", (*grpc_server)->port());
  const int code = server::WaitForExit();
  (*grpc_server)->Shutdown(2);
  return code;
}
