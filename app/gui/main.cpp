// SPDX-License-Identifier: Apache-2.0
// edgescope: the desktop application. `edgescope [FILE]` opens a lab session or a trace; --run runs the lab at once
// (the README's main command on a machine with a display); --screenshots DIR saves every page and quits.
#include "es_config.h"
#include "experiment_panel.h"
#include "lab_controller.h"
#include "lesson_page.h"
#include "live_page.h"
#include "main_window.h"
#include "session_document.h"
#include "steps.h"
#include "timeline_page.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>

using namespace es::app;

int main(int argc, char** argv)
{
    QApplication application(argc, argv);
    QApplication::setOrganizationName("EdgeScope");
    QApplication::setApplicationName("EdgeScope");
    QApplication::setApplicationVersion(ES_VERSION);
    QApplication::setDesktopFileName("edgescope");
    QApplication::setWindowIcon(QIcon(resourcesFolder() + "/edgescope.svg"));

    QCommandLineParser parser;
    parser.setApplicationDescription("EdgeScope: a profiling-driven optimization lab for edge AI");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        "file", "A lab session, or a trace to import (nsys SQLite, PyTorch profiler JSON, NVTXT)");
    const QCommandLineOption run("run", "Run the lab at once (on --video, or the sample video)");
    const QCommandLineOption video("video", "Video file, camera or GStreamer pipeline", "spec");
    const QCommandLineOption synthetic("synthetic", "Synthetic frames of this size instead of a video", "WxH");
    const QCommandLineOption frames("frames", "Frames measured per step", "n");
    const QCommandLineOption warmup("warmup", "Warm-up frames per step", "n");
    const QCommandLineOption steps("steps", "Steps to run: all, or a list such as 0,2,4", "list");
    const QCommandLineOption batch("batch", "Batch of steps 3 and 4", "n");
    const QCommandLineOption device("device", "auto, cpu or cuda", "device");
    const QCommandLineOption profile("profile", "off, light or full (operators and the GPU trace)", "level");
    const QCommandLineOption weights("weights", "SSD300 weights file (default: seeded weights)", "file");
    // Not "--session": QGuiApplication takes that one (X11 session management).
    const QCommandLineOption session("out", "Write the runs to this session file (created when missing)", "file");
    const QCommandLineOption screenshots("screenshots", "Save a PNG of every page into DIR and quit", "dir");
    parser.addOptions(
        { run, video, synthetic, frames, warmup, steps, batch, device, profile, weights, session, screenshots });
    parser.process(application);

    MainWindow window;
    ExperimentPanel* panel = window.experiment();
    if (parser.isSet(video))
        panel->setVideo(parser.value(video));
    if (parser.isSet(synthetic)) {
        const QStringList size = parser.value(synthetic).split('x');
        panel->setSynthetic(size.value(0).toInt(), size.value(1).toInt());
    }
    if (parser.isSet(frames) || parser.isSet(warmup))
        panel->setFrames(parser.isSet(frames) ? parser.value(frames).toInt() : 12,
            parser.isSet(warmup) ? parser.value(warmup).toInt() : 2);
    if (parser.isSet(steps)) {
        auto parsed = es::engine::parseStepList(parser.value(steps).toStdString());
        if (!parsed) {
            std::fprintf(stderr, "edgescope: %s\n", parsed.status().message().c_str());
            return 2;
        }
        panel->setSteps(parsed.value());
    }
    if (parser.isSet(batch))
        panel->setBatch(parser.value(batch).toInt());
    if (parser.isSet(device))
        panel->setDevice(parser.value(device));
    if (parser.isSet(profile))
        panel->setProfile(parser.value(profile));
    if (parser.isSet(weights))
        panel->setWeights(parser.value(weights));
    if (parser.isSet(session) && !QFileInfo::exists(parser.value(session)))
        window.document()->startNew(QFileInfo(parser.value(session)).absoluteFilePath());
    else if (parser.isSet(session))
        window.openFile(parser.value(session));
    window.show();

    const QString shotsFolder = parser.value(screenshots);
    if (!shotsFolder.isEmpty()) {
        window.setQuiet(true);
        const bool liveRun = parser.isSet(run);
        // Once the session is loaded: the timeline shows s0 and s2 side by side on frame 2, then every page is saved
        // (with --run, the Live page was taken mid-run instead).
        const auto takeAll = [&window, shotsFolder, liveRun]() {
            const auto snapshot = window.document()->snapshot();
            if (snapshot && snapshot->runs.size() >= 2) {
                const qint64 first = snapshot->runs.front().runId;
                const qint64 other = snapshot->runs[std::min<size_t>(2, snapshot->runs.size() - 1)].runId;
                window.timelinePage()->showPair(first, other, 2);
            }
            window.showPage(MainWindow::TimelinePageIndex);
            QTimer::singleShot(4000, &window, [&window, shotsFolder, liveRun] {
                QString error;
                bool saved = true;
                for (auto page : { MainWindow::LivePageIndex, MainWindow::TimelinePageIndex,
                         MainWindow::TelemetryPageIndex, MainWindow::LessonPageIndex, MainWindow::ComparePageIndex }) {
                    if (!(liveRun && page == MainWindow::LivePageIndex))
                        saved = saved && window.savePageScreenshot(page, shotsFolder, &error);
                }
                if (!saved)
                    std::fprintf(stderr, "edgescope: %s\n", qPrintable(error));
                QApplication::exit(saved ? 0 : 1);
            });
        };
        if (liveRun) {
            QObject::connect(window.lab(), &LabController::live, &window,
                [&window, shotsFolder, taken = false](const LiveSnapshot& snapshot) mutable {
                    if (taken || snapshot.stepNumber < 2
                        || snapshot.framesDone < std::min<qint64>(3, snapshot.framesTotal))
                        return;
                    taken = true;
                    window.savePageScreenshot(MainWindow::LivePageIndex, shotsFolder);
                });
            QObject::connect(&window, &MainWindow::labFinished, &window,
                [&window, takeAll] { QTimer::singleShot(1000, &window, takeAll); });
        } else {
            QObject::connect(
                window.document(), &SessionDocument::loaded, &window,
                [&window, takeAll] { QTimer::singleShot(1000, &window, takeAll); }, Qt::SingleShotConnection);
        }
    }
    if (!parser.positionalArguments().isEmpty())
        window.openFile(parser.positionalArguments().first());
    if (parser.isSet(run))
        QTimer::singleShot(0, &window, [&window] { window.runLab(); });
    return application.exec();
}
