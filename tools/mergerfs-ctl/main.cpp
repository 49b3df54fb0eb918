// mergerfs-ctl: the pool's runtime interface from the command line. Everything goes through
// the control-file xattrs (MOUNT/.mergerfs), so it works with any user.mergerfs.* tool beside it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "tools/mergerfs-ctl/control.hpp"
#include "tools/mergerfs-ctl/rebalance.hpp"
#include "tools/mergerfs-ctl/stats_view.hpp"

namespace {

using namespace mfs::ctl;

int fail(const CtlError& e) {
  std::cerr << "mergerfs-ctl: " << e.what() << "\n";
  return e.code();
}

void cmd_info(const ControlFile& cf) {
  auto get = [&](const std::string& k) {
    std::string v;
    return cf.try_get(k, v) == 0 ? v : std::string("-");
  };
  std::string branches = get("branches");
  size_t count = 0, ok = 0;
  std::string health;
  try {
    StatsDump d = read_stats(cf);
    for (const auto& a : d.details) {
      if (a["kind"].str() != "branch") continue;
      ++count;
      ok += a["answering"].boolean(true) && a["health"].str() == "ok";
    }
    health = std::to_string(count) + " (" + std::to_string(ok) + " ok)";
  } catch (const CtlError&) {
    health = "-";
  }
  std::printf("mountpoint:  %s\n", cf.mount().c_str());
  std::printf("version:     %s\n", get("version").c_str());
  std::printf("pid:         %s\n", get("pid").c_str());
  std::printf("fsname:      %s\n", get("fsname").c_str());
  std::printf("branches:    %s\n", health.c_str());
  std::printf("policies:    create=%s search=%s action=%s\n", get("category.create").c_str(),
              get("category.search").c_str(), get("category.action").c_str());
  std::printf("branch list: %s\n", branches.c_str());
}

int cmd_stats(const ControlFile& cf, bool json, bool prom, double watch) {
  bool tty = ::isatty(STDOUT_FILENO);
  for (;;) {
    StatsDump d = read_stats(cf);
    std::string out = json ? render_stats_json(d) : prom ? render_stats_prometheus(d) : render_stats_table(d);
    if (watch > 0 && tty && !json && !prom) std::fputs("\033[H\033[2J", stdout);
    std::fputs(out.c_str(), stdout);
    if (watch <= 0) return kOk;
    if (!tty || json || prom) std::fputs("\n", stdout);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(watch));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mergerfs-ctl: inspect and change a running mergerfs pool through MOUNT/.mergerfs",
               "mergerfs-ctl"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", std::string("mergerfs-ctl v") + MERGERFS_VERSION);
  app.footer(
      "Exit codes: 0 ok, 1 failed, 2 bad command line, 3 MOUNT is not a pool,\n"
      "4 not root for a change, 5 unknown or read-only key, 6 invalid value.");

  std::string mount, key, value;
  std::vector<std::string> keys;
  bool json = false, prom = false;
  double watch = 0;

  auto add_mount = [&](CLI::App* sub) {
    sub->add_option("MOUNT", mount, "the pool's mountpoint")->required();
  };
  auto* info = app.add_subcommand("info", "version, pid, fsname, branches and policies");
  add_mount(info);
  auto* list = app.add_subcommand("list", "every listed key as key=value");
  add_mount(list);
  auto* get = app.add_subcommand("get", "print the value of one or more keys");
  add_mount(get);
  get->add_option("KEY", keys, "key, with or without the user.mergerfs. prefix")->required();
  auto* set = app.add_subcommand("set", "change a key at runtime (root only)");
  add_mount(set);
  set->add_option("KEY", key, "key, or cmd.NAME for a command")->required();
  auto* value_opt =
      set->add_option("VALUE", value, "new value; branches also take instructions (+>PATH, -PATH, ...)");
  // Branch instructions start with '-' (-PATH, -<, ->): such a VALUE is not an option.
  set->allow_extras();
  auto* branches = app.add_subcommand("branches", "each branch: path, mode, free/total, used, health");
  add_mount(branches);
  auto* stats = app.add_subcommand("stats", "every actor's statistics (a table by default)");
  add_mount(stats);
  auto* json_flag = stats->add_flag("--json", json, "the summary and every actor's detail as JSON");
  stats->add_flag("--prometheus", prom, "Prometheus text exposition format")->excludes(json_flag);
  stats->add_option("--watch", watch, "redraw every SECONDS until interrupted")
      ->check(CLI::PositiveNumber);
  auto* rebalance = app.add_subcommand("rebalance", "move files until branches are within a threshold");
  add_mount(rebalance);
  RebalanceArgs rb;
  rebalance->add_option("--threshold", rb.threshold,
                        "percentage points of used space between fullest and emptiest branch "
                        "(sets rebalance.threshold; default: its current value)")
      ->check(CLI::Range(0.0, 100.0));
  auto* dry_flag = rebalance->add_flag("--dry-run", rb.dry_run, "print the plan, move nothing");
  rebalance->add_flag("--wait", rb.wait, "draw a progress bar until done (exit 0 when done)")
      ->excludes(dry_flag);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }

  if (set->parsed()) {
    std::vector<std::string> extra;
    for (auto& a : set->remaining())
      if (a != "--") extra.push_back(a);
    if (value_opt->count() + extra.size() != 1) {
      std::cerr << (value_opt->count() + extra.size() ? "set: too many arguments\n" : "VALUE is required\n")
                << "Run with --help for more information.\n";
      return kUsage;
    }
    if (!value_opt->count()) value = extra.front();
  }
  try {
    ControlFile cf(mount);
    if (info->parsed()) {
      cmd_info(cf);
    } else if (list->parsed()) {
      for (const auto& k : cf.keys()) {
        std::string v;
        if (cf.try_get(k, v) == 0) std::printf("%s=%s\n", k.c_str(), v.c_str());
      }
    } else if (get->parsed()) {
      for (const auto& k : keys) std::printf("%s\n", cf.get(k).c_str());
    } else if (set->parsed()) {
      cf.set(key, value);
    } else if (branches->parsed()) {
      std::fputs(render_branches(read_stats(cf)).c_str(), stdout);
    } else if (stats->parsed()) {
      return cmd_stats(cf, json, prom, watch);
    } else if (rebalance->parsed()) {
      return cmd_rebalance(cf, rb);
    }
  } catch (const CtlError& e) {
    return fail(e);
  }
  return kOk;
}
