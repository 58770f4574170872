// SPDX-License-Identifier: Apache-2.0
// bench_timeline: the desktop timeline on a synthetic session of ten million events (s0 on a GPU: stage ranges,
// kernels with their launches, a loop of DtoH copies with synchronizations, counters). Prints the time to write
// and to open the session (read, build the model, lay out the lanes), the memory it takes, the repaint time of
// the real TimelineView rendered offscreen at full zoom-out and at a 1 ms span, panning across the run, and the
// time the application takes to open it (every run analysed, the first one's timeline laid out from that read).
//   bench_timeline [--events N] [--session FILE] [--keep] [--repaints N] [--width W] [--height H]
#include "collect/process_stats.h"
#include "edgescope/engine/lab.h"
#include "session_document.h"
#include "store/session_store.h"
#include "synthetic_trace.h"
#include "timeline_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace {

double rssMb()
{
    const es::prof::ProcessStats stats = es::prof::readProcessStats("");
    return double(stats.rssBytes) / (1024.0 * 1024.0);
}

struct Timing
{
    double meanMs = 0, medianMs = 0, maxMs = 0;
    size_t items = 0;
};

/// Renders the view `count` times at axes produced by `place(i)`, into an offscreen image.
template<typename Place> Timing repaint(es::app::TimelineView& view, int count, Place place)
{
    QImage target(view.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> times;
    size_t items = 0;
    for (int i = 0; i < count; ++i) {
        place(i);
        QElapsedTimer clock;
        clock.start();
        view.render(&target);
        times.push_back(double(clock.nsecsElapsed()) / 1e6);
        items += view.lastItemCount();
    }
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    Timing timing;
    timing.meanMs = std::accumulate(times.begin(), times.end(), 0.0) / double(times.size());
    timing.medianMs = sorted[sorted.size() / 2];
    timing.maxMs = sorted.back();
    timing.items = items / size_t(count);
    return timing;
}

} // namespace

int main(int argc, char** argv)
{
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    int64_t wantedEvents = 10'000'000;
    std::string session = "/tmp/edgescope-bench-timeline.sqlite";
    bool keep = false;
    int repaints = 30, width = 1600, height = 900;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--events" && hasValue)
            wantedEvents = std::stoll(argv[++i]);
        else if (arg == "--session" && hasValue)
            session = argv[++i];
        else if (arg == "--keep")
            keep = true;
        else if (arg == "--repaints" && hasValue)
            repaints = std::max(1, std::atoi(argv[++i]));
        else if (arg == "--width" && hasValue)
            width = std::atoi(argv[++i]);
        else if (arg == "--height" && hasValue)
            height = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr,
                "usage: bench_timeline [--events N] [--session FILE] [--keep] [--repaints N] "
                "[--width W] [--height H]\n");
            return 2;
        }
    }
    QApplication application(argc, argv);
    const es::test_support::SyntheticTraceShape shape;
    const int64_t frames = std::max<int64_t>(1, wantedEvents / es::test_support::eventsPerFrame(shape));

    QElapsedTimer clock;
    if (!keep || !QFile::exists(QString::fromStdString(session))) {
        QFile::remove(QString::fromStdString(session));
        clock.start();
        auto data = es::test_support::syntheticGpuRun(frames, shape);
        const double generateS = double(clock.nsecsElapsed()) / 1e9;
        clock.restart();
        auto store = es::prof::SessionStore::openForWriting(session);
        if (!store) {
            std::fprintf(stderr, "bench_timeline: %s\n", store.status().message().c_str());
            return 1;
        }
        auto written = store.value()->writeRun(data);
        if (!written) {
            std::fprintf(stderr, "bench_timeline: %s\n", written.status().message().c_str());
            return 1;
        }
        std::printf("synthetic run: %lld frames, generated in %.1f s, written in %.1f s (%.0f MB on disk)\n",
            static_cast<long long>(frames), generateS, double(clock.nsecsElapsed()) / 1e9,
            double(es::prof::fileSizeBytes(session)) / 1e6);
    }
    es::engine::releaseFreeMemory();
    const double rssBefore = rssMb();
    clock.restart();
    auto store = es::prof::SessionStore::openForReading(session);
    if (!store) {
        std::fprintf(stderr, "bench_timeline: %s\n", store.status().message().c_str());
        return 1;
    }
    auto runs = store.value()->runs();
    auto loaded = es::app::loadRunLayout(session, runs.value().front().runId);
    if (!loaded) {
        std::fprintf(stderr, "bench_timeline: %s\n", loaded.status().message().c_str());
        return 1;
    }
    const double openS = double(clock.nsecsElapsed()) / 1e9;
    const auto layout = loaded.value();
    const es::prof::TraceModel& model = layout->model();
    const double rssAfter = rssMb();
    std::printf("open (read the session, build the model, lay out %zu lanes): %.2f s for %lld events\n",
        layout->lanes().size(), openS, static_cast<long long>(model.eventCount()));
    std::printf("memory: RSS +%.0f MB (%.1f bytes per event in RSS; the events themselves %.1f bytes each)\n",
        rssAfter - rssBefore, (rssAfter - rssBefore) * 1024 * 1024 / double(model.eventCount()), model.bytesPerEvent());

    es::app::TimelineView view;
    view.resize(width, height);
    view.setLayout(layout);
    view.setOrigin(model.startNs);
    const int lanesWidth = view.laneAreaWidth();
    const int64_t span = model.endNs - model.startNs;
    const Timing full = repaint(view, repaints, [&](int) { view.fitAll(); });
    const Timing panFull = repaint(view, repaints, [&](int i) {
        es::app::TimeAxis axis = es::app::TimeAxis::fit(0, span, lanesWidth);
        axis.panPixels(double(i % 10) * 13.0); // dragging the whole-run view sideways
        view.setAxis(axis);
    });
    const Timing narrow = repaint(view, repaints, [&](int i) {
        const int64_t at = span / int64_t(repaints + 1) * int64_t(i + 1);
        view.setAxis(es::app::TimeAxis::fit(at, at + 1'000'000, lanesWidth)); // 1 ms, across the run
    });
    std::printf("repaint %dx%d offscreen, %lld events, %d repaints each:\n", width, height,
        static_cast<long long>(model.eventCount()), repaints);
    const auto print = [](const char* what, const Timing& timing) {
        std::printf("  %-34s mean %6.2f ms  median %6.2f ms  max %6.2f ms  (%zu items drawn)  goal <= 16 ms: %s\n",
            what, timing.meanMs, timing.medianMs, timing.maxMs, timing.items,
            timing.medianMs <= 16.0 ? "met" : "NOT met");
    };
    print("full zoom-out", full);
    print("full zoom-out, panning", panFull);
    print("1 ms span, 30 places across the run", narrow);

    // The application's open: the session's snapshot (every run read and analysed: metrics, findings) with the first
    // run's timeline laid out from the events the analysis read, so the Timeline page shows without a second read.
    clock.restart();
    es::app::RunLayouts layouts;
    auto snapshot = es::app::loadSessionSnapshot(session, "", nullptr, &layouts);
    if (!snapshot) {
        std::fprintf(stderr, "bench_timeline: %s\n", snapshot.status().message().c_str());
        return 1;
    }
    std::printf("open in the application (every run analysed, the first laid out from the same read): %.2f s, "
                "%zu run(s), %zu timeline(s) ready\n",
        double(clock.nsecsElapsed()) / 1e9, snapshot.value()->runs.size(), layouts.size());
    if (!keep)
        QFile::remove(QString::fromStdString(session));
    return 0;
}
