// SPDX-License-Identifier: Apache-2.0
#include "analysis/measurement_stats.h"

#include <algorithm>
#include <cmath>

namespace es::prof {

namespace {

/// P(Binomial(n, 1/2) <= k), summed from the probabilities in log space (n may be large).
double binomialHalfCdf(int64_t n, int64_t k)
{
    if (k < 0)
        return 0;
    if (k >= n)
        return 1;
    double sum = 0;
    const double logHalfN = double(n) * std::log(0.5);
    for (int64_t i = 0; i <= k; ++i)
        sum += std::exp(
            std::lgamma(double(n + 1)) - std::lgamma(double(i + 1)) - std::lgamma(double(n - i + 1)) + logHalfN);
    return std::min(1.0, sum);
}

double medianOfSorted(const std::vector<double>& sorted)
{
    const size_t n = sorted.size();
    return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

double normalCdf(double z)
{
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

/// At most `limit` values of `sorted`, evenly spread over it (its quantiles), so that the pairwise ratios of two
/// very long runs stay a few million.
std::vector<double> thinned(const std::vector<double>& sorted, size_t limit)
{
    if (sorted.size() <= limit)
        return sorted;
    std::vector<double> kept;
    kept.reserve(limit);
    for (size_t i = 0; i < limit; ++i)
        kept.push_back(sorted[i * (sorted.size() - 1) / (limit - 1)]);
    return kept;
}

std::vector<double> positiveLogsSorted(const std::vector<double>& values)
{
    std::vector<double> logs;
    logs.reserve(values.size());
    for (double v : values) {
        if (v > 0 && std::isfinite(v))
            logs.push_back(std::log(v));
    }
    std::sort(logs.begin(), logs.end());
    return logs;
}

/// P(U <= u) for sizes n, m: exact where the sizes allow it, else the normal approximation with continuity correction.
double mannWhitneyCdfAny(int n, int m, int64_t u)
{
    if (n + m <= 60)
        return mannWhitneyCdf(n, m, u);
    const double mean = double(n) * double(m) / 2.0;
    const double sd = std::sqrt(double(n) * double(m) * double(n + m + 1) / 12.0);
    return normalCdf((double(u) + 0.5 - mean) / sd);
}

} // namespace

Estimate medianWithInterval(std::vector<double> samples, double confidence)
{
    Estimate estimate;
    samples.erase(
        std::remove_if(samples.begin(), samples.end(), [](double v) { return !std::isfinite(v); }), samples.end());
    if (samples.empty())
        return estimate;
    std::sort(samples.begin(), samples.end());
    const int64_t n = int64_t(samples.size());
    estimate.value = medianOfSorted(samples);
    const double tail = (1.0 - confidence) / 2.0;
    // The largest k with P(B < k) <= tail; P(B < k) grows with k, so walk up while it holds.
    int64_t k = 1;
    while (k + 1 <= n / 2 && binomialHalfCdf(n, k) <= tail)
        ++k;
    estimate.interval.low = samples[size_t(k - 1)];
    estimate.interval.high = samples[size_t(n - k)];
    estimate.interval.confidence = std::max(0.0, 1.0 - 2.0 * binomialHalfCdf(n, k - 1));
    estimate.interval.samples = n;
    return estimate;
}

double mannWhitneyCdf(int n, int m, int64_t u)
{
    if (n < 0 || m < 0 || n + m > 60)
        return 0;
    if (u < 0)
        return 0;
    const int64_t top = int64_t(n) * int64_t(m);
    if (u >= top)
        return 1;
    // Coefficients of prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i): the count of arrangements with U = j.
    std::vector<double> c(size_t(top + 1), 0.0);
    c[0] = 1;
    for (int i = 1; i <= n; ++i) {
        for (int64_t j = top; j >= m + i; --j)
            c[size_t(j)] -= c[size_t(j - m - i)];
        for (int64_t j = i; j <= top; ++j)
            c[size_t(j)] += c[size_t(j - i)];
    }
    double below = 0, all = 0;
    for (int64_t j = 0; j <= top; ++j) {
        all += c[size_t(j)];
        if (j <= u)
            below += c[size_t(j)];
    }
    return all > 0 ? below / all : 0;
}

Estimate ratioWithInterval(
    const std::vector<double>& numerator, const std::vector<double>& denominator, double confidence)
{
    Estimate estimate;
    const std::vector<double> a = thinned(positiveLogsSorted(numerator), 2000);
    const std::vector<double> b = thinned(positiveLogsSorted(denominator), 2000);
    if (a.empty() || b.empty())
        return estimate;
    std::vector<double> differences;
    differences.reserve(a.size() * b.size());
    for (double x : a)
        for (double y : b)
            differences.push_back(x - y);
    std::sort(differences.begin(), differences.end());
    const int n = int(a.size()), m = int(b.size());
    const int64_t pairs = int64_t(differences.size());
    estimate.value = std::exp(medianOfSorted(differences));
    const double tail = (1.0 - confidence) / 2.0;
    int64_t k = 1;
    while (k + 1 <= pairs / 2 && mannWhitneyCdfAny(n, m, k) <= tail)
        ++k;
    estimate.interval.low = std::exp(differences[size_t(k - 1)]);
    estimate.interval.high = std::exp(differences[size_t(pairs - k)]);
    estimate.interval.confidence = std::max(0.0, 1.0 - 2.0 * mannWhitneyCdfAny(n, m, k - 1));
    estimate.interval.samples = std::min<int64_t>(n, m);
    return estimate;
}

const char* ratioVerdict(const Estimate& ratio)
{
    if (ratio.interval.samples == 0 || ratio.interval.confidence <= 0)
        return "too few samples";
    if (ratio.interval.contains(1.0))
        return "within noise";
    return ratio.interval.low > 1.0 ? "faster" : "slower";
}

} // namespace es::prof
