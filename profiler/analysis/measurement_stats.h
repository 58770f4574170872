// SPDX-License-Identifier: Apache-2.0
#pragma once

// Statistics for figures measured on a noisy machine: the median of repeated samples with a distribution-free
// confidence interval, and the ratio of two sets of samples (a speedup) with its interval. Nothing here assumes the
// samples are normal: benchmark times are skewed (a disturbance only ever makes a sample slower).
#include <cstdint>
#include <vector>

namespace es::prof {

/// A confidence interval: [low, high] and the coverage it actually reaches. With few samples a 95 % interval cannot
/// be had without assumptions; the interval is then the widest the samples give ([min, max]) and `confidence` says
/// how sure it is (for example 0.75 for three samples). `samples` is how many it came from.
struct Interval
{
    double low = 0;
    double high = 0;
    double confidence = 0; ///< 0..1; 0 when there is nothing to say (one sample)
    int64_t samples = 0;

    bool contains(double value) const { return low <= value && value <= high; }
};

/// A point estimate with its interval.
struct Estimate
{
    double value = 0;
    Interval interval;
};

/// The confidence asked of every interval EdgeScope prints: 95 %, the convention of the field (Criterion, pyperf,
/// the Kalibera and Jones method for benchmarks).
constexpr double kIntervalConfidence = 0.95;

/// Median of `samples` and its interval from order statistics: [x(k), x(n+1-k)] with the largest k for which
/// P(Binomial(n, 1/2) < k) <= (1 - confidence) / 2; exact for any distribution. Needs 6 samples for 95 %; with fewer,
/// [min, max] with its coverage 1 - 2^(1-n). Empty samples give a zero estimate with 0 samples.
Estimate medianWithInterval(std::vector<double> samples, double confidence = kIntervalConfidence);

/// How `numerator` compares with `denominator` as a ratio (FPS after over FPS before: a speedup): the Hodges-Lehmann
/// estimate on log scale (the median of all pairwise log ratios, exponentiated) with its distribution-free interval
/// from the Mann-Whitney statistic: exact up to 60 samples in all, a normal approximation above. Samples must be
/// positive (others are left out).
Estimate ratioWithInterval(const std::vector<double>& numerator, const std::vector<double>& denominator,
    double confidence = kIntervalConfidence);

/// P(U <= u) for the Mann-Whitney statistic of samples of sizes n and m under the null hypothesis, exactly (the
/// coefficients of the Gaussian binomial [n+m choose n]). Public for tests; n + m <= 60.
double mannWhitneyCdf(int n, int m, int64_t u);

/// Is a ratio's change real? "faster" or "slower" when its interval lies above or below 1, "within noise" when it
/// holds 1, "too few samples" when there is no interval at all (one sample a side).
const char* ratioVerdict(const Estimate& ratio);

} // namespace es::prof
