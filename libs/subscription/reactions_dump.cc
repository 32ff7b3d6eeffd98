// reactions_dump <store dir>: prints the pending reactions (in the order they would run per key)
// and the dead letters of a service's store. Opens the store read-only: it changes nothing and
// works beside the running service.
#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/store/store.h"
#include "libs/subscription/reactions.h"

namespace {

using aftersales::subscription::DecodeDeadLetter;
using aftersales::subscription::DecodeReaction;
using aftersales::subscription::Reaction;

std::string Describe(const Reaction& r) {
  return absl::StrCat(absl::CHexEscape(r.id), "\tname=", r.name, "\tkey=\"", absl::CHexEscape(r.key),
                      "\"\tsource=", r.partition, "/", r.offset, "\tpayload=", r.payload.size(), " bytes",
                      r.traceparent.empty() ? "" : absl::StrCat("\ttraceparent=", r.traceparent));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: reactions_dump <store dir>   (pending reactions and dead letters)\n");
    return 2;
  }
  aftersales::store::StoreOptions options;
  options.path = argv[1];
  options.read_only = true;
  auto store = aftersales::store::Store::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  int failures = 0;
  int pending = 0;
  std::printf("pending reactions (queue order per key):\n");
  auto st =
      (*store)->Scan(aftersales::subscription::kReactionsFamily, "q/", "", [&](std::string_view, std::string_view id) {
        auto row = (*store)->Get(aftersales::subscription::kReactionsFamily,
                                 absl::StrCat("p/", absl::string_view(id.data(), id.size())));
        if (!row.ok() || !row->has_value()) {
          std::printf("  %s\t(queue row without its reaction)\n",
                      absl::CHexEscape(absl::string_view(id.data(), id.size())).c_str());
          ++failures;
          return true;
        }
        auto r = DecodeReaction(**row);
        if (!r.ok()) {
          std::printf("  %s\t%s\n", absl::CHexEscape(absl::string_view(id.data(), id.size())).c_str(),
                      std::string(r.status().message()).c_str());
          ++failures;
          return true;
        }
        std::printf("  %s\n", Describe(*r).c_str());
        ++pending;
        return true;
      });
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::printf("  (%d pending)\n", pending);
  int dead = 0;
  std::printf("dead letters:\n");
  st = (*store)->Scan(
      aftersales::subscription::kDeadReactionsFamily, "", "", [&](std::string_view k, std::string_view v) {
        auto d = DecodeDeadLetter(absl::string_view(v.data(), v.size()));
        if (!d.ok()) {
          std::printf("  %s\t%s\n", absl::CHexEscape(absl::string_view(k.data(), k.size())).c_str(),
                      std::string(d.status().message()).c_str());
          ++failures;
          return true;
        }
        std::printf("  %s\tstatus=%s\tat=%s\tattempts=%d\n", Describe(d->reaction).c_str(),
                    d->status.ToString().c_str(),
                    absl::FormatTime(absl::RFC3339_full, d->at, absl::UTCTimeZone()).c_str(), d->attempts);
        ++dead;
        return true;
      });
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::printf("  (%d dead letters)\n", dead);
  return failures == 0 ? 0 : 1;
}
