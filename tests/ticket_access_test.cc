// The authorization table walked in full: every role x every TicketService RPC x (own party, another
// party, another tenant), plus no key and an unknown key, against the real binary. The expected
// answer is computed from the table itself (services/ticket/api/access.cc), so a new RPC or a
// changed rule is covered without editing this test.
#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "services/ticket/api/access.h"
#include "tests/support/ticket_process.h"

namespace aftersales::testing {
namespace {

using common::v1::CommandResult;
using server::Ownership;
using server::Role;

// One key per role and ownership: t1 "own" keys are the case's parties (buyer-1, seller-1).
constexpr const char* kAccessKeys =
    "buyer-key t1 buyer buyer-1\n"
    "seller-key t1 seller seller-1\n"
    "other-buyer-key t1 buyer buyer-2\n"
    "other-seller-key t1 seller seller-2\n"
    "agent-key t1 agent agent-1\n"
    "arbitrator-key t1 arbitrator arb-1\n"
    "integrator-key t1 integrator market-1\n"
    "system-key t1 system ops-1\n"
    "admin-key t1 admin admin-1\n"
    "service-key t1 service logistics\n"
    "t2-buyer-key t2 buyer buyer-1\n"
    "t2-seller-key t2 seller seller-1\n"
    "t2-agent-key t2 agent agent-1\n"
    "t2-arbitrator-key t2 arbitrator arb-1\n"
    "t2-integrator-key t2 integrator market-1\n"
    "t2-system-key t2 system ops-1\n"
    "t2-admin-key t2 admin admin-1\n"
    "t2-service-key t2 service logistics\n";

enum class Whose { kOwn, kOtherParty, kOtherTenant };

std::string KeyFor(Role role, Whose whose) {
  const std::string name(server::RoleName(role));
  if (whose == Whose::kOtherTenant) return "t2-" + name + "-key";
  if (whose == Whose::kOtherParty && (role == common::v1::ROLE_BUYER || role == common::v1::ROLE_SELLER))
    return "other-" + name + "-key";
  return name + "-key";
}

std::unique_ptr<grpc::ClientContext> As(const std::string& key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) ctx->AddMetadata("x-api-key", key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

template <typename R>
R On(const std::string& request_id, const std::string& case_id) {
  R r;
  r.set_request_id(request_id);
  r.set_case_id(case_id);
  return r;
}

using Call = std::function<grpc::Status(v1::TicketService::Stub&, const std::string& key, const std::string& case_id,
                                        const std::string& request_id, const std::string& party)>;

std::map<std::string, Call> Calls() {
  std::map<std::string, Call> calls;
  CommandResult out;
#define COMMAND(Rpc, ...)                                                                             \
  calls[#Rpc] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string& case_id, \
                   const std::string& request_id, const std::string&) {                               \
    CommandResult result;                                                                             \
    auto r = On<v1::Rpc##Request>(request_id, case_id);                                               \
    __VA_ARGS__;                                                                                      \
    return stub.Rpc(As(key).get(), r, &result);                                                       \
  }
  COMMAND(AcceptReturn);
  COMMAND(RejectCase, r.set_note("no"));
  COMMAND(CancelCase);
  COMMAND(CloseCase);
  COMMAND(OfferAlternative, r.mutable_offer()->set_kind(v1::OFFER_KIND_REPLACEMENT));
  COMMAND(AcceptOffer);
  COMMAND(DeclineOffer);
  COMMAND(ShipReturn, r.set_carrier("DHL"); r.set_tracking_number("T1"));
  COMMAND(ConfirmReturnDelivered);
  COMMAND(CompleteInspection, r.set_passed(true));
  COMMAND(CompleteResolution);
  COMMAND(EscalateCase);
  COMMAND(ApplyRuling, r.set_buyer_wins(true); r.set_note("ok"));
  COMMAND(ExtendDeadline, r.set_deadline_id(case_id + "/DEADLINE_KIND_SELLER_RESPONSE/1"); r.set_extend_by_seconds(60);
          r.set_reason("holiday"));
#undef COMMAND
  calls["OpenCase"] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string&,
                         const std::string& request_id, const std::string& party) {
    CommandResult result;
    auto r = AnOpenCase(request_id);
    r.set_buyer_id(party);  // a buyer names themselves (own) or someone else (another party)
    return stub.OpenCase(As(key).get(), r, &result);
  };
  calls["SetReturnPolicy"] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string&,
                                const std::string& request_id, const std::string&) {
    CommandResult result;
    v1::SetReturnPolicyRequest r;
    r.set_request_id(request_id);
    r.mutable_policy()->set_return_window_days(30);
    r.mutable_policy()->set_change_of_mind_return_shipping(v1::PAYER_BUYER);
    return stub.SetReturnPolicy(As(key).get(), r, &result);
  };
  calls["GetReturnPolicy"] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string&,
                                const std::string&, const std::string&) {
    v1::ReturnPolicy p;
    auto st = stub.GetReturnPolicy(As(key).get(), v1::GetReturnPolicyRequest(), &p);
    // No policy set in this tenant yet is an answer, not a refusal.
    return st.error_code() == grpc::NOT_FOUND && st.error_message().find("no return policy") != std::string::npos
               ? grpc::Status::OK
               : st;
  };
  calls["GetStateGraph"] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string&,
                              const std::string&, const std::string&) {
    v1::GetStateGraphRequest r;
    r.set_type(v1::CASE_TYPE_RETURN_AND_REFUND);
    v1::StateGraph g;
    return stub.GetStateGraph(As(key).get(), r, &g);
  };
  calls["GetCase"] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string& case_id,
                        const std::string&, const std::string&) {
    v1::GetCaseRequest r;
    r.set_case_id(case_id);
    v1::Case c;
    return stub.GetCase(As(key).get(), r, &c);
  };
  calls["GetCaseTimeline"] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string& case_id,
                                const std::string&, const std::string&) {
    v1::GetCaseTimelineRequest r;
    r.set_case_id(case_id);
    v1::GetCaseTimelineResponse t;
    return stub.GetCaseTimeline(As(key).get(), r, &t);
  };
  calls["ListCases"] = [](v1::TicketService::Stub& stub, const std::string& key, const std::string&, const std::string&,
                          const std::string& party) {
    v1::ListCasesRequest r;
    r.set_buyer_id(party);
    v1::ListCasesResponse page;
    return stub.ListCases(As(key).get(), r, &page);
  };
  return calls;
}

