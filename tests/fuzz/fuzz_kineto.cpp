// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the PyTorch profiler (Kineto) trace reader, plain JSON and gzipped. The first byte picks the form:
// odd bytes gzip the rest before the reader sees it, so that mutations reach the JSON inside the gzip stream too.
#include "exchange/exchange.h"
#include "fuzz_support.h"

#include "es_config.h"

#if ES_HAS_ZLIB
#include <zlib.h>
#endif

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static es::fuzz::ScratchFile plain(".pt.trace.json");
    static es::fuzz::ScratchFile gzipped(".pt.trace.json.gz");
    if (size == 0)
        return 0;
    const bool compress = data[0] & 1;
    ++data;
    --size;
    const std::string* path = &plain.write(data, size);
#if ES_HAS_ZLIB
    if (compress) {
        std::vector<uint8_t> out(compressBound(uLong(size)) + 64);
        z_stream stream {};
        if (deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
            stream.next_in = const_cast<Bytef*>(data);
            stream.avail_in = uInt(size);
            stream.next_out = out.data();
            stream.avail_out = uInt(out.size());
            deflate(&stream, Z_FINISH);
            const size_t written = out.size() - stream.avail_out;
            deflateEnd(&stream);
            path = &gzipped.write(out.data(), written);
        }
    }
#else
    (void)compress;
#endif
    es::prof::ExchangeStats stats;
    auto run = es::prof::readTrace(*path, &stats);
    if (run)
        (void)run->ranges.size();
    return 0;
}
