#include "libs/server/strict_parse.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace aftersales::server {
namespace {

namespace v1 = ticket::v1;
using google::protobuf::Descriptor;

// ---- Hand-made wire bytes (so invalid UTF-8 can be sent at all) ----

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
// A length-delimited field: string, bytes or sub-message.
std::string Len(int number, std::string_view payload) {
  return Varint(static_cast<uint64_t>(number) << 3 | 2) + Varint(payload.size()) + std::string(payload);
}
std::string Int(int number, uint64_t value) { return Varint(static_cast<uint64_t>(number) << 3) + Varint(value); }

// ---- Protobuf's log, captured (process-wide, so only inside one test at a time) ----

std::mutex log_mu;
std::vector<std::string> log_lines;
void CaptureLog(google::protobuf::LogLevel, const char*, int, const std::string& message) {
  std::lock_guard<std::mutex> lock(log_mu);
  log_lines.push_back(message);
}
class LogCapture {
 public:
  LogCapture() : previous_(google::protobuf::SetLogHandler(&CaptureLog)) {
    std::lock_guard<std::mutex> lock(log_mu);
    log_lines.clear();
  }
  ~LogCapture() { google::protobuf::SetLogHandler(previous_); }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(log_mu);
    return log_lines;
  }

 private:
  google::protobuf::LogHandler* previous_;
};

std::optional<std::string> Diagnose(const Descriptor* type, std::string_view bytes) {
  return DiagnoseWire(*type, bytes);
}

// ---- UTF-8 ----

TEST_CASE("FirstInvalidUtf8 follows RFC 3629") {
  const std::size_t ok = std::string_view::npos;
  CHECK(FirstInvalidUtf8("") == ok);
  CHECK(FirstInvalidUtf8("ORD-1") == ok);
  CHECK(FirstInvalidUtf8(std::string_view("a\0b", 3)) == ok);  // NUL is a character
  CHECK(FirstInvalidUtf8("\xc3\xa9") == ok);                   // U+00E9
  CHECK(FirstInvalidUtf8("\xdf\xbf") == ok);                   // U+07FF
  CHECK(FirstInvalidUtf8("\xe0\xa0\x80") == ok);               // U+0800
  CHECK(FirstInvalidUtf8("\xe2\x82\xac") == ok);               // U+20AC
  CHECK(FirstInvalidUtf8("\xed\x9f\xbf") == ok);               // U+D7FF
  CHECK(FirstInvalidUtf8("\xee\x80\x80") == ok);               // U+E000
  CHECK(FirstInvalidUtf8("\xef\xbf\xbf") == ok);               // U+FFFF
  CHECK(FirstInvalidUtf8("\xf0\x90\x80\x80") == ok);           // U+10000
  CHECK(FirstInvalidUtf8("\xf0\x9d\x84\x9e") == ok);           // U+1D11E
  CHECK(FirstInvalidUtf8("\xf4\x8f\xbf\xbf") == ok);           // U+10FFFF

  CHECK(FirstInvalidUtf8("ORD\xff") == 3);
  CHECK(FirstInvalidUtf8("\x80") == 0);  // lone continuation
  CHECK(FirstInvalidUtf8("ab\xbf") == 2);
  CHECK(FirstInvalidUtf8("\xc0\xaf") == 0);          // overlong '/'
  CHECK(FirstInvalidUtf8("\xc1\xbf") == 0);          // overlong
  CHECK(FirstInvalidUtf8("\xe0\x80\xaf") == 0);      // overlong
  CHECK(FirstInvalidUtf8("\xe0\x9f\xbf") == 0);      // overlong U+07FF
  CHECK(FirstInvalidUtf8("\xf0\x8f\xbf\xbf") == 0);  // overlong U+FFFF
  CHECK(FirstInvalidUtf8("x\xed\xa0\x80") == 1);     // surrogate U+D800
  CHECK(FirstInvalidUtf8("\xed\xbf\xbf") == 0);      // surrogate U+DFFF
  CHECK(FirstInvalidUtf8("\xf4\x90\x80\x80") == 0);  // U+110000
  CHECK(FirstInvalidUtf8("\xf5\x80\x80\x80") == 0);
  CHECK(FirstInvalidUtf8("\xfe") == 0);
  CHECK(FirstInvalidUtf8("\xe2\x82") == 0);   // truncated at the end
  CHECK(FirstInvalidUtf8("\xe2\x82z") == 0);  // truncated before ASCII
  CHECK(FirstInvalidUtf8("\xc3\xa9\xc3") == 2);
}