TEST_CASE("every role x every RPC x own - other party - other tenant gets the answer the access table promises") {
  std::string topic = FreshTopic("access");
  TicketProcess process(topic, TempDir("access"));
  std::ofstream(process.dir() + "/keys.txt") << kAccessKeys;
  process.Start({"--rate_limit_per_key=0"});
  auto& stub = process.stub();

  const auto rules = [] {
    std::map<std::string, server::AccessRule> by_rpc;
    for (auto& r : ticket::TicketAccessRules()) by_rpc[r.rpc] = r;
    return by_rpc;
  }();
  const auto calls = Calls();
  // The table and the service agree on the RPCs there are.
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("aftersales.ticket.v1.TicketService");
  REQUIRE(service != nullptr);
  REQUIRE(static_cast<size_t>(service->method_count()) == rules.size());
  REQUIRE(calls.size() == rules.size());
  for (int m = 0; m < service->method_count(); ++m) REQUIRE(rules.count(service->method(m)->name()));

  int n = 0, checked = 0;
  for (const auto& [rpc, rule] : rules) {
    // Missing and unknown keys first.
    for (const std::string key : {"", "no-such-key"}) {
      CommandResult opened;
      REQUIRE(stub.OpenCase(As("buyer-key").get(), AnOpenCase("anon-" + std::to_string(++n)), &opened).ok());
      auto st = calls.at(rpc)(stub, key, opened.case_id(), "r-" + std::to_string(n), "buyer-1");
      INFO(rpc << " without a valid key: " << st.error_code() << " " << st.error_message());
      CHECK(st.error_code() == grpc::UNAUTHENTICATED);
      ++checked;
    }
    for (Role role : server::AllRoles()) {
      for (Whose whose : {Whose::kOwn, Whose::kOtherParty, Whose::kOtherTenant}) {
        CommandResult opened;  // a fresh case of buyer-1 and seller-1 in t1, waiting for the seller
        REQUIRE(stub.OpenCase(As("buyer-key").get(), AnOpenCase("case-" + std::to_string(++n)), &opened).ok());
        const std::string key = KeyFor(role, whose);
        const bool party_role = role == common::v1::ROLE_BUYER || role == common::v1::ROLE_SELLER;
        // Requests that name a party name the case's buyer: the caller itself only when it is her.
        auto st = calls.at(rpc)(stub, key, opened.case_id(), "r-" + std::to_string(n), "buyer-1");
        INFO(rpc << " as " << key << ": " << st.error_code() << " " << st.error_message());
        ++checked;
        if (!rule.roles.count(role)) {
          CHECK(st.error_code() == grpc::PERMISSION_DENIED);
          CHECK_THAT(st.error_message(), Catch::Contains("may not call " + rpc));
          continue;
        }
        // Admitted: the gate never answers; what is left is the data's and the domain's.
        CHECK_THAT(st.error_message(), !Catch::Contains("may not call"));
        CHECK(st.error_code() != grpc::UNAUTHENTICATED);
        const bool other_tenant = whose == Whose::kOtherTenant;
        const bool other_party = whose == Whose::kOtherParty && party_role;
        if (rule.ownership == Ownership::kParty && (other_tenant || other_party)) {
          CHECK(st.error_code() == grpc::NOT_FOUND);  // exactly as if the case did not exist
        } else if (rule.ownership == Ownership::kSelf && other_party) {
          CHECK(st.error_code() == grpc::PERMISSION_DENIED);  // a buyer names only themselves
        } else {
          // Own data: the domain may still refuse for the state or the party (FAILED_PRECONDITION,
          // PERMISSION_DENIED naming the party), but never pretend the case is not there.
          CHECK(st.error_code() != grpc::NOT_FOUND);
        }
      }
    }
  }
  CHECK(checked == static_cast<int>(rules.size()) * (2 + 3 * static_cast<int>(server::AllRoles().size())));
}

