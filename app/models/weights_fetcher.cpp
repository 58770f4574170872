// SPDX-License-Identifier: Apache-2.0
#include "weights_fetcher.h"

#include "gui_thread.h"

#include "edgescope/engine/weights_cache.h"

#include <QCoreApplication>
#include <QPointer>

namespace es::app {

namespace {

/// What a finished fetch did, in words: the file, its size, where from, and the fetcher's notes.
QString describeFetch(const engine::FetchResult& result)
{
    QString text = result.alreadyCached
        ? QObject::tr("%1 is already in the cache (%2 bytes, checked)")
              .arg(QString::fromStdString(result.path))
              .arg(result.bytes)
        : QObject::tr("fetched %1 bytes from %2 into %3")
              .arg(result.bytes)
              .arg(QString::fromStdString(result.url), QString::fromStdString(result.path));
    if (result.resumedFrom > 0)
        text += QObject::tr(" (resumed after %1 bytes)").arg(result.resumedFrom);
    if (!result.sha256.empty())
        text += QObject::tr("; SHA-256 %1").arg(QString::fromStdString(result.sha256));
    for (const std::string& note : result.notes)
        text += QStringLiteral("; ") + QString::fromStdString(note);
    return text;
}

} // namespace

WeightsFetcher::WeightsFetcher(QObject* parent)
    : QObject(parent), m_progressInFlight(std::make_shared<std::atomic<bool>>(false))
{ }

WeightsFetcher::~WeightsFetcher() = default;

bool WeightsFetcher::start(const QString& name, const QString& url, const QString& sha256)
{
    if (!m_worker.begin())
        return false;
    m_progressInFlight->store(false);
    auto post = guiThreadPoster(this);
    engine::FetchOptions options;
    options.url = url.trimmed().toStdString();
    options.sha256 = sha256.trimmed().toLower().toStdString();
    options.timeoutSeconds = m_timeoutSeconds;
    options.cancel = m_worker.cancelFlag();
    options.progress = [post, inFlight = m_progressInFlight](int64_t done, int64_t total) {
        if (inFlight->exchange(true))
            return; // the GUI has not taken the previous update yet
        post([done, total](WeightsFetcher* self) { self->deliverProgress(done, total); });
    };
    m_worker.launch([post, source = name.toStdString(), options = std::move(options)]() {
        bool ok = false;
        bool cancelled = false;
        QString message;
        QString path;
        try {
            auto result = engine::fetchWeights(source, options);
            if (result) {
                ok = true;
                path = QString::fromStdString(result.value().path);
                message = describeFetch(result.value());
            } else {
                cancelled = result.status().code() == StatusCode::Cancelled;
                message = QString::fromStdString(result.status().message());
            }
        } catch (const std::exception& error) {
            message = QString::fromStdString("the fetch of " + source + " stopped on an unexpected error: "
                + error.what() + " (the partial file is kept; fetch again to resume)");
        }
        post([ok, cancelled, message, path](WeightsFetcher* self) {
            self->m_worker.finished();
            emit self->finished(ok, cancelled, message, path);
        });
    });
    return true;
}

void WeightsFetcher::cancel()
{
    m_worker.cancel();
}

void WeightsFetcher::deliverProgress(qint64 done, qint64 total)
{
    m_progressInFlight->store(false);
    emit progress(done, total);
}

} // namespace es::app
