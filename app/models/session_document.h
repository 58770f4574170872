// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/analysis.h"
#include "store/session_store.h"
#include "timeline_layout.h"

#include <QObject>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::app {

/// What the pages show of a session: its runs, environment and the lab analysis (every run, each compared with the
/// one before). Built off the GUI thread, then immutable; any thread.
struct SessionSnapshot
{
    std::string path;
    std::string importedFrom; ///< the trace it was imported from, empty for a lab session
    std::vector<prof::RunSummary> runs;
    std::map<std::string, std::string> environment;
    std::optional<prof::LabAnalysis> analysis;
    std::string analysisError;
    std::string iterationMarker; ///< the range that marks an import's iterations, as asked (empty: found)

    /// The analysis of a run, or null.
    const prof::RunAnalysis* analysisOf(int64_t runId) const;
    const prof::RunSummary* run(int64_t runId) const;
};

/// "#3 s2-device-pre-post (12.30 FPS)" for a lab run; "#1 import (5.72 it/s)" for an import with iterations and
/// "#1 import (no iterations found)" for one without: a figure that does not apply is not shown as 0.00.
QString runLabel(const SessionSnapshot& snapshot, const prof::RunSummary& run);

/// The layouts a snapshot's analysis already read: run id -> layout.
using RunLayouts = std::map<int64_t, std::shared_ptr<const TimelineLayout>>;

/// Reads a session file into a snapshot; `iterationMarker` as analyzeRun takes it. `progress`, when given, follows
/// the analysis; `layouts`, when given, gets the timelines of the first and last runs (the ones the Timeline and
/// Compare pages show first) laid out from the events the analysis read, so they are not read twice. Any thread.
Result<std::shared_ptr<const SessionSnapshot>> loadSessionSnapshot(const std::string& path,
    const std::string& iterationMarker = "", prof::SessionProgress* progress = nullptr, RunLayouts* layouts = nullptr);
/// Loads one run's events and lays out its lanes; `progress`, when given, follows the reading. Any thread.
Result<std::shared_ptr<const TimelineLayout>> loadRunLayout(
    const std::string& sessionPath, int64_t runId, prof::LoadProgress* progress = nullptr);

/// Where imported traces and new lab sessions go by default: the application's data folder.
QString defaultSessionFolder();

/// The session the window shows, loaded and reloaded on the thread pool: open() takes a lab session or any trace
/// importTrace reads (nsys SQLite, Kineto JSON, NVTXT), which it imports into a new session beside the others first;
/// runLayout() loads a run's timeline. Results arrive as signals on the GUI thread; a result overtaken by a newer
/// request is dropped. GUI thread only.
class SessionDocument : public QObject
{
    Q_OBJECT
public:
    explicit SessionDocument(QObject* parent = nullptr);

    void open(const QString& path);
    /// Re-reads the current session (after a run appended to it).
    void reload();
    /// Imports a trace into the session shown (a new session when none is), then reloads: two traces of one
    /// program, before and after a change, side by side on the Compare page.
    void addTrace(const QString& tracePath);
    /// The range that marks one iteration of the imports ("ProfilerStep#", an NVTX range); empty lets the analysis
    /// find it. Reloads the session.
    void setIterationMarker(const QString& marker);
    QString iterationMarker() const { return m_iterationMarker; }
    void requestRunLayout(qint64 runId);
    /// Points at a session that may not exist yet (a new lab): empty snapshot until a run writes it.
    void startNew(const QString& path);

    QString path() const { return m_path; }
    std::shared_ptr<const SessionSnapshot> snapshot() const { return m_snapshot; }
    std::shared_ptr<const TimelineLayout> cachedLayout(qint64 runId) const;
    /// How far the loading of a run's layout has come (0..1), or -1 when it is not loading.
    double layoutProgress(qint64 runId) const;
    /// How far opening (or reloading) the session has come (0..1: its runs read and analysed), or -1 when none is
    /// under way.
    double openProgress() const;
    bool isLoading() const { return m_pending > 0; }

signals:
    /// A session began to open or reload (openProgress follows it until loaded or failed).
    void openStarted();
    void loaded();
    /// The message names the file and the fix.
    void failed(const QString& message);
    void runLayoutReady(qint64 runId);
    void runLayoutFailed(qint64 runId, const QString& message);

private:
    void load(const QString& path, const QString& importFrom);

    QString m_path;
    QString m_iterationMarker;
    std::shared_ptr<const SessionSnapshot> m_snapshot;
    std::map<qint64, std::shared_ptr<const TimelineLayout>> m_layouts;
    std::map<qint64, std::shared_ptr<prof::LoadProgress>> m_loading; ///< the layouts being loaded
    std::shared_ptr<prof::SessionProgress> m_opening; ///< the open under way, null when none
    quint64 m_generation = 0;
    int m_pending = 0;
};

} // namespace es::app
