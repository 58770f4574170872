// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace es::app {

class WeightsFetcher;

/// "Get real weights": the published weights files EdgeScope knows (engine::weightsSources(): name, model, whether
/// the cache holds it, publisher), Fetch with a progress bar (bytes so far of the total) and Cancel, and an optional
/// address that overrides the source's (a mirror, a local server). The download runs on the WeightsFetcher's thread;
/// a failure appears as a dialog with the fetcher's message, which names the address and the manual route. Not modal
/// to the lab: a run may go on while it fetches. GUI thread only.
class WeightsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit WeightsDialog(QWidget* parent = nullptr);

    /// Reads the cache again and updates the list's "In the cache" column.
    void refresh();
    /// Selects the row of source `name`; false when there is none.
    bool selectSource(const QString& name);
    QString selectedSource() const;
    void setUrlOverride(const QString& url);
    /// Fetches the selected source (Fetch); false when none is selected or a fetch is running.
    bool startFetch();
    /// A failure is logged through failed() instead of a message box (tests, scripts).
    void setQuiet(bool quiet) { m_quiet = quiet; }
    WeightsFetcher* fetcher() const { return m_fetcher; }
    QTableWidget* sourcesTable() const { return m_sources; }
    QProgressBar* progressBar() const { return m_progress; }
    QString lastError() const { return m_lastError; }

signals:
    /// A fetch ended with the verified file `path` in the cache; `message` says what was done.
    void fetched(const QString& name, const QString& path, const QString& message);
    /// A fetch failed (or was cancelled: `cancelled`), with the fetcher's message.
    void failed(const QString& name, const QString& message, bool cancelled);

private:
    void fetchFinished(bool ok, bool cancelled, const QString& message, const QString& path);
    void showProgress(qint64 done, qint64 total);
    void setFetching(bool fetching);

    WeightsFetcher* m_fetcher;
    QTableWidget* m_sources;
    QLineEdit* m_url;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPushButton* m_fetch;
    QPushButton* m_cancel;
    QString m_fetching;
    QString m_lastError;
    bool m_quiet = false;
};

} // namespace es::app
