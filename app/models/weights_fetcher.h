// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "worker_thread.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace es::app {

/// Fetches one published weights file into the cache (engine::fetchWeights) on a worker thread of its own, so that
/// the window never waits on the network. start(), cancel(), isRunning() and the destructor are called on the GUI
/// thread; fetchWeights runs on the worker thread, and its progress (bytes so far and the total, 0 when the server
/// does not say) and its end are posted to the GUI thread and emitted there as signals. A progress update is dropped
/// while the GUI has not taken the previous one, so a fast download never floods the event loop. One fetch at a
/// time. cancel() sets the atomic flag fetchWeights reads between chunks; the partial file is kept and the next
/// fetch resumes it. The destructor cancels and waits for the worker.
class WeightsFetcher : public QObject
{
    Q_OBJECT
public:
    explicit WeightsFetcher(QObject* parent = nullptr);
    ~WeightsFetcher() override;

    /// Starts fetching the source `name` (engine::weightsSources()); `url` and `sha256`, when not empty, override the
    /// source's (a mirror, a file on a local server). False when a fetch is already running.
    bool start(const QString& name, const QString& url = {}, const QString& sha256 = {});
    void cancel();
    bool isRunning() const { return m_worker.isRunning(); }
    /// No byte for this long: the transfer stops (a later fetch resumes it). Taken by the next start().
    void setTimeoutSeconds(double seconds) { m_timeoutSeconds = seconds; }

signals:
    /// Bytes received so far, of `total` (0 when the server does not say).
    void progress(qint64 done, qint64 total);
    /// `path` is the verified file in the cache when `ok`; `message` says what was done (size, checksum, notes) or,
    /// on failure, names the address and the fix; `cancelled` when cancel() stopped it.
    void finished(bool ok, bool cancelled, const QString& message, const QString& path);

private:
    void deliverProgress(qint64 done, qint64 total);

    std::shared_ptr<std::atomic<bool>> m_progressInFlight;
    double m_timeoutSeconds = 30;
    WorkerThread m_worker; ///< last: destroyed (cancelled and joined) before the members above
};

} // namespace es::app
