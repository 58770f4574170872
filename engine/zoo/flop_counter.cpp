// SPDX-License-Identifier: Apache-2.0
#include "zoo/flop_counter.h"

#include "runtime/record_function_name.h"

#include <ATen/record_function.h>

#include <cstring>
#include <vector>

namespace es::engine {

namespace {

thread_local FlopCounter* t_counter = nullptr;
thread_local int t_insideCounted = 0; ///< a counted operator is running: its inner operators are not counted again

enum class Kind { None, Convolution, MatMul, BatchMatMul, AddBatchMatMul, AddMatMul };

Kind kindOf(const char* name)
{
    if (!name)
        return Kind::None;
    if (std::strcmp(name, "aten::convolution") == 0 || std::strcmp(name, "aten::_convolution") == 0)
        return Kind::Convolution;
    if (std::strcmp(name, "aten::mm") == 0)
        return Kind::MatMul;
    if (std::strcmp(name, "aten::addmm") == 0)
        return Kind::AddMatMul;
    if (std::strcmp(name, "aten::bmm") == 0)
        return Kind::BatchMatMul;
    if (std::strcmp(name, "aten::baddbmm") == 0)
        return Kind::AddBatchMatMul;
    return Kind::None;
}

/// What the start callback read from the inputs; the multiply-accumulates are counted at the end.
struct CountContext : at::ObserverContext
{
    Kind kind = Kind::None;
    std::vector<int64_t> input, weight;
    /// A convolution's output sizes after N and C, from its arguments (see convolutionOutputSpatial).
    std::vector<int64_t> outputSpatial;
    bool transposed = false;
};

std::vector<int64_t> sizesOf(const c10::IValue& value)
{
    if (!value.isTensor())
        return {};
    return value.toTensor().sizes().vec();
}

/// The output's spatial sizes of a convolution from the arguments aten::convolution receives (input, weight, bias,
/// stride, padding, dilation, ...): (in + 2 pad - dilation (k - 1) - 1) / stride + 1 per dimension, as LibTorch
/// computes them. From the inputs rather than the output, which RecordFunction gives only from LibTorch 1.8 on.
/// Empty where the arguments cannot be read.
template<typename Inputs>
std::vector<int64_t> convolutionOutputSpatial(
    const Inputs& inputs, const std::vector<int64_t>& in, const std::vector<int64_t>& weight)
{
    const size_t dimensions = in.size() - 2;
    std::vector<std::vector<int64_t>> arguments; // stride, padding, dilation
    for (size_t i = 3; i <= 5; ++i) {
        if (!inputs[i].isIntList())
            return {};
        std::vector<int64_t> values = inputs[i].toIntVector();
        if (values.size() == 1)
            values.assign(dimensions, values[0]);
        if (values.size() != dimensions)
            return {};
        arguments.push_back(values);
    }
    std::vector<int64_t> out;
    for (size_t d = 0; d < dimensions; ++d) {
        const int64_t stride = arguments[0][d], padding = arguments[1][d], dilation = arguments[2][d];
        if (stride <= 0)
            return {};
        out.push_back((in[d + 2] + 2 * padding - dilation * (weight[d + 2] - 1) - 1) / stride + 1);
    }
    return out;
}

int64_t product(const std::vector<int64_t>& sizes, size_t from)
{
    int64_t total = 1;
    for (size_t i = from; i < sizes.size(); ++i)
        total *= sizes[i];
    return total;
}

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& function)
{
    if (!t_counter)
        return nullptr;
    const Kind kind = kindOf(operatorName(function));
    if (kind == Kind::None || t_insideCounted > 0)
        return nullptr;
    ++t_insideCounted;
    auto context = std::make_unique<CountContext>();
    context->kind = kind;
    const auto inputs = function.inputs();
    if (kind == Kind::Convolution) {
        if (inputs.size() >= 7) {
            context->input = sizesOf(inputs[0]);
            context->weight = sizesOf(inputs[1]);
            context->transposed = inputs[6].isBool() && inputs[6].toBool();
            if (context->input.size() >= 3 && context->weight.size() == context->input.size())
                context->outputSpatial = convolutionOutputSpatial(inputs, context->input, context->weight);
        }
    } else {
        // mm(a, b), bmm(a, b): the operands first; addmm(c, a, b), baddbmm(c, a, b): after the addend.
        const size_t first = kind == Kind::AddMatMul || kind == Kind::AddBatchMatMul ? 1 : 0;
        if (inputs.size() >= first + 2) {
            context->input = sizesOf(inputs[first]);
            context->weight = sizesOf(inputs[first + 1]);
        }
    }
    return context;
}

void onEnd(const at::RecordFunction& function, at::ObserverContext* observed)
{
    auto* context = static_cast<CountContext*>(observed);
    if (!context || !t_counter)
        return;
    --t_insideCounted;
    const auto& in = context->input;
    const auto& w = context->weight;
    int64_t macs = -1;
    switch (context->kind) {
    case Kind::Convolution:
        if (in.size() >= 3 && w.size() == in.size() && (context->transposed || !context->outputSpatial.empty())) {
            // Every output (input, for a transposed convolution) element takes weight.numel() / C_out MACs per
            // output channel: N x spatial x (C_out x C_in/groups x kernel).
            const int64_t batch = in[0];
            macs = context->transposed ? batch * product(in, 2) * product(w, 0)
                                       : batch * product(context->outputSpatial, 0) * product(w, 0);
        }
        break;
    case Kind::MatMul:
    case Kind::AddMatMul:
        if (in.size() == 2 && w.size() == 2)
            macs = in[0] * in[1] * w[1];
        break;
    case Kind::BatchMatMul:
    case Kind::AddBatchMatMul:
        if (in.size() == 3 && w.size() == 3)
            macs = in[0] * in[1] * in[2] * w[2];
        break;
    case Kind::None:
        break;
    }
    if (macs < 0)
        t_counter->addUnreadable();
    else
        t_counter->add(operatorName(function), macs);
}

} // namespace

FlopCounter::FlopCounter()
{
    t_counter = this;
    t_insideCounted = 0;
    m_handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(&onStart, &onEnd).needsInputs(true).scopes({ at::RecordScope::FUNCTION }));
}

FlopCounter::~FlopCounter()
{
    at::removeCallback(m_handle);
    if (t_counter == this)
        t_counter = nullptr;
}

int64_t FlopCounter::macs() const
{
    int64_t total = 0;
    for (const auto& [name, count] : m_byOperator)
        total += count;
    return total;
}

} // namespace es::engine
