// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace es::engine {

/// Multiply-accumulates of the operators that LibTorch actually ran, counted from their tensor shapes: convolutions
/// (aten::convolution, transposed or not, any groups or dilation) and matrix products (aten::addmm, mm, bmm,
/// baddbmm); element-wise work, pooling and normalization are not counted (the convention of fvcore, torchvision's
/// model tables and darknet's BFLOPs). FLOPs = 2 x MACs. Counts the operators the constructing thread runs while the
/// counter lives (a thread-local RecordFunction callback); construct, run the model once, read. One thread.
class FlopCounter
{
public:
    FlopCounter();
    ~FlopCounter();
    FlopCounter(const FlopCounter&) = delete;
    FlopCounter& operator=(const FlopCounter&) = delete;

    int64_t macs() const;
    int64_t flops() const { return 2 * macs(); }
    /// MACs by operator name ("aten::convolution", "aten::addmm", ...).
    const std::map<std::string, int64_t>& macsByOperator() const { return m_byOperator; }
    /// Operators whose shapes could not be read (counted as 0).
    int64_t unreadable() const { return m_unreadable; }

    /// The counting itself, exposed for the callbacks.
    void add(const std::string& op, int64_t macs) { m_byOperator[op] += macs; }
    void addUnreadable() { ++m_unreadable; }

private:
    uint64_t m_handle = 0;
    std::map<std::string, int64_t> m_byOperator;
    int64_t m_unreadable = 0;
};

} // namespace es::engine
