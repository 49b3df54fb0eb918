// debug / log.file: one line per FUSE request, switchable at runtime through the control file.
#pragma once
#include <string>
#include <type_traits>

#include "fuse-bridge/bridge.hpp"

namespace mfs::bridge {

// Appends "OP ARGS uid=U pid=P" to log.file (stderr when empty); reopens it when log.file
// changes.
void trace_request(fuse_req_t req, const char* op, const std::string& args);
// Appends one line to the trace (for INIT, which has no request context to trace).
void trace_line(const Bridge& b, const std::string& line);

// Integers and the first `strings` C strings (names); buffers and structs are not traced.
template <typename T>
void append_trace_arg(std::string& out, const T& v, int& strings) {
  if constexpr (std::is_same_v<T, const char*>) {
    if (strings-- <= 0) return;
    out += out.empty() ? "\"" : " \"";
    out += v ? v : "";
    out += '"';
  } else if constexpr (std::is_integral_v<T>) {
    out += (out.empty() ? "" : " ") + std::to_string(v);
  }
}

}  // namespace mfs::bridge
