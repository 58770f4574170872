// SPDX-License-Identifier: Apache-2.0
#include "session_document.h"

#include "exchange/exchange.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QStandardPaths>
#include <QThreadPool>

namespace es::app {

const prof::RunAnalysis* SessionSnapshot::analysisOf(int64_t runId) const
{
    if (!analysis)
        return nullptr;
    for (const prof::RunAnalysis& run : analysis->runs) {
        if (run.metrics.runId == runId)
            return &run;
    }
    return nullptr;
}

const prof::RunSummary* SessionSnapshot::run(int64_t runId) const
{
    for (const prof::RunSummary& run : runs) {
        if (run.runId == runId)
            return &run;
    }
    return nullptr;
}

QString runLabel(const SessionSnapshot& snapshot, const prof::RunSummary& run)
{
    const QString name = QStringLiteral("#%1 %2").arg(run.runId).arg(QString::fromStdString(run.record.step));
    if (run.record.frames > 0)
        return QStringLiteral("%1 (%2 FPS)").arg(name).arg(run.record.fps, 0, 'f', 2);
    const prof::RunAnalysis* analysis = snapshot.analysisOf(run.runId);
    if (analysis && analysis->metrics.iterations)
        return QStringLiteral("%1 (%2 it/s)").arg(name).arg(analysis->metrics.iterations->perSecond, 0, 'g', 4);
    return QCoreApplication::translate("SessionDocument", "%1 (no iterations found)").arg(name);
}

Result<std::shared_ptr<const SessionSnapshot>> loadSessionSnapshot(
    const std::string& path, const std::string& iterationMarker, prof::SessionProgress* progress, RunLayouts* layouts)
{
    ES_ASSIGN_OR_RETURN(auto store, prof::SessionStore::openForReading(path));
    auto snapshot = std::make_shared<SessionSnapshot>();
    snapshot->path = path;
    snapshot->iterationMarker = iterationMarker;
    ES_ASSIGN_OR_RETURN(snapshot->runs, store->runs());
    ES_ASSIGN_OR_RETURN(snapshot->environment, store->environment());
    if (!snapshot->runs.empty()) {
        prof::SessionAnalysisHooks hooks;
        hooks.progress = progress;
        const int64_t first = snapshot->runs.front().runId;
        const int64_t last = snapshot->runs.back().runId;
        if (layouts)
            hooks.keepModel = [layouts, first, last](int64_t runId, prof::TraceModel& model) {
                if (runId == first || runId == last)
                    (*layouts)[runId]
                        = TimelineLayout::build(std::make_shared<const prof::TraceModel>(std::move(model)));
            };
        auto analysis = prof::analyzeSession(*store, {}, iterationMarker, hooks);
        if (analysis)
            snapshot->analysis = std::move(analysis.value());
        else
            snapshot->analysisError = analysis.status().message();
    }
    return std::shared_ptr<const SessionSnapshot>(std::move(snapshot));
}

Result<std::shared_ptr<const TimelineLayout>> loadRunLayout(
    const std::string& sessionPath, int64_t runId, prof::LoadProgress* progress)
{
    ES_ASSIGN_OR_RETURN(auto store, prof::SessionStore::openForReading(sessionPath));
    ES_ASSIGN_OR_RETURN(prof::TraceModel model, prof::loadRun(*store, runId, prof::kLoadAll, progress));
    return TimelineLayout::build(std::make_shared<const prof::TraceModel>(std::move(model)));
}

QString defaultSessionFolder()
{
    QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (folder.isEmpty())
        folder = QDir::homePath() + "/.local/share/EdgeScope";
    folder += "/sessions";
    QDir().mkpath(folder);
    return folder;
}

namespace {

/// What opening a session gives the GUI thread: the snapshot and the layouts its analysis read.
struct OpenedSession
{
    std::shared_ptr<const SessionSnapshot> snapshot;
    RunLayouts layouts;
};

/// Runs `work` on the thread pool and hands its result to `deliver` on the GUI thread, unless `owner` is gone.
template<typename Work, typename Deliver> void runAsync(QObject* owner, Work work, Deliver deliver)
{
    QPointer<QObject> guard(owner);
    QThreadPool::globalInstance()->start([guard, work = std::move(work), deliver = std::move(deliver)]() mutable {
        auto result = work();
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, deliver = std::move(deliver), result = std::move(result)]() mutable {
                if (guard)
                    deliver(std::move(result));
            },
            Qt::QueuedConnection);
    });
}

} // namespace

SessionDocument::SessionDocument(QObject* parent) : QObject(parent) { }