TEST_CASE("FirstInvalidUtf8 agrees with the check protobuf's parser applies") {
  // protobuf 3.21's parser (VerifyUTF8 in parse_context.cc) uses IsStructurallyValidUTF8. The
  // two must agree: if protobuf rejected something we accept, it would log; if we rejected
  // something it accepts, we would refuse good requests. Every 1- and 2-byte string, every
  // 3-byte string with a multi-byte lead, and 4-byte strings over the interesting bytes.
  auto agree = [](const std::string& s) {
    return (FirstInvalidUtf8(s) == std::string_view::npos) ==
           google::protobuf::internal::IsStructurallyValidUTF8(s.data(), static_cast<int>(s.size()));
  };
  int disagreements = 0;
  std::string first;
  auto check = [&](const std::string& s) {
    if (!agree(s) && disagreements++ == 0) first = s;
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      check(std::string{static_cast<char>(a), static_cast<char>(b)});
      if (a >= 0xC0) {
        for (int c = 0; c < 256; ++c)
          check(std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
      }
    }
  }
  const int interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                             0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF};
  for (int a = 0xF0; a < 256; ++a) {
    for (int b : interesting) {
      for (int c : interesting) {
        for (int d : interesting) {
          check(std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)});
        }
      }
    }
  }
  std::string hex;
  for (unsigned char ch : first) {
    hex += "0123456789abcdef"[ch >> 4];
    hex += "0123456789abcdef"[ch & 15];
  }
  INFO("first disagreement (hex): " << hex);
  CHECK(disagreements == 0);
}

// ---- The diagnosis alone ----

