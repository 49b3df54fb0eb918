// The rebalance progress JSON: its keys in the order readers know, two-decimal figures, the ETA,
// paths of any bytes, and the dry-run plan cut to fit one xattr value.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/migration/rebalance_progress.hpp"

namespace mfs {
namespace {

TEST(RebalanceProgressJson, KeysInOrderWithTwoDecimalFigures) {
  RebalanceProgress p;
  p.state = "moving";
  p.threshold = 2;
  p.spread = 12.3456;
  p.planned_files = 4;
  p.planned_bytes = 4000;
  p.moved_files = 1;
  p.moved_bytes = 1000;
  p.current = "/a/b";
  p.current_bytes = 1000;
  p.current_size = 2000;
  p.skipped_open = 1;
  p.skipped_links = 2;
  p.started_ms = 10000;
  std::string text = rebalance_progress_json(p, 12000, true);
  EXPECT_EQ(text.rfind("{\"state\":\"moving\",\"dry_run\":false,\"threshold\":2.0,", 0), 0u)
      << text;
  auto j = nlohmann::json::parse(text);
  EXPECT_DOUBLE_EQ(j["spread"].get<double>(), 12.35);
  EXPECT_EQ(j["skipped"], 3);
  EXPECT_DOUBLE_EQ(j["elapsed_s"].get<double>(), 2.0);
  EXPECT_EQ(j["rate_bps"], 1000);                   // 2000 bytes done in 2 s
  EXPECT_DOUBLE_EQ(j["eta_s"].get<double>(), 2.0);  // 2000 left
  EXPECT_FALSE(j.contains("plan"));                 // only a dry run has one
  auto ordered = nlohmann::ordered_json::parse(text);
  std::vector<std::string> in_text;
  for (auto it = ordered.begin(); it != ordered.end(); ++it) in_text.push_back(it.key());
  EXPECT_EQ(in_text,
            (std::vector<std::string>{
                "state",         "dry_run",        "threshold",   "spread",  "planned",
                "planned_bytes", "moved",          "moved_bytes", "skipped", "skipped_open",
                "skipped_links", "skipped_copies", "failed",      "current", "current_bytes",
                "current_size",  "elapsed_s",      "rate_bps",    "eta_s",   "last_error"}));
}

TEST(RebalanceProgressJson, NoRateMeansNoEta) {
  RebalanceProgress p;
  auto j = nlohmann::json::parse(rebalance_progress_json(p, 5000, false));
  EXPECT_TRUE(j["eta_s"].is_null());
  EXPECT_EQ(j["state"], "idle");
}

// The stats dump's rule: valid UTF-8 (the e-acute) kept, an invalid byte (0xff) as U+00FF.
TEST(RebalanceProgressJson, PathBytesFollowTheDumpsRule) {
  RebalanceProgress p;
  p.current = std::string("/caf\xc3\xa9/\xff\"q\\\n", 12);
  std::string text = rebalance_progress_json(p, 0, false);
  EXPECT_NE(text.find("\"current\":\"/caf\xc3\xa9/\xc3\xbf\\\"q\\\\\\n\""), std::string::npos)
      << text;
  EXPECT_EQ(nlohmann::json::parse(text)["current"], "/caf\xc3\xa9/\xc3\xbf\"q\\\n");
}

TEST(RebalanceProgressJson, DryRunPlanFitsOneXattrValue) {
  RebalanceProgress p;
  p.dry_run = true;
  for (int i = 0; i < 2000; ++i)
    p.plan.push_back({"/dir/file-" + std::to_string(i), "/mnt/a", "/mnt/b", 100, 4096});
  std::string text = rebalance_progress_json(p, 0, true);
  auto j = nlohmann::json::parse(text);
  size_t shown = j["plan"].size();
  EXPECT_GT(shown, 100u);
  EXPECT_EQ(shown + j["plan_omitted"].get<size_t>(), 2000u);
  EXPECT_LT(text.size(), 49000u + 1000u);
  EXPECT_EQ(j["plan"][0]["path"], "/dir/file-0");
  EXPECT_EQ(j["plan"][0]["from"], "/mnt/a");
  EXPECT_EQ(j["plan"][0]["to"], "/mnt/b");
  EXPECT_EQ(j["plan"][0]["bytes"], 100);
  EXPECT_FALSE(nlohmann::json::parse(rebalance_progress_json(p, 0, false)).contains("plan"));
}

}  // namespace
}  // namespace mfs
