// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDialog>

#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace es::app {

class SessionDocument;

/// Exports runs of the open session to any format EdgeScope writes: NVTXT (Nsight Systems' importer), nsys-schema
/// SQLite, Chrome/Perfetto JSON, CSV, the HTML report, and the report as PDF (QPdfWriter). The export runs on the
/// thread pool; errors name the file and the fix. GUI thread only.
class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    ExportDialog(SessionDocument* document, QWidget* parent = nullptr);

    /// Format ids in the order of the combo box: nvtxt, nsys-sqlite, chrome, csv, html, pdf.
    static QStringList formats();
    void setFormat(const QString& format);
    void setOutputPath(const QString& path);
    /// Starts the export (the dialog's Export button).
    void startExport();

signals:
    /// `message` says what was written (events, bytes) or why not.
    void exported(bool ok, const QString& message);

private:
    void suggestPath();

    SessionDocument* m_document;
    QComboBox* m_format;
    QListWidget* m_runs;
    QLineEdit* m_path;
    QLabel* m_status;
    QPushButton* m_export;
};

/// Writes the session's HTML report to `pdfPath` as a PDF (A4, QPdfWriter), its SVG charts drawn as pictures. GUI
/// thread (QTextDocument layout).
bool writeReportPdf(const QString& htmlPath, const QString& pdfPath, QString* error);

} // namespace es::app
