// mergerfs-ctl rebalance; see rebalance.hpp.
#include "tools/mergerfs-ctl/rebalance.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tools/mergerfs-ctl/stats_view.hpp"

namespace mfs::ctl {
namespace {

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

JsonView read_progress(const ControlFile& cf) {
  std::string err;
  auto j = JsonView::parse(cf.get("rebalance"), &err);
  if (!j) throw CtlError(kFailed, "rebalance: unreadable progress: " + err);
  return *j;
}

bool finished(const JsonView& p) {
  std::string s = p["state"].str();
  return s == "done" || s == "stopped" || s == "idle";
}

std::string eta_text(const JsonView& p) {
  if (p["eta_s"].is_null()) return "-";
  auto s = static_cast<uint64_t>(p["eta_s"].num());
  char b[32];
  std::snprintf(b, sizeof b, "%llu:%02llu", static_cast<unsigned long long>(s / 60),
                static_cast<unsigned long long>(s % 60));
  return b;
}

std::string bar(const JsonView& p, int width) {
  uint64_t total = p["planned_bytes"].u64(), done = p["moved_bytes"].u64() + p["current_bytes"].u64();
  double f = total ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 1.0;
  if (finished(p)) f = p["state"].str() == "done" ? 1.0 : f;
  int fill = static_cast<int>(f * width + 0.5);
  return "[" + std::string(static_cast<size_t>(fill), '#') +
         std::string(static_cast<size_t>(width - fill), '.') + "] " + fixed(f * 100, 0) + "%";
}

void print_plan(const JsonView& p) {
  for (const auto& m : p["plan"].elements())
    std::printf("move %s  %s -> %s  (%s)\n", m["path"].str().c_str(), m["from"].str().c_str(),
                m["to"].str().c_str(), human_bytes(m["bytes"].u64()).c_str());
  if (p["plan_omitted"].u64())
    std::printf("... and %llu more\n", static_cast<unsigned long long>(p["plan_omitted"].u64()));
  std::printf("plan: %llu files, %s; spread now %s%% (threshold %s%%); skipped %llu "
              "(several links %llu, several copies %llu)\n",
              static_cast<unsigned long long>(p["planned"].u64()),
              human_bytes(p["planned_bytes"].u64()).c_str(), fixed(p["spread"].num(), 2).c_str(),
              fixed(p["threshold"].num(), 2).c_str(),
              static_cast<unsigned long long>(p["skipped"].u64()),
              static_cast<unsigned long long>(p["skipped_links"].u64()),
              static_cast<unsigned long long>(p["skipped_copies"].u64()));
}

// Waits for the run to end, drawing a progress bar (one redrawn line on a terminal, a line
// every few seconds otherwise).
JsonView wait_for(const ControlFile& cf, bool draw) {
  bool tty = ::isatty(STDOUT_FILENO);
  auto last_line = std::chrono::steady_clock::now() - std::chrono::hours(1);
  for (;;) {
    JsonView p = read_progress(cf);
    if (draw) {
      std::string line = bar(p, 30) + "  " + describe_rebalance(p);
      auto now = std::chrono::steady_clock::now();
      if (tty) {
        std::printf("\r\033[K%s", line.c_str());
        std::fflush(stdout);
      } else if (finished(p) || now - last_line > std::chrono::seconds(2)) {
        std::printf("%s\n", line.c_str());
        last_line = now;
      }
    }
    if (finished(p)) {
      if (draw && tty) std::printf("\n");
      return p;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

std::string describe_rebalance(const JsonView& p) {
  auto u = [](const JsonView& j) { return std::to_string(j.u64()); };
  std::string s = p["state"].str() + (p["dry_run"].boolean() ? " (dry run)" : "") + ": moved " +
                  u(p["moved"]) + "/" + u(p["planned"]) + " files, " + human_bytes(p["moved_bytes"].u64()) +
                  "/" + human_bytes(p["planned_bytes"].u64()) + "; skipped " + u(p["skipped"]) +
                  " (open " + u(p["skipped_open"]) + ", links " + u(p["skipped_links"]) + ", copies " +
                  u(p["skipped_copies"]) + "); failed " + u(p["failed"]) + "; spread " +
                  fixed(p["spread"].num(), 2) + "% (threshold " + fixed(p["threshold"].num(), 2) +
                  "%); " + human_bytes(p["rate_bps"].u64()) + "/s, ETA " + eta_text(p);
  if (!p["current"].str().empty()) s += "; now " + p["current"].str();
  return s;
}

int cmd_rebalance(const ControlFile& cf, const RebalanceArgs& a) {
  if (a.threshold >= 0) cf.set("rebalance.threshold", fixed(a.threshold, 2));
  cf.set("cmd.rebalance", a.dry_run ? "dry-run" : "start");
  if (a.dry_run) {
    JsonView p = wait_for(cf, false);
    print_plan(p);
    return kOk;
  }
  if (!a.wait) {
    std::printf("rebalance started; progress: mergerfs-ctl stats %s (or --wait)\n", cf.mount().c_str());
    return kOk;
  }
  JsonView p = wait_for(cf, true);
  return p["state"].str() == "done" ? kOk : kFailed;
}

}  // namespace mfs::ctl
