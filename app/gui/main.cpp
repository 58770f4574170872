// SPDX-License-Identifier: Apache-2.0
// edgescope: the desktop application. `edgescope [FILE]` opens a lab session or a trace; --run runs the lab at once
// (the README's main command on a machine with a display); --screenshots DIR saves every page and quits.
#include "devices_page.h"
#include "edgescope/engine/steps.h"
#include "es_config.h"
#include "experiment_panel.h"
#include "lab_controller.h"
#include "lesson_page.h"
#include "live_page.h"
#include "main_window.h"
#include "session_document.h"
#include "timeline_page.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>

using namespace es::app;

namespace {

/// The options of `edgescope`, declared once: main parses them, the helpers below read them.
struct CommandLineOptions
{
    QCommandLineOption run { "run", "Run the lab at once (on --video, or the sample video)" };
    QCommandLineOption video { "video", "Video file, camera or GStreamer pipeline", "spec" };
    QCommandLineOption synthetic { "synthetic", "Synthetic frames of this size instead of a video", "WxH" };
    QCommandLineOption frames { "frames", "Frames measured per step in each round", "n" };
    QCommandLineOption warmup { "warmup", "Warm-up frames per step in each round", "n" };
    QCommandLineOption repeat { "repeat", "Rounds each step is measured in, interleaved (default 3)", "n" };
    QCommandLineOption steps { "steps", "Steps to run: all, or a list such as 0,2,4", "list" };
    QCommandLineOption batch { "batch", "Batch of steps 3 and 4", "n" };
    QCommandLineOption device { "device", "auto, cpu or cuda", "device" };
    QCommandLineOption profile { "profile", "off, light or full (operators and the GPU trace)", "level" };
    QCommandLineOption weights { "weights",
        "SSD300 weights: a fetched name (ssd300), a file or seeded (default: the fetched ssd300 when cached)", "file" };
    // Not "--session": QGuiApplication takes that one (X11 session management).
    QCommandLineOption session { "out", "Write the runs to this session file (created when missing)", "file" };
    QCommandLineOption screenshots { "screenshots", "Save a PNG of every page into DIR and quit", "dir" };
    QCommandLineOption devices { "devices",
        "Bench sessions of devices to compare on the Devices page (comma list of files)", "files" };

    QList<QCommandLineOption> all() const
    {
        return { run, video, synthetic, frames, warmup, repeat, steps, batch, device, profile, weights, session,
            screenshots, devices };
    }
};

void describeApplication()
{
    QApplication::setOrganizationName("EdgeScope");
    QApplication::setApplicationName("EdgeScope");
    QApplication::setApplicationVersion(ES_VERSION);
    QApplication::setDesktopFileName("edgescope");
    QApplication::setWindowIcon(QIcon(resourcesFolder() + "/edgescope.svg"));
}

/// Declares the options and parses the command line; --help, --version and a bad option end the process here.
void parseCommandLine(QCommandLineParser& parser, const CommandLineOptions& options, QApplication& application)
{
    parser.setApplicationDescription("EdgeScope: a profiling-driven optimization lab for edge AI");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        "file", "A lab session, or a trace to import (nsys SQLite, PyTorch profiler JSON, NVTXT)");
    parser.addOptions(options.all());
    parser.process(application);
}

/// Sets the Experiment panel's fields from the options given; false (said on stderr) when --steps is not valid.
bool fillExperimentPanel(const QCommandLineParser& parser, const CommandLineOptions& options, ExperimentPanel* panel)
{
    if (parser.isSet(options.video))
        panel->setVideo(parser.value(options.video));
    if (parser.isSet(options.synthetic)) {
        const QStringList size = parser.value(options.synthetic).split('x');
        panel->setSynthetic(size.value(0).toInt(), size.value(1).toInt());
    }
    if (parser.isSet(options.frames) || parser.isSet(options.warmup))
        panel->setFrames(parser.isSet(options.frames) ? parser.value(options.frames).toInt() : 4,
            parser.isSet(options.warmup) ? parser.value(options.warmup).toInt() : 1);
    if (parser.isSet(options.repeat))
        panel->setRepeat(parser.value(options.repeat).toInt());
    if (parser.isSet(options.steps)) {
        auto parsed = es::engine::parseStepList(parser.value(options.steps).toStdString());
        if (!parsed) {
            std::fprintf(stderr, "edgescope: %s\n", parsed.status().message().c_str());
            return false;
        }
        panel->setSteps(parsed.value());
    }
    if (parser.isSet(options.batch))
        panel->setBatch(parser.value(options.batch).toInt());
    if (parser.isSet(options.device))
        panel->setDevice(parser.value(options.device));
    if (parser.isSet(options.profile))
        panel->setProfile(parser.value(options.profile));
    if (parser.isSet(options.weights))
        panel->setWeights(parser.value(options.weights));
    return true;
}