TEST_CASE("a service key of tenant '*' acts for the tenant each call names in x-tenant-id") {
  std::string topic = FreshTopic("access-any");
  TicketProcess process(topic, TempDir("access-any"));
  std::ofstream(process.dir() + "/keys.txt") << "buyer-key t1 buyer buyer-1\nany-service-key * service refund\n";
  process.Start({"--rate_limit_per_key=0"});
  auto& stub = process.stub();
  CommandResult opened;
  REQUIRE(stub.OpenCase(As("buyer-key").get(), AnOpenCase("any-1"), &opened).ok());
  v1::GetCaseRequest get;
  get.set_case_id(opened.case_id());
  v1::Case c;
  auto with_tenant = [](const std::string& tenant) {
    auto ctx = As("any-service-key");
    if (!tenant.empty()) ctx->AddMetadata("x-tenant-id", tenant);
    return ctx;
  };
  auto st = stub.GetCase(with_tenant("").get(), get, &c);
  CHECK(st.error_code() == grpc::UNAUTHENTICATED);
  CHECK_THAT(st.error_message(), Catch::Contains("x-tenant-id"));
  CHECK(stub.GetCase(with_tenant("t1").get(), get, &c).ok());
  CHECK(c.tenant_id() == "t1");
  CHECK(stub.GetCase(with_tenant("t2").get(), get, &c).error_code() == grpc::NOT_FOUND);
  CHECK(stub.GetCase(with_tenant("*").get(), get, &c).error_code() == grpc::UNAUTHENTICATED);
  CHECK(stub.GetCase(with_tenant("t 1").get(), get, &c).error_code() == grpc::UNAUTHENTICATED);
}

}  // namespace
}  // namespace aftersales::testing
