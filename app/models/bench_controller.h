// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "edgescope/engine/model_bench.h"

#include "worker_thread.h"

#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>

namespace es::app {

/// Runs the model bench (engine::runBench) on a worker thread so that the window never waits: each progress line and
/// the end arrive as signals on the GUI thread. cancel() stops before the next measured batch; the models finished
/// before it are already in the session. Exceptions stay on the worker thread. GUI thread only.
class BenchController : public QObject
{
    Q_OBJECT
public:
    explicit BenchController(QObject* parent = nullptr);
    ~BenchController() override;

    /// Starts a bench; false when one is already running. `options.sessionPath` receives a run per model and
    /// precision.
    bool start(engine::BenchOptions options);
    void cancel() { m_worker.cancel(); }
    bool isRunning() const { return m_worker.isRunning(); }

signals:
    void progress(const QString& line);
    /// `cancelled` when Cancel stopped it; `message` names the option or input and the fix when it failed.
    void finished(bool ok, bool cancelled, const QString& message);

private:
    WorkerThread m_worker;
};

} // namespace es::app
