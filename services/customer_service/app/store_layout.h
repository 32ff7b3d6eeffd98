#pragma once
// Where the customer-service service keeps its rows. Keys built from callers' ids separate
// their parts with US (0x1f).
//   conversations       <conversation_id>                        -> Conversation (the aggregate)
//   timeline            <conversation_id>/<version, 20 digits>   -> ConversationEvent
//   requests            idempotency records (libs/pipeline)
//   timers              each conversation's next deadline, payload "<tenant>\n<conversation_id>"
//   conversation_index  c|b|a|s US<tenant>US<case|buyer|agent|status>US<started µs, 20>US<id> -> ""
//   policies            <tenant> -> SlaPolicy (the latest)
//   agents              <tenant>US<agent_id> -> Agent (the latest version)
//   agent_load          <tenant>US<agent_id>US<partition, 3> -> conversations assigned and not solved/closed (decimal)
//   metrics             a|t US<tenant>US<agent|team>US<YYYY-MM>US<partition, 3> -> Metrics (counts; averages when
//   shown) complaints          <tenant>US<YYYY-MM of the flag>US<about, 2>US<subject_id>US<partition, 3> ->
//   ComplaintReportRow
//   templates           <tenant>US<template_id>US<canonical locale> -> Template (the latest version)
//   notice_cases        <case_id> -> ticket Case (the ticket topic folded with the ticket's own Evolve)
//   refund_facts        <ledger_id> -> NoticeLedger ; <ledger_id>US<refund_id> -> NoticeRefund
//   timers also holds the buyer-deadline reminders: id "notice/<deadline_id>", payload "<case_id>"
// Counters that events of many conversations add to are kept per partition (its lane alone
// writes them: partitions are applied in parallel) and summed when read.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/pipeline/command_result.h"

namespace aftersales::customer_service::layout {

inline constexpr const char* kConversations = "conversations";
inline constexpr const char* kTimeline = "timeline";
inline constexpr const char* kTimers = "timers";
inline constexpr const char* kIndex = "conversation_index";
inline constexpr const char* kPolicies = "policies";
// <tenant>US<buyer_id> -> CustomerPreferences; <shipment_id> -> logistics Shipment (registration facts).
inline constexpr const char* kCustomers = "customers";
inline constexpr const char* kParcels = "parcels";
inline constexpr const char* kAgents = "agents";
inline constexpr const char* kAgentLoad = "agent_load";
inline constexpr const char* kMetrics = "metrics";
inline constexpr const char* kComplaints = "complaints";
inline constexpr const char* kTemplates = "templates";
inline constexpr const char* kNoticeCases = "notice_cases";
inline constexpr const char* kRefundFacts = "refund_facts";
// Timer ids of buyer-deadline reminders start with this (conversation deadlines never do).
inline constexpr const char* kReminderPrefix = "notice/";
// 3: merges (merged_into_id, merged_from_ids), the templates family, notice_cases and
// refund_facts (ticket and refund read models for notices); delivery fields on messages.
inline constexpr const char* kLayoutVersion = "customer-service-3";
inline constexpr char kSep = '\x1f';

inline std::vector<std::string> ColumnFamilies() {
  return {kConversations, kTimeline,   pipeline::kRequestsFamily,
          kTimers,        kIndex,      kPolicies,
          kCustomers,     kParcels,    kAgents,
          kAgentLoad,     kMetrics,    kComplaints,
          kTemplates,     kNoticeCases, kRefundFacts};
}
inline std::string Sep() { return std::string(1, kSep); }
// kind: 'c' case, 'b' buyer, 'a' agent, 's' status (two digits).
inline std::string IndexPrefix(char kind, const std::string& tenant, const std::string& value) {
  return absl::StrCat(std::string(1, kind), Sep(), tenant, Sep(), value, Sep());
}
inline std::string IndexKey(const std::string& prefix, int64_t started_micros, const std::string& id) {
  return absl::StrCat(prefix, absl::StrFormat("%020d", started_micros), Sep(), id);
}
inline std::string StatusValue(int status) { return absl::StrFormat("%02d", status); }
inline std::string CustomerKey(const std::string& tenant, const std::string& buyer) {
  return absl::StrCat(tenant, Sep(), buyer);
}

inline std::string RefundFactKey(const std::string& ledger, const std::string& refund) {
  return absl::StrCat(ledger, Sep(), refund);
}

inline std::string AgentKey(const std::string& tenant, const std::string& agent) {
  return absl::StrCat(tenant, Sep(), agent);
}
inline std::string AgentPrefix(const std::string& tenant) { return absl::StrCat(tenant, Sep()); }
// A per-partition counter row: its key's last part.
inline std::string PartitionPart(int32_t partition) { return absl::StrCat(Sep(), absl::StrFormat("%03d", partition)); }
inline std::string AgentLoadKey(const std::string& tenant, const std::string& agent, int32_t partition) {
  return absl::StrCat(AgentKey(tenant, agent), PartitionPart(partition));
}
// kind: 'a' agent, 't' team.
inline std::string MetricsPrefix(char kind, const std::string& tenant, const std::string& subject,
                                 const std::string& period) {
  return absl::StrCat(std::string(1, kind), Sep(), tenant, Sep(), subject, Sep(), period, Sep());
}
inline std::string MetricsKey(char kind, const std::string& tenant, const std::string& subject,
                              const std::string& period, int32_t partition) {
  return absl::StrCat(std::string(1, kind), Sep(), tenant, Sep(), subject, Sep(), period, PartitionPart(partition));
}
// The report's rows of a month (and of one kind of complaint, when `about` > 0).
inline std::string ComplaintPrefix(const std::string& tenant, const std::string& period, int about) {
  std::string prefix = absl::StrCat(tenant, Sep(), period, Sep());
  if (about > 0) absl::StrAppend(&prefix, absl::StrFormat("%02d", about), Sep());
  return prefix;
}
inline std::string ComplaintKey(const std::string& tenant, const std::string& period, int about,
                                const std::string& subject, int32_t partition) {
  return absl::StrCat(ComplaintPrefix(tenant, period, about), subject, PartitionPart(partition));
}
inline std::string TemplatePrefix(const std::string& tenant, const std::string& template_id = "") {
  return template_id.empty() ? absl::StrCat(tenant, Sep()) : absl::StrCat(tenant, Sep(), template_id, Sep());
}
inline std::string TemplateKey(const std::string& tenant, const std::string& template_id, const std::string& locale) {
  return absl::StrCat(TemplatePrefix(tenant, template_id), locale);
}

}  // namespace aftersales::customer_service::layout
