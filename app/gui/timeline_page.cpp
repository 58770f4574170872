// SPDX-License-Identifier: Apache-2.0
#include "timeline_page.h"

#include "item_models.h"
#include "session_document.h"
#include "timeline_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace es::app {

TimelinePage::TimelinePage(SessionDocument* document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_topRun(new QComboBox)
    , m_bottomRun(new QComboBox)
    , m_sideBySide(new QCheckBox(tr("Side by side")))
    , m_lock(new QCheckBox(tr("Lock zoom and pan")))
    , m_frame(new QSpinBox)
    , m_top(new TimelineView)
    , m_bottom(new TimelineView)
    , m_details(new QLabel)
    , m_loadingBar(new QProgressBar)
    , m_loadingTimer(new QTimer(this))
    , m_stats(new QTableView)
    , m_statsModel(new SelectionStatsModel(this))
{
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Run:")));
    controls->addWidget(m_topRun, 1);
    controls->addWidget(m_sideBySide);
    controls->addWidget(m_bottomRun, 1);
    controls->addWidget(new QLabel(tr("Align on frame:")));
    m_frame->setRange(0, 1 << 20);
    m_frame->setToolTip(tr("Both runs show time relative to the start of this frame"));
    controls->addWidget(m_frame);
    m_lock->setChecked(true);
    controls->addWidget(m_lock);
    setUpLoadingBar(controls);
    m_sideBySide->setChecked(false);
    m_bottomRun->setEnabled(false);
    m_bottom->hide();

    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setMinimumHeight(48);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_details->setText(tr("Wheel: zoom · drag: pan · Shift+drag: select · double-click: zoom to an event · "
                          "W/S/A/D, F, Esc as in Perfetto"));
    m_stats->setModel(m_statsModel);
    m_stats->horizontalHeader()->setStretchLastSection(true);
    m_stats->verticalHeader()->hide();
    m_stats->setSortingEnabled(false);

    auto* views = new QSplitter(Qt::Vertical);
    views->addWidget(m_top);
    views->addWidget(m_bottom);
    auto* bottomPanel = new QSplitter(Qt::Horizontal);
    bottomPanel->addWidget(m_details);
    bottomPanel->addWidget(m_stats);
    bottomPanel->setStretchFactor(1, 2);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(views);
    split->addWidget(bottomPanel);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 1);
    split->setSizes({ 700, 140 });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(m_document, &SessionDocument::loaded, this, &TimelinePage::refillRuns);
    connect(m_document, &SessionDocument::runLayoutReady, this, &TimelinePage::layoutReady);
    connect(m_document, &SessionDocument::runLayoutFailed, this,
        [this](qint64, const QString& message) { m_details->setText(tr("Cannot show this run: %1").arg(message)); });
    connect(m_topRun, qOverload<int>(&QComboBox::activated), this, [this] {
        m_fitPending = true;
        requestLayouts();
    });
    connect(m_bottomRun, qOverload<int>(&QComboBox::activated), this, [this] {
        m_fitPending = true;
        requestLayouts();
    });
    connect(m_sideBySide, &QCheckBox::toggled, this, [this](bool on) {
        m_bottomRun->setEnabled(on);
        m_bottom->setVisible(on);
        m_fitPending = true;
        requestLayouts();
    });
    connect(m_frame, qOverload<int>(&QSpinBox::valueChanged), this, [this] { applyAlignment(true); });
    for (TimelineView* view : { m_top, m_bottom }) {
        TimelineView* other = view == m_top ? m_bottom : m_top;
        connect(view, &TimelineView::axisChanged, this, [this, other](const TimeAxis& axis) {
            if (m_lock->isChecked() && other->isVisible())
                other->setAxis(axis);
        });
        connect(view, &TimelineView::hovered, this, [this](const QString& text) {
            if (!text.isEmpty())
                m_details->setText(text);
        });
        connect(view, &TimelineView::selectionChanged, this,
            [this, view](qint64 from, qint64 to) { showSelection(view, from, to); });
        connect(view, &TimelineView::selectionCleared, this, [this] { m_statsModel->setStats({}, 1); });
    }
}

void TimelinePage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    // Layouts load when the page is first seen (a run of ten million events takes seconds to read).
    if (!m_top->timelineLayout())
        requestLayouts();
}

void TimelinePage::refillRuns()
{
    const auto snapshot = m_document->snapshot();
    for (QComboBox* box : { m_topRun, m_bottomRun }) {
        const QVariant current = box->currentData();
        box->clear();
        if (!snapshot)
            continue;
        for (const prof::RunSummary& run : snapshot->runs)
            box->addItem(runLabel(*snapshot, run), qlonglong(run.runId));
        const int keep = box->findData(current);
        if (keep >= 0)
            box->setCurrentIndex(keep);
        else if (box == m_bottomRun && box->count() > 1)
            box->setCurrentIndex(box->count() - 1);
    }
    m_top->setLayout(nullptr);
    m_bottom->setLayout(nullptr);
    m_fitPending = true;
    if (isVisible())
        requestLayouts();
}

void TimelinePage::showRun(qint64 runId, qint64 frameIndex)
{
    m_sideBySide->setChecked(false);
    m_topRun->setCurrentIndex(m_topRun->findData(runId));
    m_frame->blockSignals(true);
    m_frame->setValue(int(std::max<qint64>(0, frameIndex)));
    m_frame->blockSignals(false);
    m_fitPending = frameIndex < 0;
    requestLayouts();
}

