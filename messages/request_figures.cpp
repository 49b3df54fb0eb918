#include "messages/request_figures.hpp"

namespace mfs::msg {

RequestFigures& request_figures() {
  static RequestFigures figures;
  return figures;
}

}  // namespace mfs::msg
