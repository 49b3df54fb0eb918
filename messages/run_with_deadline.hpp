// Work that may block on a hung filesystem (a branch frozen or on a dead NFS server), run off
// the thread that must go on: each job on a detached plain thread of its own, waited for up to
// a deadline. A job that did not answer in time is abandoned: its thread finishes, or not, on
// its own, and its result is dropped with the last reference to it.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace mfs {

// Answer i is job i's result, or nullopt when it did not answer within `deadline_s` (counted
// from the call, for all jobs at once). A deadline of 0 waits: the jobs then run here, in turn.
template <class T>
std::vector<std::optional<T>> run_with_deadline(std::vector<std::function<T()>> jobs, double deadline_s) {
  std::vector<std::optional<T>> out(jobs.size());
  if (deadline_s <= 0) {
    for (size_t i = 0; i < jobs.size(); ++i) out[i] = jobs[i]();
    return out;
  }
  // Shared with the threads: one that answers late writes here, and nobody reads it.
  struct Answers {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<T>> got;
    size_t pending = 0;
  };
  auto answers = std::make_shared<Answers>();
  answers->got.resize(jobs.size());
  answers->pending = jobs.size();
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(deadline_s));
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::thread([answers, i, job = std::move(jobs[i])] {
      T r = job();
      std::lock_guard lk(answers->mu);
      answers->got[i] = std::move(r);
      --answers->pending;
      answers->cv.notify_all();
    }).detach();
  }
  std::unique_lock lk(answers->mu);
  answers->cv.wait_until(lk, until, [&] { return answers->pending == 0; });
  for (size_t i = 0; i < out.size(); ++i) out[i] = std::move(answers->got[i]);
  return out;
}

}  // namespace mfs
