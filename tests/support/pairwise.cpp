#include "support/pairwise.h"

#include <doctest/doctest.h>

#include <optional>
#include <utility>

namespace tpmtls::test {

namespace {

// One flag per pair of values (d1 value v1, d2 value v2) with d1 < d2.
class PairSet {
public:
    explicit PairSet(const std::vector<size_t>& sizes) : sizes_(sizes) {
        for (size_t d = 0; d < sizes.size(); ++d) {
            offset_.push_back(total_);
            total_ += sizes[d];
        }
        flags_.assign(total_ * total_, false);
    }
    bool get(size_t d1, size_t v1, size_t d2, size_t v2) const { return flags_[index(d1, v1, d2, v2)]; }
    void set(size_t d1, size_t v1, size_t d2, size_t v2) { flags_[index(d1, v1, d2, v2)] = true; }

private:
    size_t index(size_t d1, size_t v1, size_t d2, size_t v2) const {
        return (offset_[d1] + v1) * total_ + offset_[d2] + v2;
    }
    std::vector<size_t> sizes_, offset_;
    size_t total_ = 0;
    std::vector<bool> flags_;
};

bool permitted(const PairwiseConstraint& allowed, const PairwiseRow& row) { return !allowed || allowed(row); }

PairwiseRow pair_row(size_t dimensions, size_t d1, size_t v1, size_t d2, size_t v2) {
    PairwiseRow row(dimensions, pairwise_unset);
    row[d1] = v1;
    row[d2] = v2;
    return row;
}

// Calls f(d1, v1, d2, v2) for every pair of values of two dimensions, d1 < d2.
template <typename F>
void for_each_pair(const std::vector<size_t>& sizes, F f) {
    for (size_t d1 = 0; d1 < sizes.size(); ++d1)
        for (size_t d2 = d1 + 1; d2 < sizes.size(); ++d2)
            for (size_t v1 = 0; v1 < sizes[d1]; ++v1)
                for (size_t v2 = 0; v2 < sizes[d2]; ++v2) f(d1, v1, d2, v2);
}

PairSet required_pairs(const std::vector<size_t>& sizes, const PairwiseConstraint& allowed) {
    PairSet required(sizes);
    for_each_pair(sizes, [&](size_t d1, size_t v1, size_t d2, size_t v2) {
        if (permitted(allowed, pair_row(sizes.size(), d1, v1, d2, v2))) required.set(d1, v1, d2, v2);
    });
    return required;
}

void mark_covered(PairSet& covered, const PairwiseRow& row) {
    for (size_t d1 = 0; d1 < row.size(); ++d1)
        for (size_t d2 = d1 + 1; d2 < row.size(); ++d2) covered.set(d1, row[d1], d2, row[d2]);
}

}  // namespace

std::vector<PairwiseRow> pairwise_rows(const std::vector<size_t>& sizes, const PairwiseConstraint& allowed) {
    const size_t n = sizes.size();
    const PairSet required = required_pairs(sizes, allowed);
    PairSet covered(sizes);
    auto uncovered = [&](size_t d1, size_t v1, size_t d2, size_t v2) {
        if (d1 > d2) {
            std::swap(d1, d2);
            std::swap(v1, v2);
        }
        return required.get(d1, v1, d2, v2) && !covered.get(d1, v1, d2, v2);
    };
    std::vector<PairwiseRow> rows;
    for (;;) {
        std::optional<PairwiseRow> row;
        for_each_pair(sizes, [&](size_t d1, size_t v1, size_t d2, size_t v2) {
            if (!row && uncovered(d1, v1, d2, v2)) row = pair_row(n, d1, v1, d2, v2);
        });
        if (!row) return rows;
        for (size_t d = 0; d < n; ++d) {
            if ((*row)[d] != pairwise_unset) continue;
            size_t best = pairwise_unset, best_gain = 0;
            for (size_t v = 0; v < sizes[d]; ++v) {
                PairwiseRow candidate = *row;
                candidate[d] = v;
                if (!permitted(allowed, candidate)) continue;
                size_t gain = 0;
                for (size_t e = 0; e < n; ++e) {
                    if (e != d && candidate[e] != pairwise_unset && uncovered(e, candidate[e], d, v)) ++gain;
                }
                if (best == pairwise_unset || gain > best_gain) {
                    best = v;
                    best_gain = gain;
                }
            }
            REQUIRE_MESSAGE(best != pairwise_unset, "pairwise_rows: no allowed value for dimension " << d);
            (*row)[d] = best;
        }
        mark_covered(covered, *row);
        rows.push_back(std::move(*row));
    }
}

bool covers_all_pairs(const std::vector<PairwiseRow>& rows, const std::vector<size_t>& sizes,
                      const PairwiseConstraint& allowed) {
    const PairSet required = required_pairs(sizes, allowed);
    PairSet covered(sizes);
    for (const PairwiseRow& row : rows) {
        if (row.size() != sizes.size() || !permitted(allowed, row)) return false;
        mark_covered(covered, row);
    }
    bool all = true;
    for_each_pair(sizes, [&](size_t d1, size_t v1, size_t d2, size_t v2) {
        if (required.get(d1, v1, d2, v2) && !covered.get(d1, v1, d2, v2)) all = false;
    });
    return all;
}

}  // namespace tpmtls::test
