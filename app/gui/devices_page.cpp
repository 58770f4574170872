// SPDX-License-Identifier: Apache-2.0
#include "devices_page.h"

#include "chart_card.h"
#include "colors.h"
#include "export_dialog.h"
#include "item_models.h"

#include "exchange/exchange.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace es::app {

DevicesPage::DevicesPage(QWidget* parent)
    : QWidget(parent)
    , m_list(new QListWidget)
    , m_hint(new QLabel)
    , m_charts(new QGridLayout)
    , m_factsView(new QTableView)
    , m_facts(new StatsTableModel(this))
    , m_ratiosView(new QTableView)
    , m_ratios(new StatsTableModel(this))
{
    auto* add = new QPushButton(tr("Add a device's bench session…"));
    add->setObjectName("addDevice");
    auto* report = new QPushButton(tr("Export report…"));
    report->setObjectName("exportDeviceReport");
    report->setToolTip(tr("The comparison as an HTML or PDF page: the chart, device x model, the facts and each "
                          "device's model x precision table"));
    auto* clearButton = new QPushButton(tr("Clear"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(report);
    buttons->addWidget(clearButton);
    buttons->addStretch(1);
    m_list->setMaximumHeight(90);
    m_hint->setWordWrap(true);
    m_hint->setText(tr("Run <code>edgescope-cli bench --out DEVICE.sqlite</code> (or the Bench page) on each board, "
                       "copy the sessions here and add them: the first one added is the reference of the ratios."));
    for (QTableView* view : { m_factsView, m_ratiosView }) {
        view->verticalHeader()->hide();
        view->horizontalHeader()->setStretchLastSection(true);
        view->setMinimumHeight(160);
    }
    m_factsView->setModel(m_facts);
    m_ratiosView->setModel(m_ratios);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->addLayout(buttons);
    layout->addWidget(m_hint);
    layout->addWidget(m_list);
    layout->addLayout(m_charts);
    layout->addWidget(new QLabel(tr("<b>The devices</b>")));
    layout->addWidget(m_factsView);
    layout->addWidget(new QLabel(tr("<b>Device x model</b> (images per second; ratio: last device against first)")));
    layout->addWidget(m_ratiosView);
    setScrollingContent(this, content);

    connect(add, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(
            this, tr("Add bench sessions"), QString(), tr("EdgeScope sessions (*.sqlite);;All files (*)"));
        for (const QString& file : files) {
            QString error;
            if (!addSession(file, &error))
                emit failed(error);
        }
    });
    connect(report, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export the device comparison"),
            QStringLiteral("devices.html"), tr("HTML report (*.html);;PDF report (*.pdf)"));
        QString error;
        if (!file.isEmpty() && !exportReport(file, &error))
            emit failed(error);
    });
    connect(clearButton, &QPushButton::clicked, this, &DevicesPage::clear);
    refresh();
}

bool DevicesPage::addSession(const QString& path, QString* error)
{
    const auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (std::any_of(m_devices.begin(), m_devices.end(), [&absolute](const prof::DeviceSession& other) {
            return QFileInfo(QString::fromStdString(other.path)).absoluteFilePath() == absolute;
        }))
        return fail(tr("%1 is on the page already").arg(path));
    auto device = prof::openDeviceSession(path.toStdString());
    if (!device)
        return fail(QString::fromStdString(device.status().message()));
    prof::addDeviceSession(m_devices, std::move(device.value()));
    refresh();
    return true;
}

void DevicesPage::clear()
{
    m_devices.clear();
    refresh();
}

void DevicesPage::refresh()
{
    m_list->clear();
    for (const prof::DeviceSession& device : m_devices)
        m_list->addItem(QString::fromStdString(device.name + " — " + device.path));
    while (QLayoutItem* item = m_charts->takeAt(0)) {
        if (QWidget* widget = item->widget())
            widget->deleteLater();
        delete item;
    }
    m_cards.clear();
    const BarChartData fps = deviceFpsData(m_devices);
    QWidget* chart = makeBarChart(fps);
    chart->setMinimumHeight(std::max(260, 140 + 26 * int(fps.categories.size() * fps.series.size())));
    auto* card = new ChartCard("devices-fps", chart);
    card->setCaption(tr("Each model and precision that every device measured; the label gives the ratio of the "
                        "last device's images per second to the first's."));
    m_charts->addWidget(card, 0, 0);
    m_cards.push_back(card);

    m_facts->setTable(prof::deviceFactsTable(m_devices));
    m_ratios->setTable(prof::deviceComparisonTable(m_devices));
    m_factsView->resizeColumnsToContents();
    m_ratiosView->resizeColumnsToContents();
}

bool DevicesPage::exportReport(const QString& path, QString* error) const
{
    if (m_devices.empty()) {
        if (error)
            *error = tr("No device to report on: add the bench sessions of the devices first");
        return false;
    }
    const bool pdf = path.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive);
    QTemporaryDir scratch;
    const QString html = pdf ? scratch.filePath(QStringLiteral("devices.html")) : path;
    auto written = prof::writeDeviceReport(m_devices, html.toStdString());
    if (!written) {
        if (error)
            *error = QString::fromStdString(written.status().message());
        return false;
    }
    QString pdfError;
    if (pdf && !writeReportPdf(html, path, &pdfError)) {
        if (error)
            *error = pdfError;
        return false;
    }
    return true;
}

int DevicesPage::exportCharts(const QString& folder, QString* error) const
{
    return exportCards(m_cards, folder, error);
}

} // namespace es::app