TEST_CASE("DiagnoseWire names the field path and the problem") {
  const Descriptor* open = v1::OpenCaseRequest::descriptor();
  const Descriptor* set_policy = v1::SetReturnPolicyRequest::descriptor();

  CHECK(Diagnose(open, "") == std::nullopt);
  CHECK(Diagnose(open, Len(1, "req-1") + Len(2, "ORD-1") + Len(8, Int(1, 1999) + Len(2, "EUR"))) == std::nullopt);

  CHECK(Diagnose(open, Len(1, "req-1") + Len(2, "ORD\xff-1")) == "order_id: not valid UTF-8 (byte 3)");
  CHECK(Diagnose(open, Len(2, "\xed\xa0\x80")) == "order_id: not valid UTF-8 (byte 0)");
  // A non-repeated field sent twice: every copy is checked.
  CHECK(Diagnose(open, Len(2, "ok") + Len(2, "\xc0\xaf")) == "order_id: not valid UTF-8 (byte 0)");
  // Nested: amount.currency_code.
  CHECK(Diagnose(open, Len(8, Int(1, 5) + Len(2, "E\xe2\x82"))) == "amount.currency_code: not valid UTF-8 (byte 1)");

  // Repeated, at two levels: policy.returnless_rules[1].categories[1].
  const std::string rule0 = Len(1, "r0") + Len(3, "toys");
  const std::string rule1 = Len(1, "r1") + Len(3, "books") + Len(3, "bad\xf4\x90\x80\x80");
  const std::string policy = Len(5, "food") + Len(5, "hygiene") + Len(9, rule0) + Len(9, rule1);
  CHECK(Diagnose(set_policy, Len(1, "req-1") + Len(2, policy)) ==
        "policy.returnless_rules[1].categories[1]: not valid UTF-8 (byte 3)");
  CHECK(Diagnose(set_policy, Len(2, Len(5, "food") + Len(5, "\xff"))) ==
        "policy.non_returnable_categories[1]: not valid UTF-8 (byte 0)");

  // Wire format broken at the top level.
  CHECK(Diagnose(open, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff") ==
        "request: not a valid aftersales.ticket.v1.OpenCaseRequest (protobuf wire format)");
  CHECK(Diagnose(open, Len(2, "ORD-1").substr(0, 4)) ==  // string cut short
        "request: not a valid aftersales.ticket.v1.OpenCaseRequest (protobuf wire format)");
  CHECK(Diagnose(open, std::string("\x02\x00", 2)) ==  // field number 0
        "request: not a valid aftersales.ticket.v1.OpenCaseRequest (protobuf wire format)");
  CHECK(Diagnose(open, "\x0c") ==  // END_GROUP outside a group
        "request: not a valid aftersales.ticket.v1.OpenCaseRequest (protobuf wire format)");
  CHECK(Diagnose(open, "\x0f") ==  // wire type 7
        "request: not a valid aftersales.ticket.v1.OpenCaseRequest (protobuf wire format)");
  // ... or inside a sub-message: the path says which.
  CHECK(Diagnose(open, Len(8, "\xff")) == "amount: not a valid aftersales.common.v1.Money (protobuf wire format)");
  CHECK(Diagnose(open, Len(1, "r") + Varint(8 << 3 | 2) + Varint(10) + Int(1, 5)) ==  // sub-message cut short
        "amount: not a valid aftersales.common.v1.Money (protobuf wire format)");

  // What protobuf accepts we accept: unknown fields, and known fields with another wire type
  // (kept as unknown) are not looked into; bytes fields are not UTF-8.
  CHECK(Diagnose(open, Len(99, "\xff\xff")) == std::nullopt);
  CHECK(Diagnose(open, Int(2, 7)) == std::nullopt);
  CHECK(Diagnose(open, Varint(2 << 3 | 5) + std::string("\xff\xff\xff\xff")) == std::nullopt);
}

TEST_CASE("DiagnoseWire: maps and recursion (google.protobuf.Struct)") {
  const Descriptor* s = google::protobuf::Struct::descriptor();
  // Struct { map<string, Value> fields = 1; }  Value { string string_value = 3; Struct struct_value = 5; }
  const std::string entry = Len(1, "k\xff") + Len(2, Len(3, "v"));
  CHECK(Diagnose(s, Len(1, Len(1, "a") + Len(2, Len(3, "x"))) + Len(1, entry)) ==
        "fields[1].key: not valid UTF-8 (byte 1)");
  CHECK(Diagnose(s, Len(1, Len(1, "a") + Len(2, Len(3, "\xe0\x80\x80")))) ==
        "fields[0].value.string_value: not valid UTF-8 (byte 0)");

  // 300 levels of Struct -> fields -> value -> struct_value: refused, no stack exhaustion.
  std::string deep;
  for (int i = 0; i < 300; ++i) deep = Len(1, Len(1, "k") + Len(2, Len(5, deep)));
  const auto problem = Diagnose(s, deep);
  REQUIRE(problem.has_value());
  CHECK_THAT(*problem, Catch::Contains("nested more than 100 levels deep"));
  CHECK_THAT(*problem, Catch::StartsWith("fields[0].value.struct_value.fields[0]"));
}

TEST_CASE("DiagnoseWire accepts exactly what protobuf parses, so protobuf never logs for us") {
  struct Case {
    const Descriptor* type;
    std::string bytes;
  };
  const std::string bad = "a\xed\xa0\x80";
  const std::vector<Case> cases = {
      {v1::OpenCaseRequest::descriptor(), Len(2, "ORD-1") + Len(10, "caf\xc3\xa9")},
      {v1::OpenCaseRequest::descriptor(), Len(2, bad)},
      {v1::OpenCaseRequest::descriptor(), Len(8, Len(2, bad))},
      {v1::OpenCaseRequest::descriptor(), Len(8, "\xff")},
      {v1::OpenCaseRequest::descriptor(), "\xff\xff"},
      {v1::OpenCaseRequest::descriptor(), Len(99, bad)},
      {v1::OpenCaseRequest::descriptor(), Int(2, 1)},
      {v1::SetReturnPolicyRequest::descriptor(), Len(2, Len(9, Len(3, "ok") + Len(3, bad)))},
      {v1::SetReturnPolicyRequest::descriptor(), Len(2, Len(9, Len(3, "ok") + Len(3, "fine")))},
      {google::protobuf::Struct::descriptor(), Len(1, Len(1, bad))},
      {google::protobuf::Struct::descriptor(), Len(1, Len(1, "k") + Len(2, Len(3, bad)))},
      {google::protobuf::Struct::descriptor(), Len(1, Len(1, "k") + Len(2, Len(3, "v")))},
  };
  LogCapture log;
  int index = 0;
  for (const Case& c : cases) {
    INFO("case " << index++ << " of " << c.type->full_name());
    std::unique_ptr<google::protobuf::Message> message(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(c.type)->New());
    const bool protobuf_ok = message->ParseFromString(c.bytes);
    CHECK(Diagnose(c.type, c.bytes).has_value() == !protobuf_ok);
  }
  // ParseFromString above logged for each bad-UTF-8 case (that is the noise StrictParse avoids).
  CHECK(log.lines().size() == 5);
}

TEST_CASE("StrictParse: INVALID_ARGUMENT with the diagnosis, and no protobuf log") {
  LogCapture log;
  v1::OpenCaseRequest request;
  grpc::Status status = StrictParse(Len(2, "ORD\xff"), &request);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "order_id: not valid UTF-8 (byte 3)");

  status = StrictParse(Len(1, "req-1") + Len(2, "ORD-1"), &request);
  CHECK(status.ok());
  CHECK(request.order_id() == "ORD-1");
  CHECK(request.request_id() == "req-1");

  // From a gRPC payload (ownership passes to StrictParse).
  const std::string bytes = Len(2, "ORD-2");
  grpc_slice slice = grpc_slice_from_copied_buffer(bytes.data(), bytes.size());
  grpc_byte_buffer* payload = grpc_raw_byte_buffer_create(&slice, 1);
  grpc_slice_unref(slice);
  status = StrictParse(payload, &request);
  CHECK(status.ok());
  CHECK(request.order_id() == "ORD-2");
  CHECK(StrictParse(static_cast<grpc_byte_buffer*>(nullptr), &request).error_code() == grpc::StatusCode::INTERNAL);

  CHECK(log.lines().empty());
}

