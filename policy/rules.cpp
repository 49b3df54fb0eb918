// The §2.4 table: for each of the 21 policies, its create rule and its action/search selector.
#include "policy/rules.hpp"

#include <array>

namespace mfs::policy::detail {
namespace {
using C = Choose;
using W = WalkUp;

// Order follows PolicyId. Action/search mappings encode the table's arrows: mfs -> epmfs,
// ff -> epff, all/rand -> epall(+random), pfrd -> eppfrd, msp* -> their ep variant.
constexpr std::array<Rule, kPolicyCount> kRules = {{
    /* all     */ {false, C::all, false, W::none, C::all, false},
    /* epall   */ {false, C::all, true, W::none, C::all, true},
    /* epff    */ {false, C::first, true, W::none, C::first, true},
    /* eplfs   */ {false, C::least_avail, true, W::none, C::least_avail, true},
    /* eplus   */ {false, C::least_used, true, W::none, C::least_used, true},
    /* epmfs   */ {false, C::most_avail, true, W::none, C::most_avail, true},
    /* eppfrd  */ {false, C::weighted_avail, true, W::none, C::weighted_avail, true},
    /* eprand  */ {false, C::one_random, true, W::none, C::one_random, true},
    /* erofs   */ {true, C::first, false, W::none, C::first, false},
    /* ff      */ {false, C::first, false, W::none, C::first, false},
    /* lfs     */ {false, C::least_avail, false, W::none, C::least_avail, false},
    /* lus     */ {false, C::least_used, false, W::none, C::least_used, false},
    /* lup     */ {false, C::least_used_pct, false, W::none, C::least_used_pct, false},
    /* mfs     */ {false, C::most_avail, false, W::none, C::most_avail, false},
    /* msplfs  */ {false, C::least_avail, true, W::merge_errors, C::least_avail, true},
    /* msplus  */ {false, C::least_used, true, W::merge_errors, C::least_used, true},
    /* mspmfs  */ {false, C::most_avail, true, W::merge_errors, C::most_avail, true},
    /* msppfrd */ {false, C::weighted_avail, true, W::last_error, C::weighted_avail, true},
    /* newest  */ {false, C::newest, true, W::none, C::newest, false},
    /* pfrd    */ {false, C::weighted_avail, false, W::none, C::weighted_avail, false},
    /* rand    */ {false, C::one_random, false, W::none, C::one_random, false},
}};
}  // namespace

const Rule& rule_of(PolicyId p) { return kRules[static_cast<size_t>(p)]; }

}  // namespace mfs::policy::detail
