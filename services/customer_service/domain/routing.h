#pragma once
// Routing and measuring, pure (no I/O, no clock reads): which agent a waiting conversation goes
// to, how a conversation's event moves the agents' loads, and what it adds to the agent and team
// metrics and to the complaint report. The projector writes what these say; a rebuild from the
// same events gives the same rows.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "aftersales/customer_service/v1/agent.pb.h"
#include "aftersales/customer_service/v1/customer_service.pb.h"
#include "aftersales/customer_service/v1/events.pb.h"

namespace aftersales::customer_service {

using v1::Conversation;
using v1::ConversationEvent;

// --- routing ---

// The tag of the agent's languages that serves `language`: the tag itself or its base language
// ("de" serves "de-AT"), compared without case. nullopt: the agent does not speak it.
std::optional<std::string> SpokenMatch(const v1::Agent& agent, const std::string& language);

struct Pick {
  std::string agent_id;
  std::string why;  // "speaks de, load 1 of 5"
};

// The agent a conversation of `team_id` (empty: any team) in `language` goes to: active, of the
// team, speaking the language (SpokenMatch), load under capacity; lowest load first, then agent
// id. `agents` carry their current load. nullopt: nobody free speaks it.
std::optional<Pick> PickAgent(const std::vector<v1::Agent>& agents, const std::string& team_id,
                              const std::string& language);

// The agent a conversation counts against (assigned and not SOLVED or CLOSED); empty: none.
std::string LoadHolder(const Conversation& c);
// How an event moves loads: (agent, -1) for the one it leaves, (agent, +1) for the one it now
// counts against. Empty when nothing changes.
std::vector<std::pair<std::string, int>> LoadChanges(const Conversation& before, const Conversation& after);

// --- metrics and the complaint report ---

// "YYYY-MM" of an instant, in UTC.
std::string PeriodOf(absl::Time t);
// Whether `period` is "YYYY-MM" with a month 01..12.
bool ValidPeriod(const std::string& period);

enum class MetricsSubject { kAgent, kTeam };
using MetricsRowId = std::pair<MetricsSubject, std::string>;  // (agent or team, its id)

// What one event adds to the agent and team rows of the event's month (UTC of occurred_at):
// counts only (subject_id and period set). A FIRST_REPLY clock stopping: first_replies and its
// working time, to the agent who replied (the author of an agent's message, else the assignee)
// and the team. Becoming SOLVED: conversations_solved, and the RESOLUTION clock's working time
// if it stopped (resolutions), to the assignee and team. Any clock stopping: sla_met or
// sla_breached (assignee, team). A rating: ratings and rating_sum (assignee, team).
std::map<MetricsRowId, v1::Metrics> MetricsAdded(const Conversation& before, const Conversation& after,
                                                 const ConversationEvent& event);
// Adds the counts of `add` to `row`.
void AddCounts(v1::Metrics& row, const v1::Metrics& add);
// The row with its averages filled (0 where there is no data).
v1::Metrics WithAverages(v1::Metrics row);

// What one event adds to the complaint report: the row of (month of the flag, about, subject).
struct ComplaintAdded {
  std::string period;
  v1::ComplaintAbout about = v1::COMPLAINT_ABOUT_UNSPECIFIED;
  std::string subject_id;
  int64_t flagged = 0;
  int64_t resolved = 0;
  std::string reason;  // counted when flagged
};
std::optional<ComplaintAdded> ComplaintAddedBy(const Conversation& after, const ConversationEvent& event);
void AddTo(v1::ComplaintReportRow& row, const ComplaintAdded& add);

}  // namespace aftersales::customer_service
