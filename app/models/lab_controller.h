// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "base/status.h"
#include "edgescope/engine/detection.h"
#include "edgescope/engine/lab.h"

#include "worker_thread.h"
#include <QImage>

#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace es::app {

/// What the Live page shows after a batch: a copy of the frame, its detections, the step's FPS and stage times so
/// far. Value type.
struct LiveSnapshot
{
    QImage frame;
    engine::FrameDetections detections;
    QString stepId;
    int stepNumber = 0;
    qint64 framesDone = 0;
    qint64 framesTotal = 0;
    double fps = 0;
    double batchLatencyMs = 0;
    std::map<std::string, double> stagesMs;
    /// The run uses seeded weights (LabOptions::weightsPath empty): its boxes are not real objects.
    bool seededWeights = false;
};

/// Runs the lab (engine::runLab) on a worker thread so that the window never waits: progress lines, live frames and
/// the end arrive as signals on the GUI thread; a successful run ends with a "weights: ..." line saying which weights
/// it used, in the engine's words (as the CLI's table does). Live frames are dropped while the GUI has not shown the
/// previous one, so a slow screen never slows the lab. cancel() stops after the current batch; the steps finished
/// before it are already in the session. Exceptions stay on the worker thread. GUI thread only.
class LabController : public QObject
{
    Q_OBJECT
public:
    explicit LabController(QObject* parent = nullptr);
    ~LabController() override;

    /// Starts a lab run; false when one is already running.
    bool start(engine::LabOptions options);
    void cancel();
    bool isRunning() const { return m_worker.isRunning(); }
    bool cancelRequested() const { return m_worker.cancelRequested(); }

signals:
    void progress(const QString& line);
    void live(const es::app::LiveSnapshot& snapshot);
    /// `cancelled` when Cancel stopped it; `message` names the input and the fix when it failed; `runIds` are the
    /// session's runs written by this lab (the finished steps, also when it failed or was cancelled).
    void finished(bool ok, bool cancelled, const QString& message, const QVector<qint64>& runIds);

private:
    void deliverLive(LiveSnapshot snapshot);

    std::shared_ptr<std::atomic<bool>> m_liveInFlight;
    WorkerThread m_worker; ///< last: destroyed (cancelled and joined) before the members above
};

/// The Experiment panel's label of an engine option (Status::option(), e.g. "frames" -> "Frames per round"), as the
/// panel shows it; empty for an option the panel has no field for (the bench's models and precisions).
QString experimentFieldLabel(const std::string& option);
/// An engine failure as the GUI shows it: the message, and for a bad option the field that sets it, e.g. "frames is
/// 0: measure 1 frame or more (the Frames per round field of the Experiment panel)".
QString labFailureMessage(const Status& status);

/// The weights a lab run uses: the file for LabOptions::weightsPath (empty: seeded) and, in words, which and why.
/// Value type.
struct LabWeights
{
    std::string path;
    QString description;
};
/// The name of the fetched SSD300 source the lab uses by default ("ssd300").
extern const char* const kLabWeightsSource;
/// What the Weights field means: "seeded" -> seeded weights; empty -> the fetched SSD300 file when the cache holds
/// one, else seeded; a fetched name ("ssd300") or a path -> that file (engine::resolveWeights). Reads the cache
/// folder (engine::weightsCacheDir()); any thread.
Result<LabWeights> resolveLabWeights(const std::string& value);
/// A Weights field that cannot be resolved, as the GUI shows it: the message (which names the file or the name and
/// the fetch), the field, and the menu action that fetches the published files.
QString weightsFailureMessage(const Status& status);

/// Copies an RGB frame of the engine into a QImage (deep copy: the engine's buffer lives only during the call).
QImage toImage(const engine::Frame& frame);

} // namespace es::app

Q_DECLARE_METATYPE(es::app::LiveSnapshot)
