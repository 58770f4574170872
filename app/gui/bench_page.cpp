// SPDX-License-Identifier: Apache-2.0
#include "bench_page.h"

#include "bench_controller.h"
#include "bench_data.h"
#include "chart_card.h"
#include "colors.h"
#include "item_models.h"
#include "session_document.h"

#include "edgescope/engine/model_bench.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace es::app {

BenchPage::BenchPage(SessionDocument* document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_controller(new BenchController(this))
    , m_models(new QListWidget)
    , m_batch(new QSpinBox)
    , m_device(new QComboBox)
    , m_run(new QPushButton(tr("Run the bench")))
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_busy(new QProgressBar)
    , m_status(new QLabel)
    , m_charts(new QGridLayout)
    , m_tableView(new QTableView)
    , m_table(new StatsTableModel(this))
{
    for (const engine::ModelInfo& model : engine::benchModels()) {
        auto* item = new QListWidgetItem(
            QStringLiteral("%1 (%2)").arg(QString::fromStdString(model.name), QString::fromStdString(model.task)));
        item->setData(Qt::UserRole, QString::fromStdString(model.id));
        item->setCheckState(Qt::Checked);
        m_models->addItem(item);
    }
    m_models->setMaximumHeight(130);
    auto* precisions = new QHBoxLayout;
    for (const char* precision : { "fp32", "fp16", "bf16" }) {
        auto* box = new QCheckBox(QString::fromLatin1(precision));
        box->setChecked(true);
        box->setToolTip(tr("fp16 on a GPU; bf16 where the CPU has it (a precision the device cannot run is said, "
                           "not measured)"));
        m_precisions.push_back(box);
        precisions->addWidget(box);
    }
    m_batch->setRange(1, 64);
    m_batch->setValue(1);
    m_device->addItems({ "auto", "cpu", "cuda" });
    m_cancel->setEnabled(false);
    m_busy->setRange(0, 0);
    m_busy->hide();
    m_status->setWordWrap(true);
    m_status->setObjectName("benchStatus");

    auto* form = new QGridLayout;
    form->addWidget(new QLabel(tr("Models:")), 0, 0, Qt::AlignTop);
    form->addWidget(m_models, 0, 1, 1, 3);
    form->addWidget(new QLabel(tr("Precisions:")), 1, 0);
    form->addLayout(precisions, 1, 1);
    form->addWidget(new QLabel(tr("Batch:")), 2, 0);
    form->addWidget(m_batch, 2, 1);
    form->addWidget(new QLabel(tr("Device:")), 3, 0);
    form->addWidget(m_device, 3, 1);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_busy, 1);
    form->addLayout(buttons, 4, 0, 1, 4);
    form->addWidget(m_status, 5, 0, 1, 4);

    m_tableView->setModel(m_table);
    m_tableView->verticalHeader()->hide();
    m_tableView->horizontalHeader()->setStretchLastSection(true);
    m_tableView->setMinimumHeight(200);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->addLayout(form);
    layout->addLayout(m_charts);
    layout->addWidget(new QLabel(tr("<b>Model x precision</b> (the latest run of each)")));
    layout->addWidget(m_tableView);
    setScrollingContent(this, content);

    connect(m_run, &QPushButton::clicked, this, [this] { runBench(); });
    connect(m_cancel, &QPushButton::clicked, this, &BenchPage::cancelBench);
    connect(m_controller, &BenchController::progress, this, [this](const QString& line) { m_status->setText(line); });
    connect(m_controller, &BenchController::finished, this, &BenchPage::benchEnded);
    connect(m_document, &SessionDocument::loaded, this, &BenchPage::refresh);
    refresh();
}

