// SPDX-License-Identifier: Apache-2.0
#include "base/status.h"

namespace es {

const char* statusCodeName(StatusCode code)
{
    switch (code) {
    case StatusCode::Ok:
        return "ok";
    case StatusCode::InvalidArgument:
        return "invalid argument";
    case StatusCode::NotFound:
        return "not found";
    case StatusCode::IoError:
        return "I/O error";
    case StatusCode::CorruptData:
        return "corrupt data";
    case StatusCode::Unsupported:
        return "unsupported";
    case StatusCode::Unavailable:
        return "unavailable";
    case StatusCode::Internal:
        return "internal error";
    case StatusCode::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

std::string Status::toString() const
{
    if (isOk())
        return "ok";
    return std::string(statusCodeName(m_code)) + ": " + m_message;
}

} // namespace es
