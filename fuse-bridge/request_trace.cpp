// The request trace: the destination follows log.file, the switch follows debug.
#include "fuse-bridge/request_trace.hpp"

#include <cstdio>
#include <mutex>

#include "config/config.hpp"

namespace mfs::bridge {
namespace {

std::mutex g_mu;
std::FILE* g_file = nullptr;  // nullptr: stderr
std::string g_path;

void write_line(const std::string& path, const std::string& line) {
  std::lock_guard<std::mutex> g(g_mu);
  if (path != g_path || (!path.empty() && !g_file)) {
    if (g_file) std::fclose(g_file);
    g_file = path.empty() ? nullptr : std::fopen(path.c_str(), "ae");
    if (g_file) std::setvbuf(g_file, nullptr, _IOLBF, 0);
    g_path = path;
  }
  std::FILE* out = g_file ? g_file : stderr;
  std::fprintf(out, "%s\n", line.c_str());
}

}  // namespace

void trace_request(fuse_req_t req, const char* op, const std::string& args) {
  const Caller c = caller_of(req);
  write_line(bridge_of(req).snapshot()->config->log_file,
             std::string(op) + " " + args + " uid=" + std::to_string(c.uid) +
                 " pid=" + std::to_string(c.pid));
}

void trace_line(const Bridge& b, const std::string& line) {
  write_line(b.snapshot()->config->log_file, line);
}

}  // namespace mfs::bridge
