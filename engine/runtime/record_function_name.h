// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to es_engine: the operator name of a LibTorch RecordFunction, whichever LibTorch EdgeScope builds with.
#include <type_traits>

namespace es::engine {

/// `function.name()` as a C string: LibTorch 1.7-1.10 return an at::StringView (Debian 11, JetPack 4.6's wheel),
/// later ones a const char*. Any thread (as the callback that calls it).
template<typename RecordFunction> const char* operatorName(const RecordFunction& function)
{
    const auto& name = function.name();
    if constexpr (std::is_convertible_v<decltype(name), const char*>)
        return name;
    else
        return name.str();
}

} // namespace es::engine
