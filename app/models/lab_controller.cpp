// SPDX-License-Identifier: Apache-2.0
#include "lab_controller.h"

#include "gui_thread.h"

#include "edgescope/engine/weights_cache.h"
#include "store/session_store.h"

#include <QCoreApplication>
#include <QPointer>

#include <algorithm>

namespace es::app {

QImage toImage(const engine::Frame& frame)
{
    if (frame.width <= 0 || frame.height <= 0 || frame.rgb.size() < size_t(frame.width) * size_t(frame.height) * 3)
        return {};
    const QImage view(frame.rgb.data(), frame.width, frame.height, frame.width * 3, QImage::Format_RGB888);
    return view.copy();
}

LabController::LabController(QObject* parent)
    : QObject(parent), m_liveInFlight(std::make_shared<std::atomic<bool>>(false))
{
    qRegisterMetaType<es::app::LiveSnapshot>();
}

LabController::~LabController() = default;

bool LabController::start(engine::LabOptions options)
{
    if (!m_worker.begin())
        return false;
    m_liveInFlight->store(false);
    options.cancel = m_worker.cancelFlag();
    auto post = guiThreadPoster(this);
    options.progress = [post](const std::string& line) {
        post([text = QString::fromStdString(line)](LabController* self) { emit self->progress(text); });
    };
    options.live = [post, inFlight = m_liveInFlight, seeded = options.weightsPath.empty()](
                       const engine::LiveUpdate& update) {
        if (inFlight->exchange(true))
            return; // the GUI has not drawn the previous frame yet
        LiveSnapshot snapshot;
        if (update.frame)
            snapshot.frame = toImage(*update.frame);
        snapshot.detections = update.detections;
        snapshot.stepId = QString::fromStdString(update.stepId);
        snapshot.stepNumber = update.stepNumber;
        snapshot.framesDone = update.framesDone;
        snapshot.framesTotal = update.framesTotal;
        snapshot.fps = update.fps;
        snapshot.batchLatencyMs = update.batchLatencyMs;
        snapshot.stagesMs = update.stagesMs;
        snapshot.seededWeights = seeded;
        post([snapshot = std::move(snapshot)](LabController* self) mutable { self->deliverLive(std::move(snapshot)); });
    };
    m_worker.launch([post, options = std::move(options)]() {
        const auto sessionRuns = [&options]() {
            std::vector<int64_t> ids;
            if (options.sessionPath.empty())
                return ids;
            auto store = prof::SessionStore::openForReading(options.sessionPath);
            if (store) {
                auto runs = store.value()->runs();
                if (runs)
                    for (const prof::RunSummary& run : runs.value())
                        ids.push_back(run.runId);
            }
            return ids;
        };
        const std::vector<int64_t> before = sessionRuns();
        bool ok = false;
        bool cancelled = false;
        QString message;
        QVector<qint64> runIds;
        try {
            auto result = engine::runLab(options);
            if (result) {
                ok = true;
                for (int64_t id : result.value().runIds)
                    runIds.push_back(id);
                post([text = QString::fromStdString("weights: " + result.value().weights)](
                         LabController* self) { emit self->progress(text); });
                for (const std::string& note : result.value().notes)
                    post([text = QString::fromStdString("note: " + note)](
                             LabController* self) { emit self->progress(text); });
            } else {
                cancelled = result.status().code() == StatusCode::Cancelled;
                message = labFailureMessage(result.status());
            }
        } catch (const std::exception& error) {
            message = QString::fromStdString(std::string("the lab stopped on an unexpected error: ") + error.what());
        }
        if (!ok) {
            // The steps finished before the failure or the cancel are in the session: name them.
            for (int64_t id : sessionRuns())
                if (std::find(before.begin(), before.end(), id) == before.end())
                    runIds.push_back(id);
        }
        post([ok, cancelled, message, runIds](LabController* self) {
            self->m_worker.finished();
            emit self->finished(ok, cancelled, message, runIds);
        });
    });
    return true;
}

QString experimentFieldLabel(const std::string& option)
{
    // As experiment_panel.cpp labels its rows, without the mnemonic and the colon; synthetic frames are typed into
    // the Video field.
    static const std::map<std::string, const char*> labels = { { "video", QT_TR_NOOP("Video") },
        { "synthetic", QT_TR_NOOP("Video") }, { "weights", QT_TR_NOOP("Weights") },
        { "weightsPath", QT_TR_NOOP("Weights") }, { "device", QT_TR_NOOP("Device") }, { "steps", QT_TR_NOOP("Steps") },
        { "batch", QT_TR_NOOP("Batch (s3, s4)") }, { "frames", QT_TR_NOOP("Frames per round") },
        { "warmup", QT_TR_NOOP("Warm-up frames") }, { "repeat", QT_TR_NOOP("Rounds (repeat)") },
        { "profile", QT_TR_NOOP("Profile") } };
    const auto found = labels.find(option);
    return found == labels.end() ? QString() : QObject::tr(found->second);
}

QString labFailureMessage(const Status& status)
{
    QString message = QString::fromStdString(status.message());
    const QString field = experimentFieldLabel(status.option());
    if (!field.isEmpty())
        message += QObject::tr(" (the %1 field of the Experiment panel)").arg(field);
    return message;
}

const char* const kLabWeightsSource = "ssd300";

Result<LabWeights> resolveLabWeights(const std::string& value)
{
    LabWeights weights;
    if (value == "seeded") {
        weights.description = QObject::tr("seeded (chosen in the Weights field): timings are real, boxes are not");
        return weights;
    }
    if (value.empty()) {
        if (auto cached = engine::cachedWeights(kLabWeightsSource)) {
            weights.path = *cached;
            weights.description = QObject::tr("the fetched %1 file %2 (the default when the cache holds one)")
                                      .arg(QString::fromLatin1(kLabWeightsSource), QString::fromStdString(*cached));
        } else {
            weights.description
                = QObject::tr("seeded: no fetched %1 file in %2 (Lab > Get Real Weights… fetches "
                              "NVIDIA's); timings are real, boxes are not")
                      .arg(QString::fromLatin1(kLabWeightsSource), QString::fromStdString(engine::weightsCacheDir()));
        }
        return weights;
    }
    auto file = engine::resolveWeights(value);
    if (!file)
        return file.status();
    weights.path = file.value();
    weights.description = weights.path == value
        ? QString::fromStdString(value)
        : QObject::tr("the fetched %1 file %2")
              .arg(QString::fromStdString(value), QString::fromStdString(weights.path));
    return weights;
}

QString weightsFailureMessage(const Status& status)
{
    QString message = labFailureMessage(status);
    if (status.option().empty())
        message += QObject::tr(" (the %1 field of the Experiment panel; Lab > Get Real Weights… fetches the "
                               "published files)")
                       .arg(experimentFieldLabel("weights"));
    return message;
}

void LabController::cancel()
{
    m_worker.cancel();
}

void LabController::deliverLive(LiveSnapshot snapshot)
{
    emit live(snapshot);
    m_liveInFlight->store(false);
}

} // namespace es::app