TEST_CASE("The problem being solved: gRPC's default deserialization gives INTERNAL, no message, a log line") {
  LogCapture log;
  const std::string bytes = Len(2, "ORD\xff");
  grpc::Slice slice(bytes.data(), bytes.size());
  grpc::ByteBuffer buffer(&slice, 1);
  v1::OpenCaseRequest request;
  const grpc::Status status = grpc::GenericDeserialize<grpc::ProtoBufferReader, v1::OpenCaseRequest>(&buffer, &request);
  CHECK(status.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(status.error_message().empty());
  REQUIRE(log.lines().size() == 1);
  CHECK_THAT(log.lines()[0], Catch::Contains("invalid UTF-8"));
}

// ---- Over a real socket ----

class FakeTicketService final : public v1::TicketService::Service {
 public:
  grpc::Status OpenCase(grpc::ServerContext*, const v1::OpenCaseRequest* request,
                        common::v1::CommandResult* reply) override {
    ++calls;
    reply->set_case_id("case-for-" + request->order_id());
    return grpc::Status::OK;
  }
  grpc::Status SetReturnPolicy(grpc::ServerContext*, const v1::SetReturnPolicyRequest* request,
                               common::v1::CommandResult* reply) override {
    ++calls;
    reply->set_case_id("rules-" + std::to_string(request->policy().returnless_rules_size()));
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
};

class Server {
 public:
  Server() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port_ != 0);
    stub_ = std::make_unique<grpc::GenericStub>(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
  }
  ~Server() { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5)); }

  // Sends `bytes` as they are to /aftersales.ticket.v1.TicketService/<method>.
  grpc::Status Call(const std::string& method, std::string_view bytes, common::v1::CommandResult* reply = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(bytes.data(), bytes.size());
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub_->UnaryCall(&context, "/aftersales.ticket.v1.TicketService/" + method, grpc::StubOptions(), &request,
                     &response, [&done](grpc::Status status) { done.set_value(std::move(status)); });
    grpc::Status status = done.get_future().get();
    if (status.ok() && reply != nullptr) {
      grpc::Slice flat;
      REQUIRE(response.DumpToSingleSlice(&flat).ok());
      REQUIRE(reply->ParseFromArray(flat.begin(), static_cast<int>(flat.size())));
    }
    return status;
  }

  FakeTicketService service;

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

