#include "libs/kit/envelope.h"

#include "absl/strings/str_cat.h"
#include "libs/eventlog/cloudevents.h"
#include "libs/store/store.h"
#include "libs/validation/validation.h"

namespace aftersales::kit {

std::string PayloadTypeName(const google::protobuf::Message& event) {
  const auto* oneof = event.GetDescriptor()->FindOneofByName("payload");
  const auto* field = oneof ? event.GetReflection()->GetOneofFieldDescriptor(event, oneof) : nullptr;
  return field && field->message_type() ? field->message_type()->full_name() : event.GetDescriptor()->full_name();
}

eventlog::OutgoingRecord SealInto(google::protobuf::Message& event, common::v1::EventEnvelope& e,
                                  const Placement& where, const Provenance& why, absl::Time now) {
  e.set_event_id(absl::StrCat(where.aggregate_id, "/", where.version));
  e.set_aggregate_id(where.aggregate_id);
  e.set_case_id(where.case_id);
  e.set_tenant_id(why.tenant_id);
  e.set_version(where.version);
  *e.mutable_occurred_at() = validation::ToTimestamp(now);
  *e.mutable_actor() = why.actor;
  e.set_request_id(why.request_id);
  e.set_correlation_id(why.correlation_id.empty() ? why.request_id : why.correlation_id);
  e.set_causation_id(why.causation_id.empty() ? why.request_id : why.causation_id);
  e.set_request_fingerprint(why.fingerprint);
  eventlog::CloudEvent ce{e.event_id(), where.source, PayloadTypeName(event), where.aggregate_id, now, why.traceparent};
  return {where.aggregate_id, store::internal::DeterministicBytes(event), eventlog::CloudEventHeaders(ce)};
}

void ToProto(const pipeline::CommandResult& r, common::v1::CommandResult* reply) {
  reply->set_aggregate_id(r.aggregate_id);
  reply->set_version(r.version);
  reply->set_partition(r.partition);
  reply->set_offset(r.offset);
  reply->set_duplicate(r.duplicate);
}

}  // namespace aftersales::kit
