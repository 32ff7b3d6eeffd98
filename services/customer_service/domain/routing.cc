#include "services/customer_service/domain/routing.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/validation/validation.h"

namespace aftersales::customer_service {
namespace {

using validation::FromTimestamp;

bool Counts(v1::ConversationStatus s) {
  return s != v1::CONVERSATION_STATUS_SOLVED && s != v1::CONVERSATION_STATUS_CLOSED;
}

const v1::SlaClock* ClockOf(const Conversation& c, v1::SlaMetric metric) {
  for (const auto& k : c.clocks())
    if (k.metric() == metric) return &k;
  return nullptr;
}

bool SameTime(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

// A clock stopped by this event: stopped now, and not (or not at that time) before.
bool StoppedNow(const v1::SlaClock* was, const v1::SlaClock& now) {
  if (!now.has_stopped_at()) return false;
  return was == nullptr || !was->has_stopped_at() || !SameTime(was->stopped_at(), now.stopped_at());
}

}  // namespace

std::optional<std::string> SpokenMatch(const v1::Agent& agent, const std::string& language) {
  const std::string base = language.substr(0, language.find('-'));
  for (const auto& spoken : agent.languages()) {
    if (absl::EqualsIgnoreCase(spoken, language) || absl::EqualsIgnoreCase(spoken, base)) return spoken;
  }
  return std::nullopt;
}

std::optional<Pick> PickAgent(const std::vector<v1::Agent>& agents, const std::string& team_id,
                              const std::string& language) {
  const v1::Agent* best = nullptr;
  std::string best_spoken;
  for (const auto& a : agents) {
    if (!a.active() || a.load() >= a.capacity()) continue;
    if (!team_id.empty() && a.team_id() != team_id) continue;
    const auto spoken = SpokenMatch(a, language);
    if (!spoken) continue;
    const bool better =
        best == nullptr || a.load() < best->load() || (a.load() == best->load() && a.agent_id() < best->agent_id());
    if (better) {
      best = &a;
      best_spoken = *spoken;
    }
  }
  if (best == nullptr) return std::nullopt;
  return Pick{best->agent_id(),
              absl::StrCat("speaks ", best_spoken, ", load ", best->load(), " of ", best->capacity())};
}

std::string LoadHolder(const Conversation& c) { return Counts(c.status()) ? c.assignee_id() : std::string(); }

std::vector<std::pair<std::string, int>> LoadChanges(const Conversation& before, const Conversation& after) {
  const std::string was = before.version() == 0 ? std::string() : LoadHolder(before);
  const std::string now = LoadHolder(after);
  std::vector<std::pair<std::string, int>> changes;
  if (was == now) return changes;
  if (!was.empty()) changes.emplace_back(was, -1);
  if (!now.empty()) changes.emplace_back(now, +1);
  return changes;
}

std::string PeriodOf(absl::Time t) { return absl::FormatTime("%Y-%m", t, absl::UTCTimeZone()); }

bool ValidPeriod(const std::string& p) {
  if (p.size() != 7 || p[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6})
    if (!absl::ascii_isdigit(static_cast<unsigned char>(p[i]))) return false;
  const int month = (p[5] - '0') * 10 + (p[6] - '0');
  return month >= 1 && month <= 12;
}

std::map<MetricsRowId, v1::Metrics> MetricsAdded(const Conversation& before, const Conversation& after,
                                                 const ConversationEvent& event) {
  const std::string period = PeriodOf(FromTimestamp(event.envelope().occurred_at()));
  std::map<MetricsRowId, v1::Metrics> rows;
  auto row = [&](MetricsSubject subject, const std::string& id) -> v1::Metrics* {
    if (id.empty()) return nullptr;
    v1::Metrics& m = rows[{subject, id}];
    m.set_subject_id(id);
    m.set_period(period);
    return &m;
  };
  // The agent (or nobody) and the conversation's team (or none).
  auto add = [&](const std::string& agent, auto&& change) {
    if (v1::Metrics* m = row(MetricsSubject::kAgent, agent)) change(*m);
    if (v1::Metrics* m = row(MetricsSubject::kTeam, after.team_id())) change(*m);
  };
  const std::string& assignee = after.assignee_id();
  std::string replier = assignee;
  if (event.has_message_posted() && event.message_posted().message().author() == v1::AUTHOR_AGENT) {
    replier = event.message_posted().message().party_id();
  }
  const bool solved_now =
      after.status() == v1::CONVERSATION_STATUS_SOLVED && before.status() != v1::CONVERSATION_STATUS_SOLVED;
  for (const auto& k : after.clocks()) {
    if (!StoppedNow(ClockOf(before, k.metric()), k)) continue;
    if (k.state() == v1::CLOCK_STATE_MET) add(assignee, [](v1::Metrics& m) { m.set_sla_met(m.sla_met() + 1); });
    if (k.state() == v1::CLOCK_STATE_BREACHED) {
      add(assignee, [](v1::Metrics& m) { m.set_sla_breached(m.sla_breached() + 1); });
    }
    if (k.metric() == v1::SLA_METRIC_FIRST_REPLY) {
      add(replier, [&](v1::Metrics& m) {
        m.set_first_replies(m.first_replies() + 1);
        m.set_first_reply_seconds_sum(m.first_reply_seconds_sum() + k.consumed_seconds());
      });
    }
    if (k.metric() == v1::SLA_METRIC_RESOLUTION && solved_now) {
      add(assignee, [&](v1::Metrics& m) {
        m.set_resolutions(m.resolutions() + 1);
        m.set_resolution_seconds_sum(m.resolution_seconds_sum() + k.consumed_seconds());
      });
    }
  }
  if (solved_now) add(assignee, [](v1::Metrics& m) { m.set_conversations_solved(m.conversations_solved() + 1); });
  if (event.has_conversation_rated()) {
    const int64_t score = event.conversation_rated().rating().score();
    add(assignee, [&](v1::Metrics& m) {
      m.set_ratings(m.ratings() + 1);
      m.set_rating_sum(m.rating_sum() + score);
    });
  }
  return rows;
}

void AddCounts(v1::Metrics& row, const v1::Metrics& add) {
  row.set_conversations_solved(row.conversations_solved() + add.conversations_solved());
  row.set_first_replies(row.first_replies() + add.first_replies());
  row.set_first_reply_seconds_sum(row.first_reply_seconds_sum() + add.first_reply_seconds_sum());
  row.set_resolutions(row.resolutions() + add.resolutions());
  row.set_resolution_seconds_sum(row.resolution_seconds_sum() + add.resolution_seconds_sum());
  row.set_sla_met(row.sla_met() + add.sla_met());
  row.set_sla_breached(row.sla_breached() + add.sla_breached());
  row.set_ratings(row.ratings() + add.ratings());
  row.set_rating_sum(row.rating_sum() + add.rating_sum());
}

v1::Metrics WithAverages(v1::Metrics row) {
  auto ratio = [](int64_t sum, int64_t count) {
    return count == 0 ? 0.0 : static_cast<double>(sum) / static_cast<double>(count);
  };
  row.set_first_reply_avg_seconds(ratio(row.first_reply_seconds_sum(), row.first_replies()));
  row.set_resolution_avg_seconds(ratio(row.resolution_seconds_sum(), row.resolutions()));
  row.set_sla_compliance(ratio(row.sla_met(), row.sla_met() + row.sla_breached()));
  row.set_satisfaction_avg(ratio(row.rating_sum(), row.ratings()));
  return row;
}

std::optional<ComplaintAdded> ComplaintAddedBy(const Conversation& after, const ConversationEvent& event) {
  if (!event.has_complaint_flagged() && !event.has_complaint_resolved()) return std::nullopt;
  const v1::Complaint& c = event.has_complaint_flagged() ? event.complaint_flagged().complaint() : after.complaint();
  ComplaintAdded add;
  add.period = PeriodOf(FromTimestamp(c.has_flagged_at() ? c.flagged_at() : event.envelope().occurred_at()));
  add.about = c.about();
  add.subject_id = c.subject_id();
  if (event.has_complaint_flagged()) {
    add.flagged = 1;
    add.reason = c.reason();
  } else {
    add.resolved = 1;
  }
  return add;
}

void AddTo(v1::ComplaintReportRow& row, const ComplaintAdded& add) {
  row.set_about(add.about);
  row.set_subject_id(add.subject_id);
  row.set_flagged(row.flagged() + add.flagged);
  row.set_resolved(row.resolved() + add.resolved);
  if (add.flagged > 0) ++(*row.mutable_reasons())[add.reason];
}

}  // namespace aftersales::customer_service
