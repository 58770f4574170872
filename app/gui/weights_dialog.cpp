// SPDX-License-Identifier: Apache-2.0
#include "weights_dialog.h"

#include "edgescope/engine/weights_cache.h"
#include "weights_fetcher.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace es::app {

namespace {

enum Column { NameColumn, ModelColumn, CachedColumn, PublisherColumn, ColumnCount };

QString megabytes(qint64 bytes)
{
    return QStringLiteral("%1 MB").arg(double(bytes) / 1e6, 0, 'f', 1);
}

/// The selected source in words: what the file holds, its size and where it is published.
QString describeSource(const engine::WeightsSource& source)
{
    QString text
        = QObject::tr("%1: %2").arg(QString::fromStdString(source.fileName), QString::fromStdString(source.format));
    if (source.bytes > 0)
        text += QStringLiteral(", ") + megabytes(source.bytes);
    if (source.url.empty())
        return text
            + QObject::tr("\nno stable public address: type one under Address, or save the file as %1 by hand")
                  .arg(QString::fromStdString(engine::weightsCacheDir() + "/" + source.fileName));
    text += QObject::tr("\nfrom %1").arg(QString::fromStdString(source.url));
    if (!source.sha256.empty())
        text += QObject::tr(" (checked against the published SHA-256)");
    else if (!source.sha256Prefix.empty())
        text += QObject::tr(" (checked against the SHA-256 prefix in its name)");
    else if (source.bytes > 0)
        text += QObject::tr(" (no checksum published: its size is checked)");
    else
        text += QObject::tr(" (nothing published to check it against: its SHA-256 is shown once fetched)");
    return text;
}

} // namespace

WeightsDialog::WeightsDialog(QWidget* parent)
    : QDialog(parent)
    , m_fetcher(new WeightsFetcher(this))
    , m_sources(new QTableWidget(0, ColumnCount))
    , m_url(new QLineEdit)
    , m_progress(new QProgressBar)
    , m_status(new QLabel)
    , m_fetch(new QPushButton(tr("&Fetch")))
    , m_cancel(new QPushButton(tr("Cancel")))
{
    setWindowTitle(tr("Get real weights"));
    auto* intro = new QLabel(tr("The files the public projects publish, downloaded once into %1 and used from there: "
                                "an empty Weights field runs on the fetched ssd300. Without a network here, fetch on "
                                "any machine and copy that folder (docs/weights.md).")
                                 .arg(QString::fromStdString(engine::weightsCacheDir())));
    intro->setWordWrap(true);
    intro->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_sources->setHorizontalHeaderLabels({ tr("Name"), tr("Model"), tr("In the cache"), tr("Publisher") });
    m_sources->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sources->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sources->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_sources->verticalHeader()->hide();
    m_sources->horizontalHeader()->setStretchLastSection(true);
    m_url->setClearButtonEnabled(true);
    m_url->setToolTip(tr("Another address for the same file: a mirror, or a file on a local server"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancel->setEnabled(false);

    auto* form = new QFormLayout;
    form->addRow(tr("&Address (optional):"), m_url);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_fetch);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_sources, 1);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addLayout(buttons);
    resize(820, 460);

    connect(m_fetch, &QPushButton::clicked, this, [this] { startFetch(); });
    connect(m_cancel, &QPushButton::clicked, m_fetcher, &WeightsFetcher::cancel);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_fetcher, &WeightsFetcher::progress, this, &WeightsDialog::showProgress);
    connect(m_fetcher, &WeightsFetcher::finished, this, &WeightsDialog::fetchFinished);
    connect(m_sources, &QTableWidget::itemSelectionChanged, this, [this] {
        const engine::WeightsSource* source = engine::findWeightsSource(selectedSource().toStdString());
        m_url->setPlaceholderText(source ? QString::fromStdString(source->url) : QString());
        if (!m_fetcher->isRunning())
            m_status->setText(source ? describeSource(*source) : QString());
    });
    refresh();
    selectSource(QStringLiteral("ssd300"));
}

void WeightsDialog::refresh()
{
    const QString selected = selectedSource();
    const auto& sources = engine::weightsSources();
    m_sources->setRowCount(int(sources.size()));
    for (int row = 0; row < int(sources.size()); ++row) {
        const engine::WeightsSource& source = sources[size_t(row)];
        const auto cached = engine::cachedWeights(source.name);
        const QString values[ColumnCount] = { QString::fromStdString(source.name), QString::fromStdString(source.model),
            cached ? tr("yes") : tr("no"), QString::fromStdString(source.publisher) };
        for (int column = 0; column < ColumnCount; ++column) {
            auto* item = new QTableWidgetItem(values[column]);
            if (column == CachedColumn)
                item->setToolTip(cached ? QString::fromStdString(*cached) : tr("not fetched yet"));
            else
                item->setToolTip(column == PublisherColumn ? values[column] : QString::fromStdString(source.url));
            m_sources->setItem(row, column, item);
        }
    }
    m_sources->resizeColumnsToContents();
    if (!selected.isEmpty())
        selectSource(selected);
}

bool WeightsDialog::selectSource(const QString& name)
{
    for (int row = 0; row < m_sources->rowCount(); ++row) {
        if (m_sources->item(row, NameColumn)->text() == name) {
            m_sources->selectRow(row);
            return true;
        }
    }
    return false;
}

QString WeightsDialog::selectedSource() const
{
    const QList<QTableWidgetItem*> items = m_sources->selectedItems();
    return items.isEmpty() ? QString() : m_sources->item(items.first()->row(), NameColumn)->text();
}

void WeightsDialog::setUrlOverride(const QString& url)
{
    m_url->setText(url);
}

bool WeightsDialog::startFetch()
{
    const QString name = selectedSource();
    if (name.isEmpty() || !m_fetcher->start(name, m_url->text()))
        return false;
    m_fetching = name;
    setFetching(true);
    m_progress->setRange(0, 0); // busy until the server says how large the file is
    m_status->setText(
        tr("fetching %1 from %2…").arg(name, m_url->text().isEmpty() ? m_url->placeholderText() : m_url->text()));
    return true;
}

void WeightsDialog::showProgress(qint64 done, qint64 total)
{
    if (total > 0) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(int(1000.0 * double(done) / double(total)));
        m_progress->setFormat(QStringLiteral("%1 of %2").arg(megabytes(done), megabytes(total)));
    } else {
        m_progress->setRange(0, 0);
        m_progress->setFormat(megabytes(done));
    }
}

void WeightsDialog::setFetching(bool fetching)
{
    m_fetch->setEnabled(!fetching);
    m_cancel->setEnabled(fetching);
    m_sources->setEnabled(!fetching);
    m_url->setEnabled(!fetching);
}

void WeightsDialog::fetchFinished(bool ok, bool cancelled, const QString& message, const QString& path)
{
    setFetching(false);
    const QString name = m_fetching;
    m_fetching.clear();
    m_progress->setRange(0, 1000);
    m_progress->setValue(ok ? 1000 : 0);
    m_progress->resetFormat();
    m_status->setText(message);
    refresh();
    if (ok) {
        emit fetched(name, path, message);
        return;
    }
    m_lastError = message;
    emit failed(name, message, cancelled);
    if (!cancelled && !m_quiet)
        QMessageBox::critical(this, tr("Cannot fetch %1").arg(name), message);
}

} // namespace es::app