/// --out FILE: a new session when the file is missing, else the session opened.
void openOutputSession(const QCommandLineParser& parser, const CommandLineOptions& options, MainWindow& window)
{
    if (!parser.isSet(options.session))
        return;
    const QString path = parser.value(options.session);
    if (!QFileInfo::exists(path))
        window.document()->startNew(QFileInfo(path).absoluteFilePath());
    else
        window.openFile(path);
}

/// Shows s0 and s2 side by side on frame 2 in the timeline, then after a while saves every page into `folder` and
/// quits (with `liveRun`, the Live page was taken mid-run instead).
void saveAllPages(MainWindow& window, const QString& folder, bool liveRun)
{
    const auto snapshot = window.document()->snapshot();
    if (snapshot && snapshot->runs.size() >= 2) {
        const qint64 first = snapshot->runs.front().runId;
        const qint64 other = snapshot->runs[std::min<size_t>(2, snapshot->runs.size() - 1)].runId;
        window.timelinePage()->showPair(first, other, 2);
    }
    window.showPage(MainWindow::TimelinePageIndex);
    QTimer::singleShot(4000, &window, [&window, folder, liveRun] {
        QString error;
        bool saved = true;
        for (auto page : { MainWindow::LivePageIndex, MainWindow::TimelinePageIndex, MainWindow::TelemetryPageIndex,
                 MainWindow::LessonPageIndex, MainWindow::ComparePageIndex, MainWindow::BenchPageIndex,
                 MainWindow::DevicesPageIndex }) {
            if (!(liveRun && page == MainWindow::LivePageIndex))
                saved = saved && window.savePageScreenshot(page, folder, &error);
        }
        if (!saved)
            std::fprintf(stderr, "edgescope: %s\n", qPrintable(error));
        QApplication::exit(saved ? 0 : 1);
    });
}

/// --screenshots DIR: every page saved once the session is loaded, or, with --run, the Live page mid-run (step 2,
/// a few frames in) and the others once the lab finished.
void scheduleScreenshots(MainWindow& window, const QString& folder, bool liveRun)
{
    window.setQuiet(true);
    const auto takeAll = [&window, folder, liveRun] { saveAllPages(window, folder, liveRun); };
    if (liveRun) {
        QObject::connect(window.lab(), &LabController::live, &window,
            [&window, folder, taken = false](const LiveSnapshot& snapshot) mutable {
                if (taken || snapshot.stepNumber < 2 || snapshot.framesDone < std::min<qint64>(3, snapshot.framesTotal))
                    return;
                taken = true;
                window.savePageScreenshot(MainWindow::LivePageIndex, folder);
            });
        QObject::connect(&window, &MainWindow::labFinished, &window,
            [&window, takeAll] { QTimer::singleShot(1000, &window, takeAll); });
    } else {
        QObject::connect(
            window.document(), &SessionDocument::loaded, &window,
            [&window, takeAll] { QTimer::singleShot(1000, &window, takeAll); }, Qt::SingleShotConnection);
    }
}

} // namespace

int main(int argc, char** argv)
{
    QApplication application(argc, argv);
    describeApplication();
    QCommandLineParser parser;
    const CommandLineOptions options;
    parseCommandLine(parser, options, application);

    MainWindow window;
    if (!fillExperimentPanel(parser, options, window.experiment()))
        return 2;
    openOutputSession(parser, options, window);
    if (parser.isSet(options.devices))
        for (const QString& file : parser.value(options.devices).split(',', Qt::SkipEmptyParts)) {
            QString error;
            if (!window.devicesPage()->addSession(file, &error))
                emit window.devicesPage()->failed(error); // a dialog (the log in --screenshots mode)
        }
    window.show();

    const QString shotsFolder = parser.value(options.screenshots);
    if (!shotsFolder.isEmpty())
        scheduleScreenshots(window, shotsFolder, parser.isSet(options.run));
    if (!parser.positionalArguments().isEmpty())
        window.openFile(parser.positionalArguments().first());
    if (parser.isSet(options.run))
        QTimer::singleShot(0, &window, [&window] { window.runLab(); });
    return application.exec();
}
