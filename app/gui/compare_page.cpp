// SPDX-License-Identifier: Apache-2.0
#include "compare_page.h"
#include "colors.h"

#include "chart_card.h"
#include "compare_data.h"
#include "item_models.h"
#include "session_document.h"

#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QResizeEvent>
#include <QScrollArea>
#include <QTableView>
#include <QVBoxLayout>

namespace es::app {

ComparePage::ComparePage(SessionDocument* document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_header(new QLabel)
    , m_waterfallGrid(new QGridLayout)
    , m_pairGrid(new QGridLayout)
    , m_base(new QComboBox)
    , m_with(new QComboBox)
    , m_verdicts(new QLabel)
    , m_iterationMarker(new QLineEdit)
    , m_findingsView(new QTableView)
    , m_metricsView(new QTableView)
    , m_findings(new FindingsModel(this))
    , m_metrics(new MetricsModel(this))
{
    m_header->setWordWrap(true);
    auto* exportButton = new QPushButton(tr("Export all charts…"));
    auto* addTraceButton = new QPushButton(tr("Add a trace…"));
    addTraceButton->setObjectName("addTrace");
    addTraceButton->setToolTip(tr("Import another trace (nsys SQLite, PyTorch profiler JSON, NVTXT) into this session "
                                  "to compare it with the runs here: your program before and after a change"));
    m_iterationMarker->setObjectName("iterationMarker");
    m_iterationMarker->setPlaceholderText(tr("found: ProfilerStep#, else the NVTX range that repeats"));
    m_iterationMarker->setToolTip(tr("The range or operator that marks one iteration of an imported trace (its \"#N\" "
                                     "may be left off); empty: EdgeScope finds it. Enter applies it."));
    auto* iterations = new QHBoxLayout;
    iterations->addWidget(new QLabel(tr("Iteration of an import:")));
    iterations->addWidget(m_iterationMarker, 1);
    iterations->addWidget(addTraceButton);
    auto* pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Before:")));
    pick->addWidget(m_base, 1);
    pick->addWidget(new QLabel(tr("After:")));
    pick->addWidget(m_with, 1);
    pick->addWidget(exportButton);
    for (QTableView* view : { m_findingsView, m_metricsView }) {
        view->horizontalHeader()->setStretchLastSection(true);
        view->verticalHeader()->hide();
        view->setSelectionBehavior(QAbstractItemView::SelectRows);
        view->setMinimumHeight(180);
        view->setWordWrap(false);
    }
    m_findingsView->setModel(m_findings);
    m_metricsView->setModel(m_metrics);
    m_findingsView->setToolTip(tr("Double-click a finding to see it in the timeline"));

    auto* content = new QWidget;
    m_content = content;
    auto* layout = new QVBoxLayout(content);
    layout->addWidget(m_header);
    layout->addLayout(m_waterfallGrid);
    layout->addLayout(iterations);
    layout->addLayout(pick);
    m_verdicts->setObjectName("verdicts");
    m_verdicts->setWordWrap(true);
    m_verdicts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_verdicts);
    layout->addLayout(m_pairGrid);
    layout->addWidget(
        new QLabel(tr("<b>Findings</b>: gone, appeared, still there (double-click: show in the timeline)")));
    layout->addWidget(m_findingsView);
    layout->addWidget(new QLabel(tr("<b>Every metric</b>")));
    layout->addWidget(m_metricsView);
    setScrollingContent(this, content);

    connect(m_document, &SessionDocument::loaded, this, &ComparePage::refresh);
    connect(m_document, &SessionDocument::runLayoutReady, this, [this](qint64 runId) {
        if (runId == m_pendingBase || runId == m_pendingWith)
            rebuildPairCharts();
    });
    connect(m_base, qOverload<int>(&QComboBox::activated), this, &ComparePage::rebuildPairCharts);
    connect(m_with, qOverload<int>(&QComboBox::activated), this, &ComparePage::rebuildPairCharts);
    connect(m_findingsView, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        const FindingsModel::Row* row = m_findings->rowAt(index.row());
        if (!row)
            return;
        // A finding that is gone is best seen in the run that still had it.
        const QComboBox* run = row->change == tr("gone") ? m_base : m_with;
        emit showInTimeline(run->currentData().toLongLong(), QString::fromStdString(row->finding.stage));
    });
    connect(m_iterationMarker, &QLineEdit::returnPressed, this,
        [this] { m_document->setIterationMarker(m_iterationMarker->text()); });
    connect(addTraceButton, &QPushButton::clicked, this, [this] {
        const QString trace = QFileDialog::getOpenFileName(this, tr("Add a trace to compare"), QString(),
            tr("Traces (*.sqlite *.json *.json.gz *.nvtxt);;All files (*)"));
        if (!trace.isEmpty())
            m_document->addTrace(trace);
    });
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Export the charts into"));
        if (folder.isEmpty())
            return;
        QString error;
        const int written = exportCharts(folder, &error);
        if (written < 0)
            QMessageBox::critical(this, tr("Cannot export the charts"), error);
    });
}

