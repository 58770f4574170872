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

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
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
    const QCommandLineOption screenshots("screenshots", "Save a PNG of every page into DIR and quit", "dir");
    parser.addOptions({ run, video, synthetic, frames, warmup, steps, screenshots });
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
    window.show();

    const QString shotsFolder = parser.value(screenshots);
    if (!shotsFolder.isEmpty()) {
        window.setQuiet(true);
        const auto finish = [&window, shotsFolder]() {
            QString error;
            const bool saved = window.saveScreenshots(shotsFolder, &error);
            if (!saved)
                std::fprintf(stderr, "edgescope: %s\n", qPrintable(error));
            QApplication::exit(saved ? 0 : 1);
        };
        // With --run, the Live page is taken mid-run; the other pages once the session holds the runs.
        QObject::connect(&window, &MainWindow::labFinished, &window, [finish] { QTimer::singleShot(4000, finish); });
        if (!parser.isSet(run))
            QObject::connect(
                window.document(), &SessionDocument::loaded, &window, [finish] { QTimer::singleShot(4000, finish); },
                Qt::SingleShotConnection);
    }
    if (!parser.positionalArguments().isEmpty())
        window.openFile(parser.positionalArguments().first());
    if (parser.isSet(run))
        QTimer::singleShot(0, &window, [&window] { window.runLab(); });
    return application.exec();
}
