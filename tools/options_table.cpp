// Prints README's options table from the parser's own option table (config/option_table.cpp).
#include <cstdio>

#include "config/option_docs.hpp"

int main() {
  std::fputs(mfs::config::render_options_markdown().c_str(), stdout);
  return 0;
}
