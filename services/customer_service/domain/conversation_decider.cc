#include "services/customer_service/domain/conversation_decider.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/validation/validation.h"

namespace aftersales::customer_service {
namespace {

using validation::FromTimestamp;
using validation::ToTimestamp;
using Status = v1::ConversationStatus;

constexpr int kMaxScore = 5;

enum class Who { kCustomer, kAgent, kSystem, kOther };

Who WhoIs(const Actor& a) {
  switch (a.role()) {
    case common::v1::ROLE_BUYER: return Who::kCustomer;
    case common::v1::ROLE_AGENT:
    case common::v1::ROLE_ADMIN:
    case common::v1::ROLE_INTEGRATOR: return Who::kAgent;
    case common::v1::ROLE_SYSTEM:
    case common::v1::ROLE_SERVICE: return Who::kSystem;
    default: return Who::kOther;
  }
}

bool Terminal(Status s) { return s == v1::CONVERSATION_STATUS_CLOSED; }

std::string StatusName(Status s) { return v1::ConversationStatus_Name(s).substr(20); }
std::string MetricName(v1::SlaMetric m) { return v1::SlaMetric_Name(m).substr(11); }

absl::Duration Seconds(int64_t s) { return absl::Seconds(s); }

v1::SlaClock* Find(std::vector<v1::SlaClock>& clocks, v1::SlaMetric m) {
  for (auto& c : clocks)
    if (c.metric() == m) return &c;
  return nullptr;
}

bool Ticking(const v1::SlaClock& c) {
  return (c.state() == v1::CLOCK_STATE_RUNNING || c.state() == v1::CLOCK_STATE_BREACHED) && c.has_running_since();
}

// The clocks of a conversation, to be changed by one decision and recorded on its event.
class Clocks {
 public:
  Clocks(const Conversation& c, const timer::BusinessHours& hours, absl::Time now)
      : clocks_(c.clocks().begin(), c.clocks().end()), hours_(hours), now_(now), warn_bps_(c.warn_before_bps()) {}

  void Start(v1::SlaMetric metric, int64_t target_seconds) {
    v1::SlaClock* c = Find(clocks_, metric);
    if (c == nullptr) {
      c = &clocks_.emplace_back();
    } else {
      c->Clear();
    }
    c->set_metric(metric);
    c->set_target_seconds(target_seconds);
    *c->mutable_started_at() = ToTimestamp(now_);
    Run(*c);
  }

  void PauseAll() {
    for (auto& c : clocks_) {
      if (!Ticking(c)) continue;
      Consume(c);
      if (c.state() == v1::CLOCK_STATE_RUNNING) c.set_state(v1::CLOCK_STATE_PAUSED);
      c.clear_running_since();
      c.clear_due_at();
      c.clear_warn_at();
    }
  }

  void ResumeAll() {
    for (auto& c : clocks_) {
      // A clock that breached before the pause counts on as well (breached, so without a due time).
      const bool breached_paused =
          c.state() == v1::CLOCK_STATE_BREACHED && !c.has_stopped_at() && !c.has_running_since();
      if (c.state() == v1::CLOCK_STATE_PAUSED || breached_paused) Run(c);
    }
  }

  // Stops a clock that is counting (running, paused or breached); MET if within the target.
  void Stop(v1::SlaMetric metric) {
    v1::SlaClock* c = Find(clocks_, metric);
    if (c == nullptr || c->has_stopped_at() ||
        (c->state() != v1::CLOCK_STATE_RUNNING && c->state() != v1::CLOCK_STATE_PAUSED &&
         c->state() != v1::CLOCK_STATE_BREACHED)) {
      return;
    }
    if (Ticking(*c)) Consume(*c);
    if (c->state() != v1::CLOCK_STATE_BREACHED && c->consumed_seconds() > c->target_seconds()) {
      // Over the target before its breach deadline fired: it breached when it was due (or, paused
      // over the target, now). Recorded, so a restart (a reopen) still says when.
      c->set_state(v1::CLOCK_STATE_BREACHED);
      *c->mutable_breached_at() = c->has_due_at() ? c->due_at() : ToTimestamp(now_);
    }
    c->clear_running_since();
    c->clear_due_at();
    c->clear_warn_at();
    *c->mutable_stopped_at() = ToTimestamp(now_);
    if (c->state() != v1::CLOCK_STATE_BREACHED) c->set_state(v1::CLOCK_STATE_MET);
  }

  // A stopped clock counting again (resolution, when a solved conversation reopens).
  void Restart(v1::SlaMetric metric) {
    v1::SlaClock* c = Find(clocks_, metric);
    if (c == nullptr || !c->has_stopped_at()) return;
    c->clear_stopped_at();
    if (c->state() == v1::CLOCK_STATE_MET) c->set_state(v1::CLOCK_STATE_RUNNING);
    Run(*c);
  }

  bool Running(v1::SlaMetric metric) const {
    for (const auto& c : clocks_)
      if (c.metric() == metric && !c.has_stopped_at() && c.state() != v1::CLOCK_STATE_UNSPECIFIED) return true;
    return false;
  }

