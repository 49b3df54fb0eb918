// The branch actor: one per branch. Owns its health, free-space refresh, cache policy and the
// plain (abandonable) threads that run its probes. Header is CAF-only: include from actors/.
#pragma once
#include <memory>

#include "messages/actor_messages.hpp"

namespace mfs {

class BranchState;

caf::behavior branch_actor(caf::event_based_actor* self, std::shared_ptr<BranchState> rt,
                           msg::BranchSettings settings);

}  // namespace mfs
