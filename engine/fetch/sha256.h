// SPDX-License-Identifier: Apache-2.0
#pragma once
// SHA-256 (FIPS 180-4), for checking downloaded weights against the publisher's checksum. Torch-free, no library.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace es::engine {

/// An incremental SHA-256: update() with the bytes in order, then hexDigest() once. Value type; one thread at a time.
class Sha256
{
public:
    Sha256();
    void update(const void* data, size_t size);
    /// The digest of everything given, as 64 lowercase hex digits. Ends the computation.
    std::string hexDigest();

private:
    void compressBlock(const uint8_t* block);

    std::array<uint32_t, 8> m_state;
    std::array<uint8_t, 64> m_buffer {};
    size_t m_buffered = 0;
    uint64_t m_totalBytes = 0;
};

/// SHA-256 of `bytes`, lowercase hex.
std::string sha256Hex(const std::string& bytes);

/// Whether `text` is 64 hex digits (either case).
bool isSha256Hex(const std::string& text);

} // namespace es::engine