void BenchPage::choose(const QStringList& models, const QStringList& precisions, int batch, const QString& device)
{
    for (int i = 0; i < m_models->count(); ++i) {
        QListWidgetItem* item = m_models->item(i);
        item->setCheckState(models.contains(item->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
    }
    for (QCheckBox* box : m_precisions)
        box->setChecked(precisions.contains(box->text()));
    m_batch->setValue(batch);
    m_device->setCurrentText(device);
}

bool BenchPage::runBench()
{
    engine::BenchOptions options;
    for (int i = 0; i < m_models->count(); ++i)
        if (m_models->item(i)->checkState() == Qt::Checked)
            options.models.push_back(m_models->item(i)->data(Qt::UserRole).toString().toStdString());
    options.precisions.clear();
    for (QCheckBox* box : m_precisions)
        if (box->isChecked())
            options.precisions.push_back(box->text().toStdString());
    if (options.models.empty() || options.precisions.empty()) {
        m_status->setText(tr("Choose at least one model and one precision."));
        return false;
    }
    options.batch = m_batch->value();
    options.device = m_device->currentText().toStdString();
    // The runs go to the open session, or to a new one beside the others.
    QString session = m_document->path();
    if (session.isEmpty()) {
        session
            = defaultSessionFolder() + "/bench-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") + ".sqlite";
        m_document->startNew(session);
    }
    options.sessionPath = session.toStdString();
    if (!m_controller->start(std::move(options))) {
        m_status->setText(tr("A bench is already running."));
        return false;
    }
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_busy->show();
    m_status->setText(tr("Starting the bench into %1…").arg(session));
    return true;
}

void BenchPage::cancelBench()
{
    if (!m_controller->isRunning())
        return;
    m_controller->cancel();
    m_status->setText(tr("Cancelling after the current batch…"));
}

void BenchPage::benchEnded(bool ok, bool cancelled, const QString& message)
{
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    m_busy->hide();
    if (ok)
        m_status->setText(tr("The bench finished; its runs are in %1.").arg(m_document->path()));
    else if (cancelled)
        m_status->setText(tr("Cancelled: the models measured before it are in the session."));
    else
        m_status->setText(tr("The bench failed: %1").arg(message));
    if (QFileInfo::exists(m_document->path()))
        m_document->reload();
    emit benchFinished(ok, cancelled);
}

QString BenchPage::statusText() const
{
    return m_status->text();
}

void BenchPage::refresh()
{
    while (QLayoutItem* item = m_charts->takeAt(0)) {
        if (QWidget* widget = item->widget())
            widget->deleteLater();
        delete item;
    }
    m_cards.clear();
    std::vector<prof::BenchRun> runs;
    const auto snapshot = m_document->snapshot();
    if (snapshot && !snapshot->path.empty() && QFileInfo::exists(QString::fromStdString(snapshot->path))) {
        auto store = prof::SessionStore::openForReading(snapshot->path);
        auto read = store ? prof::readBenchRuns(*store.value()) : Result<std::vector<prof::BenchRun>>(store.status());
        if (read)
            runs = prof::latestBenchRuns(read.value());
        else if (!m_controller->isRunning())
            m_status->setText(QString::fromStdString(read.status().message()));
    }
    m_table->setTable(prof::modelPrecisionTable(runs));
    m_tableView->resizeColumnsToContents();
    const auto add
        = [this](const QString& name, const BarChartData& data, int row, int column, const QString& caption) {
              QWidget* chart = makeBarChart(data);
              // Horizontal bars need room for every model's label: a row per bar.
              const int bars = int(data.categories.size()) * std::max<int>(1, int(data.series.size()));
              chart->setMinimumHeight(std::max(260, 140 + 26 * bars));
              auto* card = new ChartCard(name, chart);
              card->setCaption(caption);
              m_charts->addWidget(card, row, column);
              m_cards.push_back(card);
          };
    add("bench-fps", benchFpsData(runs), 0, 0,
        tr("Images per second of each model in each precision (median batch). Beside each model: how far half "
           "precision moved its outputs from fp32 on the same images."));
    add("bench-gflops", benchGflopsData(runs), 1, 0,
        tr("FLOPs per image counted from the operators that ran, times images per second, against a large matrix "
           "product's and 1x1 convolution's rate on this device."));
    add("bench-memory", benchMemoryData(runs), 2, 0,
        tr("Parameters and buffers in each precision; peak memory as the LibTorch allocator (GPU) or the process's "
           "RSS high-water (CPU) saw it."));
}

int BenchPage::exportCharts(const QString& folder, QString* error) const
{
    return exportCards(m_cards, folder, error);
}

} // namespace es::app