void ComparePage::clearCards(QGridLayout* grid)
{
    while (QLayoutItem* item = grid->takeAt(0)) {
        if (QWidget* widget = item->widget()) {
            m_cards.erase(std::remove(m_cards.begin(), m_cards.end(), widget), m_cards.end());
            widget->deleteLater();
        }
        delete item;
    }
}

ChartCard* ComparePage::addCard(
    QGridLayout* grid, const QString& name, QWidget* chart, int row, int column, const QString& caption)
{
    auto* card = new ChartCard(name, chart);
    card->setCaption(caption);
    grid->addWidget(card, row, column);
    m_cards.push_back(card);
    return card;
}

ChartCard* ComparePage::addPairCard(const QString& name, QWidget* chart, const QString& caption)
{
    const int index = int(m_pairCards.size());
    ChartCard* card = addCard(m_pairGrid, name, chart, index / m_pairColumns, index % m_pairColumns, caption);
    m_pairCards.push_back(card);
    return card;
}

int ComparePage::pairColumnsFor(int width)
{
    // Two charts side by side need about 560 px each to keep their titles and legends whole.
    return width >= 1120 ? 2 : 1;
}

void ComparePage::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    const int columns = pairColumnsFor(width());
    if (columns == m_pairColumns)
        return;
    m_pairColumns = columns;
    for (ChartCard* card : m_pairCards)
        m_pairGrid->removeWidget(card);
    for (size_t i = 0; i < m_pairCards.size(); ++i)
        m_pairGrid->addWidget(m_pairCards[i], int(i) / columns, int(i) % columns);
}

void ComparePage::refresh()
{
    const auto snapshot = m_document->snapshot();
    for (QComboBox* box : { m_base, m_with })
        box->clear();
    clearCards(m_waterfallGrid);
    clearCards(m_pairGrid);
    m_pairCards.clear();
    m_findings->setFindings({});
    m_metrics->setMetrics({});
    m_verdicts->clear();
    if (!snapshot || !snapshot->analysis || snapshot->analysis->runs.empty()) {
        m_header->setText(snapshot && !snapshot->analysisError.empty()
                ? tr("The session could not be analysed: %1").arg(QString::fromStdString(snapshot->analysisError))
                : tr("No runs yet: run the lab from the Experiment panel, or open a session."));
        return;
    }
    const prof::LabAnalysis& analysis = *snapshot->analysis;
    const prof::RunMetrics& first = analysis.runs.front().metrics;
    m_iterationMarker->setText(QString::fromStdString(snapshot->iterationMarker));
    const auto weights = snapshot->runs.empty() ? std::string() : snapshot->runs.front().record.weights;
    m_header->setText(tr("<b>%1</b> · %2 runs · %3 · weights: %4")
                          .arg(QString::fromStdString(snapshot->path).toHtmlEscaped())
                          .arg(analysis.runs.size())
                          .arg(runCaption(first).toHtmlEscaped())
                          .arg(QString::fromStdString(weights).toHtmlEscaped()));
    BarChartData waterfall = waterfallData(analysis);
    waterfall.onCategoryClicked = [this](int index) { openRunInTimeline(index); };
    addCard(m_waterfallGrid, "waterfall", makeBarChart(waterfall), 0, 0,
        tr("Each bar: FPS of a run (median batch rate), or an import's iterations per second (median iteration), "
           "with its 95% interval; the label gives its change against the run before, \"within noise\" where the "
           "ratio's interval holds 1, and \"disturbed\" where the lab's verdict says so. Click a bar: its timeline "
           "at the frame that shows its costliest finding."));
    for (const prof::RunAnalysis& run : analysis.runs) {
        const QString label = QStringLiteral("#%1 %2 (%3)")
                                  .arg(run.metrics.runId)
                                  .arg(QString::fromStdString(run.metrics.step), rateLabel(run.metrics));
        m_base->addItem(label, qlonglong(run.metrics.runId));
        m_with->addItem(label, qlonglong(run.metrics.runId));
    }
    m_base->setCurrentIndex(0);
    m_with->setCurrentIndex(m_with->count() > 1 ? 1 : 0);
    rebuildPairCharts();
}

void ComparePage::comparePair(qint64 baseRunId, qint64 withRunId)
{
    m_base->setCurrentIndex(m_base->findData(baseRunId));
    m_with->setCurrentIndex(m_with->findData(withRunId));
    rebuildPairCharts();
}

