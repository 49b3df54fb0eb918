// The job actor; see job_actor.hpp.
#include "actors/coordinator/job_actor.hpp"

namespace mfs {

msg::JobActor::behavior_type job_actor(msg::JobActor::pointer self, std::string) {
  return {[=](const msg::Job& job) {
    (*job)();
    self->quit();
  }};
}

}  // namespace mfs
