// The mergerfs daemon's entry: command line, config, checks, then fork (the parent waits for
// the child to report whether the mount worked) and run_daemon.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "tools/mergerfs/run_daemon.hpp"

namespace {

using namespace mfs;

struct CommandLine {
  bool foreground = false;
  bool fuse_debug = false;
  std::vector<std::string> opts;
  std::vector<std::string> positional;
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "mergerfs: ERROR - %s\n", msg.c_str());
  std::exit(1);
}

// Builds the config from -o strings and positional arguments, in mergerfs's order.
config::Config build_config(const CommandLine& cl, config::ParseOutcome& out) {
  config::Config cfg;
  for (const auto& o : cl.opts) config::apply_option_string(cfg, o, out);
  std::vector<std::string> pos = cl.positional;
  if (cfg.mountpoint.empty() && !pos.empty()) {
    cfg.mountpoint = pos.back();
    pos.pop_back();
  }
  for (const auto& p : pos) config::apply_option(cfg, "branches=+>" + p, out);
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cl;
  CLI::App app{"mergerfs: a union filesystem (actor edition)", "mergerfs"};
  app.set_help_flag("-h,--help", "print this help and exit");
  app.add_flag("-f", cl.foreground, "run in the foreground");
  app.add_flag("-d", cl.fuse_debug, "FUSE debug trace (implies -f)");
  app.add_option("-o", cl.opts, "options: key=value[,key=value...]")->allow_extra_args(false);
  app.add_option("args", cl.positional, "BRANCHES MOUNTPOINT");
  bool version = false;
  app.add_flag("-v,-V,--version", version, "print the version and exit");
  app.footer("Every option is given with -o; see README.md for the table.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version) {
    std::printf("mergerfs v%s (actor edition)\n", MERGERFS_VERSION);
    return 0;
  }
  openlog("mergerfs", LOG_PID, LOG_DAEMON);
  {
    std::string line;
    for (int i = 0; i < argc; ++i) line += (i ? " " : "") + std::string(argv[i]);
    syslog(LOG_INFO, "mergerfs v%s (actor edition) starting: %s", MERGERFS_VERSION, line.c_str());
  }

  config::ParseOutcome parsed;
  config::Config cfg = build_config(cl, parsed);
  if (!parsed.errors.empty()) {
    for (const auto& n : parsed.notices) syslog(LOG_NOTICE, "%s", n.c_str());
    for (const auto& e : parsed.errors) std::fprintf(stderr, "%s\n", config::format_error(e).c_str());
    return 1;
  }
  config::apply_mount_fixups(cfg, parsed.notices);
  // Notices (dropped unknown keys, ignored overrides) go to syslog and to whoever ran the
  // command: the caller's terminal, or the log of a foreground service.
  for (const auto& n : parsed.notices) {
    syslog(LOG_NOTICE, "%s", n.c_str());
    std::fprintf(stderr, "mergerfs: NOTICE - %s\n", n.c_str());
  }
  if (cl.fuse_debug) cfg.debug = true;
  std::string err;
  if (config::validate_for_mount(cfg, err) != 0) die(err);
  {
    struct stat st {};
    if (::stat(cfg.mountpoint.c_str(), &st) < 0 && errno != ENOTCONN)
      die("mountpoint " + cfg.mountpoint + ": " + std::strerror(errno));
    if (errno != ENOTCONN && !S_ISDIR(st.st_mode)) die("mountpoint " + cfg.mountpoint + " is not a directory");
  }

  if (char* real = ::realpath(cfg.mountpoint.c_str(), nullptr)) {
    cfg.mountpoint = real;
    std::free(real);
  }

  bool foreground = cl.foreground || cl.fuse_debug;
  if (foreground) return daemon::run_daemon(std::move(cfg), parsed, cl.fuse_debug, -1);

  // Fork before anything starts threads (CAF threads do not survive fork); the parent waits
  // for the child to report whether the mount worked.
  int pfd[2];
  if (::pipe2(pfd, O_CLOEXEC) < 0) die(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) {
    ::close(pfd[1]);
    char status = 1;
    ssize_t n;
    do {
      n = ::read(pfd[0], &status, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) {
      int ws = 0;
      ::waitpid(pid, &ws, 0);
      return 1;
    }
    return status;
  }
  ::close(pfd[0]);
  ::setsid();
  if (::chdir("/") != 0) {
  }
  int rc = daemon::run_daemon(std::move(cfg), parsed, false, pfd[1]);
  return rc;
}