void ComparePage::rebuildPairCharts()
{
    const auto snapshot = m_document->snapshot();
    if (!snapshot || m_base->currentIndex() < 0 || m_with->currentIndex() < 0)
        return;
    const qint64 baseId = m_base->currentData().toLongLong();
    const qint64 withId = m_with->currentData().toLongLong();
    const prof::RunAnalysis* base = snapshot->analysisOf(baseId);
    const prof::RunAnalysis* with = snapshot->analysisOf(withId);
    if (!base || !with)
        return;
    clearCards(m_pairGrid);
    m_pairCards.clear();
    const prof::Comparison comparison = prof::compareRuns(*base, *with);
    m_metrics->setMetrics(comparison.metrics);
    m_findings->setComparison(comparison);
    m_findingsView->resizeColumnsToContents();
    m_metricsView->resizeColumnsToContents();
    const bool imports = base->metrics.frames == 0 || with->metrics.frames == 0;
    QString caption = tr("Before: %1. After: %2. %3.")
                          .arg(runCaption(base->metrics), runCaption(with->metrics), speedupSentence(comparison));
    if (!comparison.disappeared.empty())
        caption
            += tr(" The findings gone from the run before predicted %1x.").arg(comparison.predictedSpeedup, 0, 'f', 2);
    caption += imports ? tr(" Error bars: 95% interval of the median iteration's rate.")
                       : tr(" Error bars: 95% interval of the median batch rate.");
    QStringList lines { QStringLiteral("<b>%1</b>").arg(speedupSentence(comparison).toHtmlEscaped()) };
    for (const prof::RunMetrics* metrics : { &base->metrics, &with->metrics }) {
        const QString sentence = metrics->frames == 0 ? iterationsSentence(*metrics) : verdictSentence(*metrics);
        lines << sentence.toHtmlEscaped();
    }
    m_verdicts->setText(lines.join("<br>"));
    addPairCard("fps", makeBarChart(fpsData(base->metrics, with->metrics)), caption);
    addPairCard("stages", makeBarChart(stageData(base->metrics, with->metrics)),
        imports ? tr("Mean ms per iteration of the program's own ranges within the iterations.")
                : tr("Mean ms per frame of each stage (NVTX ranges)."));
    if (imports)
        addPairCard("kernel-diff", makeBarChart(kernelDiffData(comparison)),
            tr("Kernels by name, launched within the iterations: those that appeared or vanished, then those whose "
               "time per iteration changed the most. Every kernel is in the table below."));
    addPairCard("copies-syncs", makeBarChart(copiesData(base->metrics, with->metrics)),
        tr("Per frame: copies by direction and synchronizations (GPU trace), scalar reads (operators)."));
    addPairCard("gpu-busy", makeBarChart(gpuBusyData(base->metrics, with->metrics)),
        tr("Union of kernels, copies and memsets over the measured batches' windows."));
    // Utilization over time needs the runs' counters: they load on the thread pool and the chart follows.
    m_pendingBase = baseId;
    m_pendingWith = withId;
    const auto baseLayout = m_document->cachedLayout(baseId);
    const auto withLayout = m_document->cachedLayout(withId);
    if (!baseLayout)
        m_document->requestRunLayout(baseId);
    if (!withLayout)
        m_document->requestRunLayout(withId);
    addPairCard("utilization",
        makeLineChart(utilizationData(
            baseLayout.get(), withLayout.get(), QStringLiteral("#%1").arg(baseId), QStringLiteral("#%1").arg(withId))),
        baseLayout && withLayout ? tr("System sampler, every core averaged; GPU load where it was sampled.")
                                 : tr("Loading the runs' counters…"));
    addPairCard("energy", makeBarChart(energyData(base->metrics, with->metrics)),
        tr("Mean power over the run times the frame time."));
}

void ComparePage::openRunInTimeline(int index)
{
    const auto snapshot = m_document->snapshot();
    if (!snapshot || !snapshot->analysis || index < 0 || index >= int(snapshot->analysis->runs.size()))
        return;
    const prof::RunAnalysis& run = snapshot->analysis->runs[size_t(index)];
    // The finding that costs the most (its expected speedup if fixed) says where to look; without one, the detector.
    const prof::Finding* costliest = nullptr;
    for (const prof::Finding& finding : run.findings) {
        if (!finding.stage.empty() && (!costliest || finding.expectedSpeedup > costliest->expectedSpeedup))
            costliest = &finding;
    }
    emit showInTimeline(run.metrics.runId, QString::fromStdString(costliest ? costliest->stage : "detector"));
}

QPixmap ComparePage::grabWholePage() const
{
    return m_content->grab();
}

int ComparePage::exportCharts(const QString& folder, QString* error) const
{
    return exportCards(m_cards, folder, error);
}

} // namespace es::app
