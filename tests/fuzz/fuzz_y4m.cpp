// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the YUV4MPEG2 reader (header, frame markers, every chroma layout), reading up to 4 frames.
#include "fuzz_support.h"
#include "video/y4m.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static es::fuzz::ScratchFile file(".y4m");
    auto reader = es::engine::Y4mReader::open(file.write(data, size));
    if (!reader)
        return 0;
    (void)reader.value()->description();
    es::engine::Frame frame;
    for (int i = 0; i < 4; ++i) {
        auto got = reader.value()->read(frame);
        if (!got || !got.value())
            break;
    }
    return 0;
}