  bool Exists(v1::SlaMetric metric) const {
    for (const auto& c : clocks_)
      if (c.metric() == metric) return true;
    return false;
  }

  std::vector<v1::SlaClock>& all() { return clocks_; }
  absl::Time now() const { return now_; }

 private:
  void Consume(v1::SlaClock& c) {
    const absl::Duration d = timer::BusinessElapsed(hours_, FromTimestamp(c.running_since()), now_);
    c.set_consumed_seconds(c.consumed_seconds() + absl::ToInt64Seconds(d));
  }
  void Run(v1::SlaClock& c) {
    if (c.state() != v1::CLOCK_STATE_BREACHED) c.set_state(v1::CLOCK_STATE_RUNNING);
    *c.mutable_running_since() = ToTimestamp(now_);
    const int64_t left = c.target_seconds() - c.consumed_seconds();
    if (c.state() == v1::CLOCK_STATE_BREACHED) {
      c.clear_due_at();
      c.clear_warn_at();
      return;
    }
    *c.mutable_due_at() = ToTimestamp(timer::AddBusinessTime(hours_, now_, Seconds(std::max<int64_t>(left, 0))));
    const int64_t warn_left = left - c.target_seconds() * warn_bps_ / 10000;
    if (warn_bps_ > 0 && !c.warned() && warn_left > 0) {
      *c.mutable_warn_at() = ToTimestamp(timer::AddBusinessTime(hours_, now_, Seconds(warn_left)));
    } else {
      c.clear_warn_at();
    }
  }