void SessionDocument::open(const QString& path)
{
    auto kind = prof::detectTraceKind(path.toStdString());
    if (!kind) {
        emit failed(QString::fromStdString(kind.status().message()));
        return;
    }
    if (kind.value() == prof::TraceKind::EdgeScopeSession) {
        load(path, QString());
        return;
    }
    const QString target = defaultSessionFolder() + "/" + QFileInfo(path).completeBaseName() + "-"
        + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") + ".sqlite";
    load(target, path);
}

void SessionDocument::reload()
{
    if (!m_path.isEmpty() && QFileInfo::exists(m_path))
        load(m_path, QString());
}

void SessionDocument::addTrace(const QString& tracePath)
{
    if (m_path.isEmpty() || !QFileInfo::exists(m_path)) {
        open(tracePath);
        return;
    }
    load(m_path, tracePath);
}

void SessionDocument::setIterationMarker(const QString& marker)
{
    m_iterationMarker = marker.trimmed();
    reload();
}

void SessionDocument::startNew(const QString& path)
{
    ++m_generation;
    m_loading.clear();
    m_path = path;
    m_layouts.clear();
    auto empty = std::make_shared<SessionSnapshot>();
    empty->path = path.toStdString();
    m_snapshot = std::move(empty);
    emit loaded();
}

void SessionDocument::load(const QString& path, const QString& importFrom)
{
    const quint64 generation = ++m_generation;
    m_loading.clear(); // layouts on their way belong to the session before
    ++m_pending;
    const std::string sessionPath = path.toStdString();
    const std::string tracePath = importFrom.toStdString();
    const std::string marker = m_iterationMarker.toStdString();
    auto progress = std::make_shared<prof::SessionProgress>();
    m_opening = progress;
    emit openStarted();
    runAsync(
        this,
        [sessionPath, tracePath, marker, progress]() -> Result<OpenedSession> {
            if (!tracePath.empty()) {
                auto imported = prof::importTrace(tracePath, sessionPath);
                if (!imported)
                    return imported.status();
            }
            OpenedSession opened;
            ES_ASSIGN_OR_RETURN(
                opened.snapshot, loadSessionSnapshot(sessionPath, marker, progress.get(), &opened.layouts));
            if (!tracePath.empty()) {
                auto copy = std::make_shared<SessionSnapshot>(*opened.snapshot);
                copy->importedFrom = tracePath;
                opened.snapshot = std::move(copy);
            }
            return opened;
        },
        [this, generation, path, progress](Result<OpenedSession> result) {
            --m_pending;
            if (m_opening == progress)
                m_opening.reset();
            if (generation != m_generation)
                return;
            if (!result) {
                emit failed(QString::fromStdString(result.status().message()));
                return;
            }
            // The runs may have changed: layouts load again on demand, but for those the analysis just read.
            m_layouts.clear();
            for (auto& [runId, layout] : result.value().layouts)
                m_layouts[runId] = std::move(layout);
            m_path = path;
            m_snapshot = std::move(result.value().snapshot);
            emit loaded();
        });
}

void SessionDocument::requestRunLayout(qint64 runId)
{
    if (m_layouts.count(runId)) {
        emit runLayoutReady(runId);
        return;
    }
    if (m_loading.count(runId))
        return; // already on its way: runLayoutReady follows
    const quint64 generation = m_generation;
    ++m_pending;
    auto progress = std::make_shared<prof::LoadProgress>();
    m_loading[runId] = progress;
    runAsync(
        this, [path = m_path.toStdString(), runId, progress]() { return loadRunLayout(path, runId, progress.get()); },
        [this, generation, runId, progress](Result<std::shared_ptr<const TimelineLayout>> result) {
            --m_pending;
            auto loading = m_loading.find(runId);
            if (loading != m_loading.end() && loading->second == progress)
                m_loading.erase(loading);
            if (generation != m_generation)
                return;
            if (!result) {
                emit runLayoutFailed(runId, QString::fromStdString(result.status().message()));
                return;
            }
            // Keep a few runs: two side by side and the ones just left.
            if (m_layouts.size() >= 4)
                m_layouts.erase(m_layouts.begin());
            m_layouts[runId] = std::move(result.value());
            emit runLayoutReady(runId);
        });
}

double SessionDocument::openProgress() const
{
    return m_opening ? m_opening->fraction() : -1.0;
}

double SessionDocument::layoutProgress(qint64 runId) const
{
    auto found = m_loading.find(runId);
    return found == m_loading.end() ? -1.0 : found->second->fraction();
}

std::shared_ptr<const TimelineLayout> SessionDocument::cachedLayout(qint64 runId) const
{
    auto found = m_layouts.find(runId);
    return found == m_layouts.end() ? nullptr : found->second;
}

} // namespace es::app
