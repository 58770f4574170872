// SPDX-License-Identifier: Apache-2.0
#include "export_dialog.h"

#include "exchange/exchange.h"
#include "session_document.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPointer>
#include <QPushButton>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QThreadPool>
#include <QVBoxLayout>

namespace es::app {

namespace {
const char* const kSuffixes[] = { ".nvtxt", ".nsys.sqlite", ".trace.json", ".csv", ".html", ".pdf" };
}

QStringList ExportDialog::formats()
{
    return { "nvtxt", "nsys-sqlite", "chrome", "csv", "html", "pdf" };
}

bool writeReportPdf(const QString& htmlPath, const QString& pdfPath, QString* error)
{
    QFile html(htmlPath);
    if (!html.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("cannot read the report %1: %2").arg(htmlPath, html.errorString());
        return false;
    }
    // QTextDocument draws no inline SVG: each of the report's charts becomes a picture resource first.
    QString text = QString::fromUtf8(html.readAll());
    QTextDocument document;
    int charts = 0;
    for (qsizetype start = text.indexOf("<svg"); start >= 0; start = text.indexOf("<svg", start)) {
        const qsizetype end = text.indexOf("</svg>", start);
        if (end < 0)
            break;
        const QByteArray svg = text.mid(start, end + 6 - start).toUtf8();
        QSvgRenderer renderer(svg);
        QString replacement;
        if (renderer.isValid()) {
            const QSize size = renderer.defaultSize().isValid() ? renderer.defaultSize() : QSize(700, 300);
            QImage picture(size * 2, QImage::Format_ARGB32);
            picture.fill(Qt::white);
            QPainter painter(&picture);
            renderer.render(&painter);
            painter.end();
            const QString name = QStringLiteral("chart%1.png").arg(charts++);
            document.addResource(QTextDocument::ImageResource, QUrl(name), picture);
            replacement = QStringLiteral("<img src=\"%1\" width=\"%2\" height=\"%3\">")
                              .arg(name)
                              .arg(size.width())
                              .arg(size.height());
        }
        text.replace(start, end + 6 - start, replacement);
        start += replacement.size();
    }
    document.setHtml(text);
    QPdfWriter writer(pdfPath);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setTitle(QObject::tr("EdgeScope report"));
    writer.setCreator(QStringLiteral("EdgeScope"));
    writer.setResolution(150);
    document.setPageSize(QSizeF(writer.width(), writer.height()));
    document.print(&writer);
    if (QFileInfo(pdfPath).size() == 0) {
        *error = QObject::tr("cannot write %1: check that the folder exists and is writable").arg(pdfPath);
        return false;
    }
    return true;
}

ExportDialog::ExportDialog(SessionDocument* document, QWidget* parent)
    : QDialog(parent)
    , m_document(document)
    , m_format(new QComboBox)
    , m_runs(new QListWidget)
    , m_path(new QLineEdit)
    , m_status(new QLabel)
    , m_export(new QPushButton(tr("Export")))
{
    setWindowTitle(tr("Export - EdgeScope"));
    const QStringList names = { tr("NVTXT (Nsight Systems: File > Import)"), tr("nsys-schema SQLite (nsys queries)"),
        tr("Chrome / Perfetto trace JSON"), tr("CSV tables"), tr("HTML report"), tr("PDF report") };
    for (int i = 0; i < names.size(); ++i)
        m_format->addItem(names[i], formats()[i]);
    const auto snapshot = m_document->snapshot();
    if (snapshot) {
        for (const prof::RunSummary& run : snapshot->runs) {
            auto* item = new QListWidgetItem(runLabel(*snapshot, run));
            item->setData(Qt::UserRole, qlonglong(run.runId));
            item->setCheckState(Qt::Checked);
            m_runs->addItem(item);
        }
    }
    auto* browse = new QPushButton(tr("Browse…"));
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    auto* form = new QFormLayout;
    form->addRow(tr("&Format:"), m_format);
    form->addRow(tr("&Runs:"), m_runs);
    form->addRow(tr("&File:"), pathRow);
    m_status->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_export, QDialogButtonBox::AcceptRole);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_export, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(m_format, qOverload<int>(&QComboBox::currentIndexChanged), this, &ExportDialog::suggestPath);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export to"), m_path->text());
        if (!path.isEmpty())
            m_path->setText(path);
    });
    suggestPath();
}

void ExportDialog::suggestPath()
{
    const QFileInfo session(m_document->path());
    const QString folder = session.absolutePath().isEmpty() ? QDir::homePath() : session.absolutePath();
    m_path->setText(folder + "/" + session.completeBaseName() + kSuffixes[std::max(0, m_format->currentIndex())]);
}

void ExportDialog::setFormat(const QString& format)
{
    m_format->setCurrentIndex(std::max(0, int(formats().indexOf(format))));
}

void ExportDialog::setOutputPath(const QString& path)
{
    m_path->setText(path);
}

void ExportDialog::startExport()
{
    std::vector<int64_t> runIds;
    bool all = true;
    for (int i = 0; i < m_runs->count(); ++i) {
        if (m_runs->item(i)->checkState() == Qt::Checked)
            runIds.push_back(m_runs->item(i)->data(Qt::UserRole).toLongLong());
        else
            all = false;
    }
    if (runIds.empty()) {
        m_status->setText(tr("Tick at least one run to export."));
        return;
    }
    if (all)
        runIds.clear();
    const QString format = m_format->currentData().toString();
    const QString target = m_path->text();
    const bool pdf = format == "pdf";
    auto temporary = std::make_shared<QTemporaryDir>();
    const QString written = pdf ? temporary->path() + "/report.html" : target;
    m_export->setEnabled(false);
    m_status->setText(tr("Exporting…"));
    QPointer<ExportDialog> guard(this);
    const std::string session = m_document->path().toStdString();
    QThreadPool::globalInstance()->start([=]() {
        QString message;
        bool ok = false;
        auto store = prof::SessionStore::openForReading(session);
        if (!store) {
            message = QString::fromStdString(store.status().message());
        } else {
            auto parsed = prof::parseExportFormat(pdf ? "html" : format.toStdString());
            auto stats = prof::exportRuns(*store.value(), runIds, parsed.value(), written.toStdString());
            ok = bool(stats);
            message = ok
                ? tr("%1 events, %2 bytes written to %3").arg(stats.value().events).arg(stats.value().bytes).arg(target)
                : QString::fromStdString(stats.status().message());
            if (ok)
                for (const std::string& note : stats.value().notes)
                    message += "\n" + QString::fromStdString(note);
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, ok, message, pdf, written, target, temporary]() mutable {
                if (!guard)
                    return;
                if (ok && pdf) {
                    QString error;
                    ok = writeReportPdf(written, target, &error);
                    message = ok ? tr("PDF report written to %1").arg(target) : error;
                }
                guard->m_export->setEnabled(true);
                guard->m_status->setText(message);
                emit guard->exported(ok, message);
            },
            Qt::QueuedConnection);
    });
}

} // namespace es::app
