// Prints README's options table from the parser's own option table (config/option_table.cpp);
// with --keys, one OPTION_KEY("name") line per key, which the integration tests' coverage
// index checks at compile time (tests/integration/option_coverage.cpp).
#include <cstdio>
#include <cstring>

#include "config/config.hpp"
#include "config/option_docs.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--keys") == 0) {
    for (const auto& d : mfs::config::option_table()) std::printf("OPTION_KEY(\"%s\")\n", d.name.c_str());
    return 0;
  }
  std::fputs(mfs::config::render_options_markdown().c_str(), stdout);
  return 0;
}
