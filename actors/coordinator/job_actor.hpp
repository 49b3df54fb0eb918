// The job actor: spawned detached (its own thread), runs one blocking msg::Job and quits. The
// pool runs moveonenospc moves on it and the coordinator runs rebalance runs on it, so a copy
// never blocks a scheduler worker. CAF-only header.
#pragma once
#include <string>

#include "messages/actor_messages.hpp"

namespace mfs {

// `label` names the job in logs and debuggers. It is also why the actor takes an argument at
// all: CAF 0.17 dereferences a null argument tuple for a spawn without arguments (UBSan:
// reference binding to null pointer).
msg::JobActor::behavior_type job_actor(msg::JobActor::pointer self, std::string label);

}  // namespace mfs