void TimelinePage::showPair(qint64 baseRunId, qint64 withRunId, qint64 frameIndex)
{
    m_topRun->setCurrentIndex(m_topRun->findData(baseRunId));
    m_bottomRun->setCurrentIndex(m_bottomRun->findData(withRunId));
    m_frame->blockSignals(true);
    m_frame->setValue(int(frameIndex));
    m_frame->blockSignals(false);
    m_sideBySide->blockSignals(true);
    m_sideBySide->setChecked(true);
    m_sideBySide->blockSignals(false);
    m_bottomRun->setEnabled(true);
    m_bottom->setVisible(true);
    m_fitPending = false;
    requestLayouts();
}

void TimelinePage::requestLayouts()
{
    if (m_topRun->currentIndex() >= 0) {
        const qint64 runId = m_topRun->currentData().toLongLong();
        if (!m_document->cachedLayout(runId))
            m_details->setText(tr("Loading run #%1 (a run of ten million events takes seconds)…").arg(runId));
        m_document->requestRunLayout(runId);
    }
    if (m_sideBySide->isChecked() && m_bottomRun->currentIndex() >= 0)
        m_document->requestRunLayout(m_bottomRun->currentData().toLongLong());
    showLoadingProgress();
}

void TimelinePage::setUpLoadingBar(QHBoxLayout* controls)
{
    m_loadingBar->setObjectName("loadingBar");
    m_loadingBar->setRange(0, 1000);
    m_loadingBar->setFormat(tr("Loading %p%"));
    m_loadingBar->setMaximumWidth(220);
    m_loadingBar->hide();
    controls->addWidget(m_loadingBar);
    m_loadingTimer->setInterval(100);
    connect(m_loadingTimer, &QTimer::timeout, this, &TimelinePage::showLoadingProgress);
}

void TimelinePage::showLoadingProgress()
{
    double least = 2.0;
    for (const QComboBox* box : { m_topRun, m_bottomRun }) {
        if (box->currentIndex() < 0 || (box == m_bottomRun && !m_sideBySide->isChecked()))
            continue;
        const double progress = m_document->layoutProgress(box->currentData().toLongLong());
        if (progress >= 0)
            least = std::min(least, progress);
    }
    const bool loading = least <= 1.0;
    if (loading) {
        m_loadingBar->setValue(int(least * 1000));
        if (!m_loadingTimer->isActive())
            m_loadingTimer->start();
    } else {
        m_loadingTimer->stop();
    }
    m_loadingBar->setVisible(loading);
}

void TimelinePage::layoutReady(qint64 runId)
{
    showLoadingProgress();
    bool changed = false;
    if (m_topRun->currentIndex() >= 0 && m_topRun->currentData().toLongLong() == runId) {
        m_top->setLayout(m_document->cachedLayout(runId));
        changed = true;
    }
    if (m_sideBySide->isChecked() && m_bottomRun->currentIndex() >= 0
        && m_bottomRun->currentData().toLongLong() == runId) {
        m_bottom->setLayout(m_document->cachedLayout(runId));
        changed = true;
    }
    if (changed) {
        const auto layout = m_document->cachedLayout(runId);
        m_details->setText(tr("Run #%1: %2 events in %3 lanes. Wheel: zoom · drag: pan · Shift+drag: select · "
                              "double-click: zoom to an event · W/S/A/D, F, Esc as in Perfetto")
                               .arg(runId)
                               .arg(layout->model().eventCount())
                               .arg(layout->lanes().size()));
        applyAlignment(m_fitPending);
    }
}

void TimelinePage::applyAlignment(bool fit)
{
    const qint64 frame = m_frame->value();
    const bool pair = m_sideBySide->isChecked();
    for (TimelineView* view : { m_top, m_bottom }) {
        const TimelineLayout* layout = view->timelineLayout();
        if (!layout)
            continue;
        view->setOrigin(pair || frame > 0 ? layout->frameStartNs(frame) : layout->model().startNs);
    }
    if (!m_top->timelineLayout())
        return;
    if (fit && !pair && frame == 0) {
        m_top->fitAll();
        return;
    }
    // Show the aligned frame and the one after it: the frame's window in the top run decides the span.
    const TimelineLayout* layout = m_top->timelineLayout();
    int64_t frameEnd = layout->model().endNs;
    for (const prof::FrameEvent& event : layout->model().frames) {
        if (event.frameIndex == frame)
            frameEnd = event.endNs;
    }
    const int64_t span = std::max<int64_t>(1000, (frameEnd - m_top->origin()) * 2);
    const TimeAxis axis = TimeAxis::fit(-span / 20, span, m_top->laneAreaWidth());
    m_top->setAxis(axis);
    m_bottom->setAxis(axis);
}

void TimelinePage::showSelection(TimelineView* view, qint64 fromNs, qint64 toNs)
{
    if (!view->timelineLayout())
        return;
    m_statsModel->setStats(selectionStats(*view->timelineLayout(), fromNs, toNs), toNs - fromNs);
    m_stats->resizeColumnsToContents();
}

} // namespace es::app
