#pragma once
// The real ticket binary as ticket_bench runs it: tests/support/ticket_process.h (a child
// process on a free loopback port, its own topic and temp dir), plus timing its start, dumping
// its store and reading its log.
//
// Every bench file that needs TicketProcess includes this header, never ticket_process.h
// itself: TicketProcess execs TICKET_BINARY, which here is the --ticket_binary flag
// (TicketBinary(), defined in main.cc) rather than a path fixed at build time.

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "aftersales/ticket/v1/ticket_service.grpc.pb.h"
#include "bench/measure.h"

namespace aftersales::bench {
// The flags --ticket_binary and --store_dump_binary.
const std::string& TicketBinary();
const std::string& StoreDumpBinary();
}  // namespace aftersales::bench

#ifdef TICKET_BINARY
#error "bench/ticket_service.h sets TICKET_BINARY itself (from --ticket_binary)"
#endif
#define TICKET_BINARY ::aftersales::bench::TicketBinary()
#include "tests/support/ticket_process.h"

namespace aftersales::bench {

// A temp dir removed on scope exit (unless keep).
struct TempDirGuard {
  std::string path;
  bool keep;
  ~TempDirGuard();
};

// The ticket service of one run, from ticket_commands (which starts it, loads it and stops it)
// to rebuild (which restarts it with --rebuild). Members go in reverse: the process is killed
// (if still running) before its dir is removed.
struct TicketRun {
  TicketRun(std::string topic_, bool keep)
      : topic(std::move(topic_)), dir{testing::TempDir("bench"), keep}, process(topic, dir.path) {}
  std::string topic;
  TempDirGuard dir;
  testing::TicketProcess process;
  int64_t commands_answered = 0;  // OK answers in ticket_commands, the first command included

  std::string service_log() const { return dir.path + "/service.log"; }
};

// Starts the service; returns the seconds from fork to SERVING. ServiceProcess::Start looks for
// the port file (written once SERVING) every 5 ms; our own watcher looks every millisecond.
// Always adds --rate_limit_per_key=0, and points watched().service at the new process.
double StartTimed(testing::TicketProcess& ticket, std::vector<std::string> extra = {});
// The same for any other service binary run as a ServiceProcess (the refund service).
double StartTimed(testing::ServiceProcess& process, std::vector<std::string> extra = {});

// A ticket stub on its own connection (ConnectedChannel); nullptr (after rec.Fail) if none.
std::shared_ptr<ticket::v1::TicketService::Stub> TicketStub(int port, Recorder& rec);

// Every row of every column family of the ticket store, through the project's own dump tool
// (--store_dump_binary; the store must be closed).
std::string DumpStore(const std::string& store_dir);

// A note on anything the service logged besides its own start/stop lines (librdkafka, gRPC,
// RocksDB), over all its runs. `service` is the prefix of its own lines ("ticket", "refund").
std::string ServiceLogNote(const std::string& service, const std::string& log_file);
inline std::string ServiceLogNote(const TicketRun& run) { return ServiceLogNote("ticket", run.service_log()); }

// The lines of a file from byte `from` on; its size (0 if it cannot be read).
std::vector<std::string> ReadLines(const std::string& path, std::streamoff from = 0);
std::streamoff FileSize(const std::string& path);

}  // namespace aftersales::bench
