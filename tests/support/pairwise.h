// A pairwise covering array (all-pairs testing): a list of rows, each choosing one value per
// dimension, in which every pair of values of any two dimensions appears in at least one row.
// The generator is greedy and deterministic (same sizes and constraint, same rows), so the
// cells of a test, and any table made from them, do not change between runs.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

namespace tpmtls::test {

// row[d] is the index of the value chosen in dimension d, or pairwise_unset.
using PairwiseRow = std::vector<size_t>;
inline constexpr size_t pairwise_unset = std::numeric_limits<size_t>::max();

// Says whether the values set in a (partly chosen) row may stand together. Pairs it refuses are
// not required, and no row holds them. Empty: everything is allowed.
using PairwiseConstraint = std::function<bool(const PairwiseRow&)>;

// `sizes[d]` values in dimension d. Each new row starts from the first pair not yet covered and
// fills the other dimensions, in order, with the value that covers most new pairs (the lowest
// index on ties).
std::vector<PairwiseRow> pairwise_rows(const std::vector<size_t>& sizes, const PairwiseConstraint& allowed = {});

// Every pair that `allowed` permits appears in some row of `rows`, and every row is allowed.
bool covers_all_pairs(const std::vector<PairwiseRow>& rows, const std::vector<size_t>& sizes,
                      const PairwiseConstraint& allowed = {});

}  // namespace tpmtls::test
