// SPDX-License-Identifier: Apache-2.0
#include "model/trace_model.h"

#include "model/vocabulary.h"

#include <algorithm>
#include <map>

namespace es::prof {

StringId StringPool::intern(const std::string& text)
{
    auto found = m_ids.find(text);
    if (found != m_ids.end())
        return found->second;
    const StringId id = StringId(m_strings.size());
    m_strings.push_back(text);
    m_ids.emplace(text, id);
    return id;
}

namespace {

template<typename Event> void sortByStart(std::vector<Event>& events)
{
    const auto before = [](const Event& a, const Event& b) {
        return a.startNs != b.startNs ? a.startNs < b.startNs : a.endNs > b.endNs;
    };
    // Tracks read from a session mostly come sorted: checking is one pass, a stable sort n log n and a buffer of n.
    if (!std::is_sorted(events.begin(), events.end(), before))
        std::stable_sort(events.begin(), events.end(), before);
}

/// Depth of each slice among the slices of one track that enclose it (the track is sorted by start).
void assignDepths(std::vector<SliceEvent>& slices)
{
    std::vector<int64_t> openEnds;
    for (SliceEvent& slice : slices) {
        while (!openEnds.empty() && openEnds.back() <= slice.startNs)
            openEnds.pop_back();
        slice.depth = uint16_t(std::min<size_t>(openEnds.size(), 65535));
        openEnds.push_back(slice.endNs);
    }
}

template<typename Event> size_t capacityBytes(const std::vector<Event>& events)
{
    return events.capacity() * sizeof(Event);
}

} // namespace

void TraceModel::finalize()
{
    for (ThreadTrack& thread : threads) {
        sortByStart(thread.ranges);
        sortByStart(thread.operators);
        sortByStart(thread.apiCalls);
        assignDepths(thread.ranges);
        assignDepths(thread.operators);
    }
    for (StreamTrack& stream : streams) {
        sortByStart(stream.kernels);
        sortByStart(stream.copies);
        sortByStart(stream.syncs);
    }
    for (CounterTrackModel& counter : counters)
        std::stable_sort(counter.samples.begin(), counter.samples.end(),
            [](const CounterSample& a, const CounterSample& b) { return a.timeNs < b.timeNs; });
    std::stable_sort(frames.begin(), frames.end(),
        [](const FrameEvent& a, const FrameEvent& b) { return a.frameIndex < b.frameIndex; });
}

int64_t TraceModel::eventCount() const
{
    size_t count = frames.size();
    for (const ThreadTrack& thread : threads)
        count += thread.ranges.size() + thread.operators.size() + thread.apiCalls.size();
    for (const StreamTrack& stream : streams)
        count += stream.kernels.size() + stream.copies.size() + stream.syncs.size();
    for (const CounterTrackModel& counter : counters)
        count += counter.samples.size();
    return int64_t(count);
}

double TraceModel::bytesPerEvent() const
{
    size_t bytes = capacityBytes(frames);
    for (const ThreadTrack& thread : threads)
        bytes += capacityBytes(thread.ranges) + capacityBytes(thread.operators) + capacityBytes(thread.apiCalls);
    for (const StreamTrack& stream : streams)
        bytes += capacityBytes(stream.kernels) + capacityBytes(stream.copies) + capacityBytes(stream.syncs);
    for (const CounterTrackModel& counter : counters)
        bytes += capacityBytes(counter.samples);
    const int64_t count = eventCount();
    return count ? double(bytes) / double(count) : 0.0;
}

ThreadTrack& TraceModel::thread(int64_t osTid)
{
    for (ThreadTrack& track : threads)
        if (track.osTid == osTid)
            return track;
    threads.push_back(ThreadTrack { osTid, strings.intern("thread " + std::to_string(osTid)), {}, {}, {} });
    return threads.back();
}

StreamTrack& TraceModel::stream(int32_t deviceId, int64_t streamId)
{
    for (StreamTrack& track : streams)
        if (track.deviceId == deviceId && track.streamId == streamId)
            return track;
    streams.push_back(StreamTrack { deviceId, streamId, {}, {}, {} });
    return streams.back();
}

TraceModel buildModel(const RunData& data)
{
    TraceModel model;
    model.startNs = data.run.startNs;
    model.endNs = data.run.endNs;
    std::vector<KnownThread> known;
    std::map<uint16_t, int64_t> tidOfIndex;
    for (const auto& info : data.threads) {
        known.push_back({ info.osTid, info.pthreadLow32 });
        tidOfIndex[info.index] = info.osTid;
        model.thread(info.osTid);
    }
    for (const auto& [osTid, threadName] : data.threadNames)
        model.thread(osTid).name = model.strings.intern(threadName);
    std::map<uint32_t, StringId> rangeNames;
    for (const RangeEvent& event : data.ranges) {
        auto name = rangeNames.find(event.nameId);
        if (name == rangeNames.end()) {
            // Imported runs carry their own names; the lab's index the process's registry.
            const std::string text = data.rangeNames.empty() ? RangeNameRegistry::instance().name(event.nameId)
                : event.nameId < data.rangeNames.size()      ? data.rangeNames[event.nameId]
                                                             : std::string("?");
            name = rangeNames.emplace(event.nameId, model.strings.intern(text)).first;
        }
        const uint16_t category = uint16_t(RangeNameRegistry::instance().entry(event.nameId).category);
        model.thread(tidOfIndex.count(event.threadIndex) ? tidOfIndex[event.threadIndex] : 0)
            .ranges.push_back({ event.startNs, event.endNs, event.payload, name->second, 0, category });
    }
    for (const OperatorRecord& op : data.operators)
        model.thread(op.osTid).operators.push_back({ op.startNs, op.endNs, -1, model.strings.intern(op.name), 0, 0 });
    const GpuActivity& gpu = data.gpu;
    std::vector<StringId> gpuNames(gpu.names.size());
    for (size_t i = 0; i < gpu.names.size(); ++i)
        gpuNames[i] = model.strings.intern(gpu.names[i]);
    auto gpuName = [&](uint32_t index) { return index < gpuNames.size() ? gpuNames[index] : gpuNames[0]; };
    for (const GpuApiCall& call : gpu.apiCalls)
        model.thread(resolveOsThreadId(call.threadId, known))
            .apiCalls.push_back(
                { call.startNs, call.endNs, call.correlationId, gpuName(call.nameIndex), call.returnValue, 0 });
    std::map<uint32_t, StringId> kernelNames;
    std::map<uint32_t, uint32_t> deviceOfContext;
    for (const GpuKernel& k : gpu.kernels) {
        auto name = kernelNames.find(k.nameIndex);
        if (name == kernelNames.end())
            name = kernelNames.emplace(k.nameIndex, model.strings.intern(demangleKernelName(gpu.name(k.nameIndex))))
                       .first;
        deviceOfContext.emplace(k.contextId, k.deviceId);
        model.stream(int32_t(k.deviceId), k.streamId)
            .kernels.push_back({ k.startNs, k.endNs, k.correlationId, name->second, uint32_t(k.gridX),
                uint32_t(k.gridY), uint32_t(k.gridZ), uint16_t(k.blockX), uint16_t(k.blockY), uint16_t(k.blockZ),
                uint16_t(k.registersPerThread) });
    }
    for (const GpuCopy& c : gpu.copies) {
        deviceOfContext.emplace(c.contextId, c.deviceId);
        model.stream(int32_t(c.deviceId), c.streamId)
            .copies.push_back({ c.startNs, c.endNs, c.bytes, c.correlationId, c.copyKind, c.srcKind, c.dstKind, 0 });
    }
    for (const GpuMemset& m : gpu.memsets)
        model.stream(int32_t(m.deviceId), m.streamId)
            .copies.push_back({ m.startNs, m.endNs, m.bytes, m.correlationId, 0, 2, 2, 1 });
    for (const GpuSync& s : gpu.syncs) {
        const uint32_t device = deviceOfContext.count(s.contextId) ? deviceOfContext[s.contextId] : 0;
        model.stream(int32_t(device), s.streamId).syncs.push_back({ s.startNs, s.endNs, s.correlationId, s.syncType });
    }
    for (const FrameRecord& f : data.frames)
        model.frames.push_back({ f.startNs, f.endNs, f.frameIndex, f.candidates, int32_t(f.batchIndex), f.detections });
    for (const CounterTrack& track : data.counters) {
        CounterTrackModel counter { model.strings.intern(track.name), model.strings.intern(track.unit), {} };
        for (const auto& [timeNs, value] : track.samples)
            counter.samples.push_back({ timeNs, value });
        model.counters.push_back(std::move(counter));
    }
    model.finalize();
    return model;
}

} // namespace es::prof