TEST_CASE("over a socket: invalid UTF-8 in order_id is INVALID_ARGUMENT naming the field, handler not run") {
  Server server;
  LogCapture log;
  const grpc::Status status = server.Call("OpenCase", Len(1, "req-1") + Len(2, "ORD\xff-1") + Len(3, "line-1"));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "order_id: not valid UTF-8 (byte 3)");
  CHECK(server.service.calls == 0);
  CHECK(log.lines().empty());  // protobuf never saw the bad string
}

TEST_CASE("over a socket: invalid UTF-8 deep in SetReturnPolicyRequest.policy names the path") {
  Server server;
  LogCapture log;
  const std::string rule =
      Len(1, "cheap") + Len(2, Int(1, 500) + Len(2, "EUR")) + Len(3, "toys") + Len(3, "b\xc0\xafoks");
  const std::string policy = Int(4, 30) + Len(5, "perishables") + Len(9, Len(1, "first")) + Len(9, rule);
  const grpc::Status status = server.Call("SetReturnPolicy", Len(1, "req-2") + Len(2, policy));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "policy.returnless_rules[1].categories[1]: not valid UTF-8 (byte 1)");
  CHECK(server.service.calls == 0);
  CHECK(log.lines().empty());
}

TEST_CASE("over a socket: bytes that are not protobuf are INVALID_ARGUMENT 'not a valid ...'") {
  Server server;
  const grpc::Status status = server.Call("OpenCase", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "request: not a valid aftersales.ticket.v1.OpenCaseRequest (protobuf wire format)");
  CHECK(server.service.calls == 0);
}

TEST_CASE("over a socket: a valid request reaches the handler and gets OK") {
  Server server;
  common::v1::CommandResult reply;
  grpc::Status status =
      server.Call("OpenCase", Len(1, "req-3") + Len(2, "ORD-\xc3\xa9t\xc3\xa9") + Len(10, "\xf0\x9f\x93\xa6"), &reply);
  CHECK(status.ok());
  CHECK(status.error_message().empty());
  CHECK(reply.case_id() == "case-for-ORD-\xc3\xa9t\xc3\xa9");

  status = server.Call("SetReturnPolicy", Len(1, "req-4") + Len(2, Len(9, Len(1, "a")) + Len(9, Len(1, "b"))), &reply);
  CHECK(status.ok());
  CHECK(reply.case_id() == "rules-2");
  CHECK(server.service.calls == 2);
}

TEST_CASE("over a socket: every method of the service is covered, also those the server does not implement") {
  Server server;
  // AcceptReturn is not overridden: a good request gets UNIMPLEMENTED, a bad one is diagnosed first.
  CHECK(server.Call("AcceptReturn", Len(2, "case-1")).error_code() == grpc::StatusCode::UNIMPLEMENTED);
  const grpc::Status status = server.Call("AcceptReturn", Len(2, "case-1") + Len(4, "n\xffte"));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "note: not valid UTF-8 (byte 1)");
}

}  // namespace
}  // namespace aftersales::server
