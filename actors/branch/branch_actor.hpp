// The branch actor: one per branch. Owns its health, free-space refresh, cache policy and the
// plain (abandonable) threads that run its probes. Header is CAF-only: include from actors/.
#pragma once
#include <memory>

#include "messages/actor_messages.hpp"

namespace mfs {

class BranchState;

msg::BranchActor::behavior_type branch_actor(msg::BranchActor::pointer self,
                                             std::shared_ptr<BranchState> rt,
                                             msg::BranchSettings settings);

}  // namespace mfs
