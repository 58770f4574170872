// SPDX-License-Identifier: Apache-2.0
#include "devices_page.h"

#include "chart_card.h"
#include "colors.h"
#include "item_models.h"

#include "store/session_store.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
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
    , m_facts(new QStandardItemModel(this))
    , m_ratiosView(new QTableView)
    , m_ratios(new StatsTableModel(this))
{
    auto* add = new QPushButton(tr("Add a device's bench session…"));
    add->setObjectName("addDevice");
    auto* clearButton = new QPushButton(tr("Clear"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
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
    if (std::any_of(m_devices.begin(), m_devices.end(),
            [&absolute](const DeviceBench& other) { return QFileInfo(other.path).absoluteFilePath() == absolute; }))
        return fail(tr("%1 is on the page already").arg(path));
    auto store = prof::SessionStore::openForReading(path.toStdString());
    if (!store)
        return fail(QString::fromStdString(store.status().message()));
    auto runs = prof::readBenchRuns(*store.value());
    if (!runs)
        return fail(QString::fromStdString(runs.status().message()));
    if (runs.value().empty())
        return fail(
            tr("%1 has no bench runs: run edgescope-cli bench --out %1 on that device (or the Bench page)").arg(path));
    DeviceBench device;
    device.path = path;
    if (auto environment = store.value()->environment())
        device.environment = environment.value();
    device.runs = prof::latestBenchRuns(runs.value());
    device.name = deviceName(device.environment, device.runs);
    // Two sessions of one board (another power mode, another thread count) keep apart by their files' names.
    const auto fileName = [](const QString& file) { return QFileInfo(file).completeBaseName(); };
    const QString shared = device.name;
    bool clash = false;
    for (DeviceBench& other : m_devices) {
        if (other.name == shared)
            other.name += QStringLiteral(" · ") + fileName(other.path);
        clash = clash || other.name.startsWith(shared + QStringLiteral(" · "));
    }
    if (clash)
        device.name += QStringLiteral(" · ") + fileName(path);
    m_devices.push_back(std::move(device));
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
    for (const DeviceBench& device : m_devices)
        m_list->addItem(QStringLiteral("%1 — %2").arg(device.name, device.path));
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

    // Facts: one row per fact any device has, one column per device.
    std::vector<QString> labels;
    std::vector<std::map<QString, QString>> byDevice;
    for (const DeviceBench& device : m_devices) {
        std::map<QString, QString> facts;
        for (const auto& [label, value] : deviceFacts(device.environment)) {
            facts[label] = value;
            if (std::find(labels.begin(), labels.end(), label) == labels.end())
                labels.push_back(label);
        }
        byDevice.push_back(std::move(facts));
    }
    m_facts->clear();
    QStringList headers { tr("Fact") };
    for (const DeviceBench& device : m_devices)
        headers << device.name;
    m_facts->setHorizontalHeaderLabels(headers);
    for (const QString& label : labels) {
        QList<QStandardItem*> row { new QStandardItem(label) };
        for (const auto& facts : byDevice) {
            auto found = facts.find(label);
            row << new QStandardItem(found == facts.end() ? tr("not recorded") : found->second);
        }
        m_facts->appendRow(row);
    }
    std::vector<std::vector<prof::BenchRun>> sessions;
    for (const DeviceBench& device : m_devices)
        sessions.push_back(device.runs);
    prof::StatsTable ratios = prof::deviceModelTable(sessions);
    for (size_t d = 0; d < m_devices.size() && d + 2 < ratios.columns.size(); ++d)
        ratios.columns[d + 2] = "FPS " + m_devices[d].name.toStdString(); // the names the chart and facts use
    m_ratios->setTable(std::move(ratios));
    m_factsView->resizeColumnsToContents();
    m_ratiosView->resizeColumnsToContents();
}

int DevicesPage::exportCharts(const QString& folder, QString* error) const
{
    return exportCards(m_cards, folder, error);
}

} // namespace es::app