  std::vector<v1::SlaClock> clocks_;
  const timer::BusinessHours& hours_;
  absl::Time now_;
  int32_t warn_bps_;
};

struct Deadline {
  std::string id;
  absl::Time at;
};

// The earliest of: a clock's warning, a clock's breach, the auto-close of a solved conversation
// (not while a complaint waits for its outcome).
std::optional<Deadline> NextDeadline(const Conversation& c, const std::vector<v1::SlaClock>& clocks, Status status,
                                     std::optional<absl::Time> solved_at) {
  std::optional<Deadline> best;
  auto consider = [&](std::string id, absl::Time at) {
    if (!best || at < best->at) best = Deadline{std::move(id), at};
  };
  for (const auto& k : clocks) {
    if (k.state() != v1::CLOCK_STATE_RUNNING || k.has_stopped_at()) continue;
    const std::string metric = MetricName(k.metric());
    if (k.has_warn_at() && !k.warned()) {
      consider(absl::StrCat(c.conversation_id(), "/warn/", metric, "@", absl::ToUnixMicros(FromTimestamp(k.warn_at()))),
               FromTimestamp(k.warn_at()));
    }
    if (k.has_due_at()) {
      consider(
          absl::StrCat(c.conversation_id(), "/breach/", metric, "@", absl::ToUnixMicros(FromTimestamp(k.due_at()))),
          FromTimestamp(k.due_at()));
    }
  }
  const bool complaint_open = c.has_complaint() && c.complaint().outcome().empty();
  if (status == v1::CONVERSATION_STATUS_SOLVED && solved_at && !complaint_open && c.auto_close_seconds() > 0) {
    const absl::Time at = *solved_at + Seconds(c.auto_close_seconds());
    consider(absl::StrCat(c.conversation_id(), "/close@", absl::ToUnixMicros(at)), at);
  }
  return best;
}

// Seals a decision: the clocks after it and the next deadline, computed on the state it leads to.
std::vector<ConversationEvent> Finish(const Conversation& before, ConversationEvent e, Clocks& clocks) {
  for (auto& k : clocks.all()) *e.add_clocks() = k;
  const Conversation after = Evolve(before, e);
  std::optional<absl::Time> solved;
  if (after.has_solved_at()) solved = FromTimestamp(after.solved_at());
  // Solved by this very event: its envelope (and so solved_at) is not stamped yet; it is now.
  if (!solved && after.status() == v1::CONVERSATION_STATUS_SOLVED) solved = clocks.now();
  if (auto d = NextDeadline(after, clocks.all(), after.status(), solved)) {
    e.set_next_deadline_id(d->id);
    *e.mutable_next_deadline_at() = ToTimestamp(d->at);
  }
  return {std::move(e)};
}

absl::Status CheckText(const std::string& field, const std::string& text, bool required) {
  if (required && text.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  return absl::OkStatus();
}

v1::Message MakeMessage(const Conversation& c, const Actor& actor, Who who, v1::Channel channel,
                        const std::string& language, const std::string& body, bool internal, absl::Time now) {
  v1::Message m;
  m.set_message_id(absl::StrCat(c.conversation_id(), "/m", c.messages_size() + 1));
  m.set_author(who == Who::kCustomer ? v1::AUTHOR_CUSTOMER
                                     : (who == Who::kAgent ? v1::AUTHOR_AGENT : v1::AUTHOR_SYSTEM));
  m.set_party_id(actor.party_id());
  m.set_channel(channel == v1::CHANNEL_UNSPECIFIED ? c.channel() : channel);
  m.set_language(language.empty() ? c.language() : language);
  m.set_body(body);
  m.set_internal(internal);
  *m.mutable_at() = ToTimestamp(now);
  return m;
}

// A public message from the platform's side goes out to the buyer: a channel connector sends it
// (the event's `outbound`) and reports back (ReportDelivery). A phone message is the agent's note
// of a call that already took place: there is nothing to send.
bool GoesOut(const v1::Message& m) {
  return !m.internal() && m.author() != v1::AUTHOR_CUSTOMER && m.channel() != v1::CHANNEL_PHONE;
}

void SendOut(const Conversation& c, v1::Message& message, ConversationEvent& e) {
  message.set_delivery_state(v1::DELIVERY_STATE_PENDING);
  auto* out = e.mutable_outbound();
  out->set_conversation_id(c.conversation_id());
  out->set_message_id(message.message_id());
  out->set_buyer_id(c.buyer_id());
  out->set_channel(message.channel());
  out->set_language(message.language());
  out->set_body(message.body());
  out->set_subject(c.subject());
  out->set_case_id(c.case_id());
}

absl::StatusOr<std::vector<ConversationEvent>> DecideStart(const Conversation& c, const StartConversation& s,
                                                           const Actor& actor, const ConversationContext& ctx) {
  if (c.version() > 0) return std::vector<ConversationEvent>{};  // started already (same id: same request)
  const Who who = WhoIs(actor);
  if (who == Who::kOther) return absl::PermissionDeniedError("only the buyer or the platform starts a conversation");
  if (who == Who::kCustomer && s.buyer_id != actor.party_id()) {
    return absl::PermissionDeniedError("buyer_id: a buyer starts conversations only for themselves");
  }
  ConversationEvent e;
  auto* st = e.mutable_conversation_started();
  st->set_case_id(s.case_id);
  st->set_buyer_id(s.buyer_id);
  st->set_seller_id(s.seller_id);
  st->set_language(s.language);
  st->set_channel(s.channel);
  st->set_priority(s.priority);
  st->set_subject(s.subject);
  st->set_team_id(s.team_id);
  Conversation shaped = c;
  shaped.set_conversation_id(s.conversation_id);
  shaped.set_language(s.language);
  shaped.set_channel(s.channel);
  if (ctx.policy) {
    st->set_sla_policy_version(ctx.policy->version());
    st->set_business_hours(ctx.policy->business_hours());
    st->set_warn_before_bps(ctx.policy->warn_before_bps());
    st->set_auto_close_seconds(ctx.policy->auto_close_seconds());
    shaped.set_warn_before_bps(ctx.policy->warn_before_bps());
  }
  if (!s.first_message.empty()) {
    *st->mutable_first_message() =
        MakeMessage(shaped, actor, who, s.channel, s.language, s.first_message, false, ctx.now);
    if (GoesOut(st->first_message())) {
      Conversation addressed = shaped;
      addressed.set_buyer_id(s.buyer_id);
      addressed.set_subject(s.subject);
      addressed.set_case_id(s.case_id);
      SendOut(addressed, *st->mutable_first_message(), e);
    }
  }
  Clocks clocks(shaped, ctx.hours, ctx.now);
  if (ctx.policy) {
    if (auto target = TargetFor(*ctx.policy, s.priority, s.channel)) {
      st->set_next_reply_target_seconds(target->next_reply_seconds());
      st->set_first_reply_target_seconds(target->first_reply_seconds());
      st->set_resolution_target_seconds(target->resolution_seconds());
      // The platform reaching out (a notice) starts no clock: nobody waits yet.
      const bool customer_waits = who == Who::kCustomer || !s.first_message.empty();
      if (customer_waits && target->first_reply_seconds() > 0)
        clocks.Start(v1::SLA_METRIC_FIRST_REPLY, target->first_reply_seconds());
      if (customer_waits && target->resolution_seconds() > 0) {
        clocks.Start(v1::SLA_METRIC_RESOLUTION, target->resolution_seconds());
      }
    }
  }
  return Finish(shaped, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecidePost(const Conversation& c, const PostMessage& p,
                                                          const Actor& actor, const ConversationContext& ctx) {
  const Who who = WhoIs(actor);
  if (who == Who::kOther) return absl::PermissionDeniedError("only the buyer, agents and the platform write here");
  if (Terminal(c.status())) {
    return absl::FailedPreconditionError("conversation_id: the conversation is closed; start a new one");
  }
  RETURN_IF_ERROR(CheckText("body", p.body, true));
  if (p.internal && who == Who::kCustomer)
    return absl::PermissionDeniedError("internal: only agents write internal notes");
  ConversationEvent e;
  auto* m = e.mutable_message_posted();
  *m->mutable_message() = MakeMessage(c, actor, who, p.channel, p.language, p.body, p.internal, ctx.now);
  if (who == Who::kSystem) {
    m->mutable_message()->set_template_id(p.template_id);
    m->mutable_message()->set_template_fallback(p.template_fallback);
  }
  if (!p.message_id.empty()) m->mutable_message()->set_message_id(p.message_id);  // the app's, if given
  if (GoesOut(m->message())) SendOut(c, *m->mutable_message(), e);
  Status to = c.status();
  Clocks clocks(c, ctx.hours, ctx.now);
  if (!p.internal && who == Who::kCustomer) {
    if (to == v1::CONVERSATION_STATUS_PENDING_CUSTOMER || to == v1::CONVERSATION_STATUS_SOLVED) {
      if (to == v1::CONVERSATION_STATUS_PENDING_CUSTOMER) clocks.ResumeAll();
      if (to == v1::CONVERSATION_STATUS_SOLVED) clocks.Restart(v1::SLA_METRIC_RESOLUTION);
      to = v1::CONVERSATION_STATUS_OPEN;
    }
    // The customer's first words in a conversation the platform started: now they wait.
    if (!clocks.Exists(v1::SLA_METRIC_FIRST_REPLY) && c.first_reply_target_seconds() > 0) {
      clocks.Start(v1::SLA_METRIC_FIRST_REPLY, c.first_reply_target_seconds());
    }
    if (!clocks.Exists(v1::SLA_METRIC_RESOLUTION) && c.resolution_target_seconds() > 0) {
      clocks.Start(v1::SLA_METRIC_RESOLUTION, c.resolution_target_seconds());
    }
    // A customer waiting for an answer again: the next-reply clock runs (after a first reply).
    const v1::SlaClock* first = nullptr;
    for (const auto& k : c.clocks())
      if (k.metric() == v1::SLA_METRIC_FIRST_REPLY) first = &k;
    if (first != nullptr && first->has_stopped_at() && !clocks.Running(v1::SLA_METRIC_NEXT_REPLY) &&
        c.next_reply_target_seconds() > 0) {
      clocks.Start(v1::SLA_METRIC_NEXT_REPLY, c.next_reply_target_seconds());
    }
  } else if (!p.internal && who == Who::kAgent) {
    clocks.Stop(v1::SLA_METRIC_FIRST_REPLY);
    clocks.Stop(v1::SLA_METRIC_NEXT_REPLY);
    if (to == v1::CONVERSATION_STATUS_NEW) to = v1::CONVERSATION_STATUS_OPEN;
  }
  m->set_status_after(to);
  return Finish(c, std::move(e), clocks);
}

bool PlatformSide(Who who) { return who == Who::kAgent || who == Who::kSystem; }

absl::StatusOr<std::vector<ConversationEvent>> DecideDelivery(const Conversation& c, const ReportDelivery& r,
                                                              const Actor& actor, const ConversationContext& ctx) {
  if (!PlatformSide(WhoIs(actor)) || actor.role() == common::v1::ROLE_AGENT) {
    return absl::PermissionDeniedError("only the channel connector (a service or integrator key) reports deliveries");
  }
  const v1::Message* message = nullptr;
  for (const auto& m : c.messages())
    if (m.message_id() == r.message_id) message = &m;
  if (message == nullptr) return absl::NotFoundError("message_id: no such message in this conversation");
  if (message->delivery_state() == v1::DELIVERY_STATE_UNSPECIFIED) {
    return absl::FailedPreconditionError("message_id: not an outbound message (the buyer's own, or an internal note)");
  }
  const v1::DeliveryState now = message->delivery_state();
  if (now == r.state && message->delivery_reference() == r.delivery_reference &&
      message->delivery_error() == r.error) {
    return std::vector<ConversationEvent>{};  // the same report again
  }
  if (now == v1::DELIVERY_STATE_DELIVERED) {
    return absl::FailedPreconditionError(absl::StrCat("message_id: reported DELIVERED already (delivery_reference ",
                                                      message->delivery_reference(), ")"));
  }
  ConversationEvent e;
  auto* d = e.mutable_message_delivery_reported();
  d->set_message_id(r.message_id);
  d->set_state(r.state);
  d->set_delivery_reference(r.delivery_reference);
  d->set_error(r.error);
  Clocks clocks(c, ctx.hours, ctx.now);
  return Finish(c, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecideAssign(const Conversation& c, const Assign& a, const Actor& actor,
                                                            const ConversationContext& ctx) {
  if (!PlatformSide(WhoIs(actor))) return absl::PermissionDeniedError("only agents and the platform assign");
  if (Terminal(c.status())) return absl::FailedPreconditionError("conversation_id: the conversation is closed");
  if (a.agent_id.empty()) return absl::InvalidArgumentError("agent_id: required");
  if (a.agent_id == c.assignee_id()) return std::vector<ConversationEvent>{};  // assigned already
  if (!c.assignee_id().empty() && a.reason.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: required for a transfer (assigned to ", c.assignee_id(), ")"));
  }
  ConversationEvent e;
  auto* x = e.mutable_conversation_assigned();
  x->set_agent_id(a.agent_id);
  x->set_previous_agent_id(c.assignee_id());
  x->set_reason(a.reason);
  Clocks clocks(c, ctx.hours, ctx.now);
  return Finish(c, std::move(e), clocks);
}

bool Allowed(Status from, Status to) {
  using namespace v1;
  switch (to) {
    case CONVERSATION_STATUS_OPEN:
      return from == CONVERSATION_STATUS_NEW || from == CONVERSATION_STATUS_PENDING_CUSTOMER ||
             from == CONVERSATION_STATUS_ON_HOLD || from == CONVERSATION_STATUS_SOLVED;
    case CONVERSATION_STATUS_PENDING_CUSTOMER:
    case CONVERSATION_STATUS_ON_HOLD:
    case CONVERSATION_STATUS_SOLVED:
      return from == CONVERSATION_STATUS_NEW || from == CONVERSATION_STATUS_OPEN ||
             from == CONVERSATION_STATUS_PENDING_CUSTOMER || from == CONVERSATION_STATUS_ON_HOLD;
    case CONVERSATION_STATUS_CLOSED: return from == CONVERSATION_STATUS_SOLVED;
    default: return false;
  }
}

// The status change and what it does to the clocks.
absl::StatusOr<std::vector<ConversationEvent>> ChangeStatus(const Conversation& c, Status to, const std::string& note,
                                                            const ConversationContext& ctx,
                                                            const std::string& expired_deadline_id) {
  if (c.status() == to) return std::vector<ConversationEvent>{};
  if (!Allowed(c.status(), to)) {
    return absl::FailedPreconditionError(
        absl::StrCat("to: a ", StatusName(c.status()), " conversation cannot become ", StatusName(to)));
  }
  if (to == v1::CONVERSATION_STATUS_CLOSED && c.has_complaint() && c.complaint().outcome().empty()) {
    return absl::FailedPreconditionError(
        "to: the complaint needs its outcome first (RecordComplaintOutcome) before the conversation closes");
  }
  Clocks clocks(c, ctx.hours, ctx.now);
  if (c.status() == v1::CONVERSATION_STATUS_PENDING_CUSTOMER) clocks.ResumeAll();
  if (c.status() == v1::CONVERSATION_STATUS_SOLVED && to != v1::CONVERSATION_STATUS_CLOSED) {
    clocks.Restart(v1::SLA_METRIC_RESOLUTION);
  }
  if (to == v1::CONVERSATION_STATUS_PENDING_CUSTOMER) clocks.PauseAll();
  if (to == v1::CONVERSATION_STATUS_SOLVED) {
    clocks.Stop(v1::SLA_METRIC_FIRST_REPLY);
    clocks.Stop(v1::SLA_METRIC_NEXT_REPLY);
    clocks.Stop(v1::SLA_METRIC_RESOLUTION);
  }
  ConversationEvent e;
  e.set_expired_deadline_id(expired_deadline_id);
  auto* x = e.mutable_status_changed();
  x->set_from(c.status());
  x->set_to(to);
  x->set_note(note);
  return Finish(c, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecideStatus(const Conversation& c, const SetStatus& s,
                                                            const Actor& actor, const ConversationContext& ctx) {
  const Who who = WhoIs(actor);
  if (!PlatformSide(who)) {
    // A buyer may only say their question is answered (solved) or withdraw (closed from solved).
    if (!(who == Who::kCustomer && s.to == v1::CONVERSATION_STATUS_SOLVED)) {
      return absl::PermissionDeniedError("only agents change the status (a buyer may mark it solved)");
    }
  }
  if (!v1::ConversationStatus_IsValid(s.to) || s.to == v1::CONVERSATION_STATUS_UNSPECIFIED ||
      s.to == v1::CONVERSATION_STATUS_NEW) {
    return absl::InvalidArgumentError("to: OPEN, PENDING_CUSTOMER, ON_HOLD, SOLVED or CLOSED");
  }
  return ChangeStatus(c, s.to, s.note, ctx, "");
}

absl::StatusOr<std::vector<ConversationEvent>> DecideRate(const Conversation& c, const Rate& r, const Actor& actor,
                                                          const ConversationContext& ctx) {
  if (WhoIs(actor) != Who::kCustomer && WhoIs(actor) != Who::kSystem) {
    return absl::PermissionDeniedError("only the buyer rates a conversation");
  }
  if (c.status() != v1::CONVERSATION_STATUS_SOLVED && c.status() != v1::CONVERSATION_STATUS_CLOSED) {
    return absl::FailedPreconditionError("the survey opens when the conversation is solved");
  }
  if (c.has_rating()) {
    if (c.rating().score() == r.score && c.rating().reason() == r.reason) return std::vector<ConversationEvent>{};
    return absl::AlreadyExistsError("score: the conversation was rated already (one answer per conversation)");
  }
  if (r.score < 1 || r.score > kMaxScore) return absl::InvalidArgumentError("score: 1..5");
  if (r.score <= 2 && r.reason.empty()) return absl::InvalidArgumentError("reason: required for a score of 1 or 2");
  ConversationEvent e;
  auto* x = e.mutable_conversation_rated()->mutable_rating();
  x->set_score(r.score);
  x->set_reason(r.reason);
  *x->mutable_at() = ToTimestamp(ctx.now);
  Clocks clocks(c, ctx.hours, ctx.now);
  return Finish(c, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecideComplaint(const Conversation& c, const FlagComplaint& f,
                                                               const Actor& actor, const ConversationContext& ctx) {
  if (WhoIs(actor) == Who::kOther)
    return absl::PermissionDeniedError("only the buyer or the platform flags complaints");
  if (Terminal(c.status())) return absl::FailedPreconditionError("conversation_id: the conversation is closed");
  if (c.has_complaint()) return std::vector<ConversationEvent>{};  // flagged already
  if (f.about == v1::COMPLAINT_ABOUT_UNSPECIFIED || !v1::ComplaintAbout_IsValid(f.about)) {
    return absl::InvalidArgumentError("about: SELLER, CARRIER, PLATFORM or AGENT");
  }
  if (f.reason.empty()) return absl::InvalidArgumentError("reason: required");
  ConversationEvent e;
  auto* x = e.mutable_complaint_flagged()->mutable_complaint();
  x->set_about(f.about);
  x->set_subject_id(f.subject_id.empty() && f.about == v1::COMPLAINT_ABOUT_SELLER ? c.seller_id() : f.subject_id);
  x->set_reason(f.reason);
  *x->mutable_flagged_at() = ToTimestamp(ctx.now);
  Clocks clocks(c, ctx.hours, ctx.now);
  return Finish(c, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecideOutcome(const Conversation& c, const RecordComplaintOutcome& o,
                                                             const Actor& actor, const ConversationContext& ctx) {
  if (!PlatformSide(WhoIs(actor))) return absl::PermissionDeniedError("only agents record a complaint's outcome");
  if (!c.has_complaint()) return absl::FailedPreconditionError("no complaint is flagged on this conversation");
  if (o.outcome.empty()) return absl::InvalidArgumentError("outcome: required");
  if (!c.complaint().outcome().empty()) {
    if (c.complaint().outcome() == o.outcome) return std::vector<ConversationEvent>{};
    return absl::AlreadyExistsError("outcome: recorded already");
  }
  ConversationEvent e;
  e.mutable_complaint_resolved()->set_outcome(o.outcome);
  Clocks clocks(c, ctx.hours, ctx.now);
  return Finish(c, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecideFire(const Conversation& c, const FireDeadline& f,
                                                          const ConversationContext& ctx) {
  if (c.deadline_id() != f.deadline_id || FromTimestamp(c.deadline_at()) > ctx.now ||
      f.deadline_id.rfind(absl::StrCat(c.conversation_id(), "/"), 0) != 0) {
    return std::vector<ConversationEvent>{};  // stale, not due, or not this conversation's
  }
  const std::string rest = f.deadline_id.substr(c.conversation_id().size() + 1);
  if (rest.rfind("close@", 0) == 0) {
    return ChangeStatus(c, v1::CONVERSATION_STATUS_CLOSED, "closed by itself after solved", ctx, f.deadline_id);
  }
  const bool warn = rest.rfind("warn/", 0) == 0;
  const size_t slash = rest.find('/'), at = rest.find('@');
  if (slash == std::string::npos || at == std::string::npos || at < slash) return std::vector<ConversationEvent>{};
  const std::string metric_name = rest.substr(slash + 1, at - slash - 1);
  v1::SlaMetric metric = v1::SLA_METRIC_UNSPECIFIED;
  v1::SlaMetric_Parse(absl::StrCat("SLA_METRIC_", metric_name), &metric);
  Clocks clocks(c, ctx.hours, ctx.now);
  v1::SlaClock* k = Find(clocks.all(), metric);
  if (k == nullptr) return std::vector<ConversationEvent>{};
  ConversationEvent e;
  e.set_expired_deadline_id(f.deadline_id);
  if (warn) {
    k->set_warned(true);
    k->clear_warn_at();
    e.mutable_sla_warning()->set_metric(metric);
    *e.mutable_sla_warning()->mutable_due_at() = k->due_at();
    return Finish(c, std::move(e), clocks);
  }
  k->set_state(v1::CLOCK_STATE_BREACHED);
  *k->mutable_breached_at() = ToTimestamp(ctx.now);
  auto* b = e.mutable_sla_breached();
  b->set_metric(metric);
  *b->mutable_due_at() = k->due_at();
  k->clear_due_at();
  k->clear_warn_at();
  b->set_priority_after(c.priority() >= v1::PRIORITY_URGENT ? v1::PRIORITY_URGENT
                                                            : static_cast<v1::Priority>(c.priority() + 1));
  return Finish(c, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecideMerge(const Conversation& c, const Merge& m, const Actor& actor,
                                                           const ConversationContext& ctx) {
  // The buyer does not decide which of their threads the team works in; sellers see none.
  if (WhoIs(actor) != Who::kAgent) return absl::PermissionDeniedError("only agents, admins and integrators merge");
  if (m.target_id.empty()) return absl::InvalidArgumentError("target_conversation_id: required");
  if (m.target_id == c.conversation_id()) {
    return absl::InvalidArgumentError("target_conversation_id: a conversation cannot be merged into itself");
  }
  if (Terminal(c.status())) return absl::FailedPreconditionError("source_conversation_id: the conversation is closed");
  const std::optional<Conversation>& t = ctx.merge_target;
  if (!t || t->version() == 0 || t->tenant_id() != c.tenant_id() || !CanSee(*t, actor)) {
    return absl::NotFoundError("target_conversation_id: no such conversation");
  }
  if (!t->merged_into_id().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("target_conversation_id: merged into ", t->merged_into_id(), " already; merge into that one"));
  }
  if (Terminal(t->status())) return absl::FailedPreconditionError("target_conversation_id: the conversation is closed");
  if (t->buyer_id() != c.buyer_id()) {
    return absl::FailedPreconditionError("target_conversation_id: another buyer's conversation");
  }
  if (c.has_complaint() && c.complaint().outcome().empty()) {
    return absl::FailedPreconditionError(
        "source_conversation_id: the complaint needs its outcome first (RecordComplaintOutcome) before a merge");
  }
  ConversationEvent e;
  auto* x = e.mutable_conversation_merged_into();
  x->set_target_id(m.target_id);
  x->set_note(m.note);
  // Frozen, not stopped: the work goes on in the target, so no verdict (met/breached) is counted here.
  Clocks clocks(c, ctx.hours, ctx.now);
  clocks.PauseAll();
  return Finish(c, std::move(e), clocks);
}

absl::StatusOr<std::vector<ConversationEvent>> DecideAbsorb(const Conversation& c, const Absorb& a, const Actor& actor,
                                                            const ConversationContext& ctx) {
  if (WhoIs(actor) != Who::kSystem)
    return absl::PermissionDeniedError("only the platform absorbs a merged conversation");
  const Conversation& s = a.source;
  if (s.conversation_id().empty() || s.merged_into_id() != c.conversation_id()) {
    return absl::FailedPreconditionError("source: not merged into this conversation");
  }
  for (const auto& id : c.merged_from_ids())
    if (id == s.conversation_id()) return std::vector<ConversationEvent>{};  // absorbed already
  // The decision was taken on the source: a target closed since still takes the copy (nothing half-done).
  ConversationEvent e;
  auto* x = e.mutable_conversation_absorbed();
  x->set_source_id(s.conversation_id());
  for (const v1::Message& m : s.messages()) {
    v1::Message copy = m;
    copy.set_message_id(absl::StrCat(c.conversation_id(), "/from/", m.message_id()));
    *x->add_messages() = std::move(copy);
  }
  Clocks clocks(c, ctx.hours, ctx.now);
  return Finish(c, std::move(e), clocks);
}

}  // namespace

std::optional<v1::SlaTarget> TargetFor(const v1::SlaPolicy& policy, v1::Priority priority, v1::Channel channel) {
  std::optional<v1::SlaTarget> any;
  for (const auto& t : policy.targets()) {
    if (t.priority() != priority) continue;
    if (t.channel() == channel) return t;
    if (t.channel() == v1::CHANNEL_UNSPECIFIED) any = t;
  }
  return any;
}

bool CanSee(const Conversation& c, const Actor& actor) {
  switch (actor.role()) {
    case common::v1::ROLE_BUYER: return actor.party_id() == c.buyer_id();
    case common::v1::ROLE_SELLER:
    case common::v1::ROLE_UNSPECIFIED: return false;
    default: return true;
  }
}

std::vector<v1::SlaClock> ClocksAt(const Conversation& c, const timer::BusinessHours& hours, absl::Time now) {
  std::vector<v1::SlaClock> out(c.clocks().begin(), c.clocks().end());
  for (auto& k : out) {
    int64_t elapsed = k.consumed_seconds();
    if (Ticking(k)) {
      elapsed += absl::ToInt64Seconds(timer::BusinessElapsed(hours, FromTimestamp(k.running_since()), now));
    }
    k.set_elapsed_seconds(elapsed);
  }
  return out;
}

absl::StatusOr<std::vector<ConversationEvent>> Decide(const Conversation& c, const ConversationCommand& command,
                                                      const Actor& actor, const ConversationContext& ctx) {
  if (const auto* s = std::get_if<StartConversation>(&command)) return DecideStart(c, *s, actor, ctx);
  if (c.version() == 0 || !CanSee(c, actor)) return absl::NotFoundError("conversation_id: no such conversation");
  if (!c.merged_into_id().empty()) {
    if (std::holds_alternative<FireDeadline>(command)) return std::vector<ConversationEvent>{};
    // A message sent before the merge is still delivered (or not): the connector's report is a fact.
    if (const auto* d = std::get_if<ReportDelivery>(&command)) return DecideDelivery(c, *d, actor, ctx);
    if (const auto* m = std::get_if<Merge>(&command); m && m->target_id == c.merged_into_id()) {
      return std::vector<ConversationEvent>{};  // merged there already
    }
    return absl::FailedPreconditionError(
        absl::StrCat("conversation_id: merged into ", c.merged_into_id(), "; continue there"));
  }
  if (const auto* m = std::get_if<Merge>(&command)) return DecideMerge(c, *m, actor, ctx);
  if (const auto* a = std::get_if<Absorb>(&command)) return DecideAbsorb(c, *a, actor, ctx);
  if (const auto* p = std::get_if<PostMessage>(&command)) return DecidePost(c, *p, actor, ctx);
  if (const auto* a = std::get_if<Assign>(&command)) return DecideAssign(c, *a, actor, ctx);
  if (const auto* s = std::get_if<SetStatus>(&command)) return DecideStatus(c, *s, actor, ctx);
  if (const auto* r = std::get_if<Rate>(&command)) return DecideRate(c, *r, actor, ctx);
  if (const auto* f = std::get_if<FlagComplaint>(&command)) return DecideComplaint(c, *f, actor, ctx);
  if (const auto* o = std::get_if<RecordComplaintOutcome>(&command)) return DecideOutcome(c, *o, actor, ctx);
  if (const auto* d = std::get_if<ReportDelivery>(&command)) return DecideDelivery(c, *d, actor, ctx);
  return DecideFire(c, std::get<FireDeadline>(command), ctx);
}

Conversation Evolve(Conversation c, const ConversationEvent& e) {
  const common::v1::EventEnvelope& env = e.envelope();
  switch (e.payload_case()) {
    case ConversationEvent::kConversationStarted: {
      const auto& s = e.conversation_started();
      c.set_case_id(s.case_id());
      c.set_buyer_id(s.buyer_id());
      c.set_seller_id(s.seller_id());
      c.set_language(s.language());
      c.set_channel(s.channel());
      c.set_priority(s.priority());
      c.set_subject(s.subject());
      c.set_team_id(s.team_id());
      c.set_sla_policy_version(s.sla_policy_version());
      c.set_business_hours(s.business_hours());
      c.set_warn_before_bps(s.warn_before_bps());
      c.set_auto_close_seconds(s.auto_close_seconds());
      c.set_next_reply_target_seconds(s.next_reply_target_seconds());
      c.set_first_reply_target_seconds(s.first_reply_target_seconds());
      c.set_resolution_target_seconds(s.resolution_target_seconds());
      c.set_status(v1::CONVERSATION_STATUS_NEW);
      if (s.has_first_message()) *c.add_messages() = s.first_message();
      if (env.has_occurred_at()) *c.mutable_started_at() = env.occurred_at();
      break;
    }
    case ConversationEvent::kMessagePosted:
      *c.add_messages() = e.message_posted().message();
      c.set_status(e.message_posted().status_after());
      if (c.status() != v1::CONVERSATION_STATUS_SOLVED) c.clear_solved_at();
      break;
    case ConversationEvent::kConversationAssigned: c.set_assignee_id(e.conversation_assigned().agent_id()); break;
    case ConversationEvent::kStatusChanged:
      c.set_status(e.status_changed().to());
      if (c.status() == v1::CONVERSATION_STATUS_SOLVED && env.has_occurred_at()) {
        *c.mutable_solved_at() = env.occurred_at();
      } else if (c.status() != v1::CONVERSATION_STATUS_CLOSED) {
        c.clear_solved_at();
      }
      break;
    case ConversationEvent::kSlaBreached:
      c.set_priority(e.sla_breached().priority_after());
      c.set_escalations(c.escalations() + 1);
      c.clear_assignee_id();  // released: the queue reassigns it
      break;
    case ConversationEvent::kConversationRated: *c.mutable_rating() = e.conversation_rated().rating(); break;
    case ConversationEvent::kComplaintFlagged: *c.mutable_complaint() = e.complaint_flagged().complaint(); break;
    case ConversationEvent::kConversationMergedInto:
      c.set_merged_into_id(e.conversation_merged_into().target_id());
      c.set_status(v1::CONVERSATION_STATUS_CLOSED);
      break;
    case ConversationEvent::kConversationAbsorbed:
      for (const auto& m : e.conversation_absorbed().messages()) *c.add_messages() = m;
      c.add_merged_from_ids(e.conversation_absorbed().source_id());
      break;
    case ConversationEvent::kComplaintResolved:
      c.mutable_complaint()->set_outcome(e.complaint_resolved().outcome());
      if (env.has_occurred_at()) *c.mutable_complaint()->mutable_resolved_at() = env.occurred_at();
      break;
    case ConversationEvent::kMessageDeliveryReported: {
      const auto& d = e.message_delivery_reported();
      for (auto& m : *c.mutable_messages()) {
        if (m.message_id() != d.message_id()) continue;
        m.set_delivery_state(d.state());
        m.set_delivery_reference(d.delivery_reference());
        m.set_delivery_error(d.error());
        if (env.has_occurred_at()) *m.mutable_delivery_reported_at() = env.occurred_at();
      }
      break;
    }
    default: break;
  }
  if (e.payload_case() != ConversationEvent::PAYLOAD_NOT_SET) {
    c.clear_clocks();
    for (const auto& k : e.clocks()) *c.add_clocks() = k;
  }
  if (!env.aggregate_id().empty()) c.set_conversation_id(env.aggregate_id());
  if (!env.tenant_id().empty()) c.set_tenant_id(env.tenant_id());
  c.set_version(env.version());
  if (env.has_occurred_at()) *c.mutable_updated_at() = env.occurred_at();
  c.set_deadline_id(e.next_deadline_id());
  if (e.has_next_deadline_at()) {
    *c.mutable_deadline_at() = e.next_deadline_at();
  } else {
    c.clear_deadline_at();
  }
  return c;
}

}  // namespace aftersales::customer_service
