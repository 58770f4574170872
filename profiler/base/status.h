// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace es {

/// What went wrong, coarsely; the message says the rest (which file, and what to do about it).
enum class StatusCode {
    Ok,
    InvalidArgument, ///< a bad option or parameter (e.g. --batch 0)
    NotFound, ///< a file or device that does not exist
    IoError, ///< a read or write that failed
    CorruptData, ///< a file that exists but cannot be decoded (not a video, truncated weights)
    Unsupported, ///< a valid request this build or this machine cannot serve
    Unavailable, ///< a backend or device that is not present (no GPU, no driver)
    Internal, ///< a bug: an invariant broke
    Cancelled, ///< the user stopped the work
};

const char* statusCodeName(StatusCode code);

/// The result of an operation that can fail: a code and a message meant for a person. Core libraries return
/// Status instead of throwing, so that no exception crosses a library or thread boundary. A status about one option
/// of a request names it in the engine's neutral spelling ("frames", "batch"), so that each front end can add its
/// own (the CLI's --frames, the GUI's Frames field); the message itself speaks of the option, not of a flag.
/// [[nodiscard]]: a Status that is dropped is a failure nobody hears of. Value type; any thread.
class [[nodiscard]] Status
{
public:
    Status() = default;
    Status(StatusCode code, std::string message) : m_code(code), m_message(std::move(message)) { }
    static Status ok() { return Status(); }
    /// An InvalidArgument about one option of a request.
    static Status invalidOption(std::string option, std::string message)
    {
        Status status(StatusCode::InvalidArgument, std::move(message));
        status.m_option = std::move(option);
        return status;
    }
    /// The same status (code and option kept) with "context: " before its message.
    Status withContext(const std::string& context) const
    {
        Status status = *this;
        status.m_message = context + ": " + m_message;
        return status;
    }
    /// The option this status is about, in the engine's spelling; empty when none.
    const std::string& option() const { return m_option; }

    bool isOk() const { return m_code == StatusCode::Ok; }
    explicit operator bool() const { return isOk(); }
    StatusCode code() const { return m_code; }
    const std::string& message() const { return m_message; }
    /// "code: message", for logs.
    std::string toString() const;

private:
    StatusCode m_code = StatusCode::Ok;
    std::string m_message;
    std::string m_option;
};

/// A value or the Status that explains why there is none (C++17 has no std::expected). [[nodiscard]] like Status.
/// Value type; any thread.
template<typename T> class [[nodiscard]] Result
{
public:
    Result(T value) : m_value(std::move(value)) { }
    Result(Status status) : m_status(std::move(status))
    {
        if (m_status.isOk())
            m_status = Status(StatusCode::Internal, "Result built from an OK status without a value");
    }

    bool isOk() const { return m_value.has_value(); }
    explicit operator bool() const { return isOk(); }
    const Status& status() const { return m_status; }
    T& value() & { return *m_value; }
    const T& value() const& { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    T* operator->() { return &*m_value; }
    const T* operator->() const { return &*m_value; }
    T& operator*() { return *m_value; }

private:
    std::optional<T> m_value;
    Status m_status;
};

} // namespace es

#define ES_STATUS_CONCAT_INNER(a, b) a##b
#define ES_STATUS_CONCAT(a, b) ES_STATUS_CONCAT_INNER(a, b)

/// Returns the Status of `expr` from the calling function when it is not OK.
#define ES_RETURN_IF_ERROR(expr)                                                                                       \
    do {                                                                                                               \
        ::es::Status es_status_ = (expr);                                                                              \
        if (!es_status_.isOk())                                                                                        \
            return es_status_;                                                                                         \
    } while (0)

/// Declares `lhs` from the value of a Result, or returns its Status from the calling function.
#define ES_ASSIGN_OR_RETURN(lhs, expr)                                                                                 \
    auto ES_STATUS_CONCAT(es_result_, __LINE__) = (expr);                                                              \
    if (!ES_STATUS_CONCAT(es_result_, __LINE__).isOk())                                                                \
        return ES_STATUS_CONCAT(es_result_, __LINE__).status();                                                        \
    lhs = std::move(ES_STATUS_CONCAT(es_result_, __LINE__)).value()
