// SPDX-License-Identifier: Apache-2.0
#include "timeline_view.h"

#include "analysis/gpu_attribution.h"
#include "colors.h"
#include "time_format.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <cmath>

namespace es::app {

namespace {

constexpr int kRulerHeight = 24;
constexpr int kRowHeight = 16;
constexpr int kCounterHeight = 40;
constexpr int kHeaderHeight = 18;
constexpr double kMinVisiblePx = 3.0; // narrower events fold, as Tracy's MinVisSize
constexpr double kWheelZoomStep = 1.25;

int laneHeight(const Lane& lane)
{
    return lane.kind == LaneKind::Counter ? kCounterHeight
                                          : int(std::max<size_t>(1, lane.rows.size())) * kRowHeight + 2;
}

/// A tick spacing of 1, 2 or 5 times a power of ten that puts ticks about `targetPx` apart.
double niceTickNs(double nsPerPixel, double targetPx)
{
    const double raw = nsPerPixel * targetPx;
    const double power = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-3))));
    for (double step : { 1.0, 2.0, 5.0, 10.0 }) {
        if (step * power >= raw)
            return step * power;
    }
    return 10 * power;
}

} // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent), m_scroll(new QScrollBar(Qt::Vertical, this))
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(400, 160);
    setAttribute(Qt::WA_OpaquePaintEvent);
    connect(m_scroll, &QScrollBar::valueChanged, this, qOverload<>(&QWidget::update));
    setAccessibleName(tr("Timeline"));
}

void TimelineView::setLayout(std::shared_ptr<const TimelineLayout> layout)
{
    m_layout = std::move(layout);
    m_selectedEvent.reset();
    rebuildBands();
    update();
}

void TimelineView::setOrigin(int64_t originNs)
{
    m_origin = originNs;
    update();
}

void TimelineView::setAxis(const TimeAxis& relativeAxis)
{
    m_axis = relativeAxis;
    update();
}

void TimelineView::changeAxis(const TimeAxis& relativeAxis)
{
    m_fitOnResize = false;
    m_axis = relativeAxis;
    update();
    emit axisChanged(m_axis);
}

TimeAxis TimelineView::absoluteAxis() const
{
    TimeAxis axis = m_axis;
    axis.startNs += m_origin;
    return axis;
}

int TimelineView::laneAreaWidth() const
{
    return std::max(1, width() - kLabelWidth - m_scroll->sizeHint().width());
}

void TimelineView::fitAll()
{
    if (!m_layout)
        return;
    const prof::TraceModel& model = m_layout->model();
    showRange(model.startNs, std::max(model.endNs, model.startNs + 1));
    m_fitOnResize = true;
}

void TimelineView::showRange(int64_t fromNs, int64_t toNs)
{
    TimeAxis axis = TimeAxis::fit(fromNs - m_origin, toNs - m_origin, laneAreaWidth());
    changeAxis(axis);
}

void TimelineView::setSelection(int64_t fromNs, int64_t toNs)
{
    m_selection = std::make_pair(std::min(fromNs, toNs), std::max(fromNs, toNs));
    update();
    emit selectionChanged(m_selection->first, m_selection->second);
}

void TimelineView::clearSelection()
{
    m_selection.reset();
    m_selectedEvent.reset();
    update();
    emit selectionCleared();
}

void TimelineView::rebuildBands()
{
    m_bands.clear();
    if (!m_layout)
        return;
    int y = 0;
    QString group;
    const auto& lanes = m_layout->lanes();
    for (size_t i = 0; i < lanes.size(); ++i) {
        const QString laneGroup = QString::fromStdString(lanes[i].group);
        if (laneGroup != group || i == 0) {
            group = laneGroup;
            m_bands.push_back({ -1, group, y, kHeaderHeight });
            y += kHeaderHeight;
        }
        if (m_folded.contains(group))
            continue;
        m_bands.push_back({ int(i), group, y, laneHeight(lanes[i]) });
        y += laneHeight(lanes[i]);
    }
    updateScrollBar();
}

void TimelineView::updateScrollBar()
{
    const int content = m_bands.empty() ? 0 : m_bands.back().y + m_bands.back().height;
    const int visible = height() - kRulerHeight;
    m_scroll->setGeometry(width() - m_scroll->sizeHint().width(), kRulerHeight, m_scroll->sizeHint().width(), visible);
    m_scroll->setRange(0, std::max(0, content - visible));
    m_scroll->setPageStep(std::max(1, visible));
    m_scroll->setVisible(content > visible);
}

void TimelineView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    updateScrollBar();
    if (m_fitOnResize)
        fitAll();
}

QColor TimelineView::colorOf(const Lane& lane, size_t index) const
{
    const prof::TraceModel& model = m_layout->model();
    switch (lane.kind) {
    case LaneKind::Frames:
        return QColor(0xB0, 0xB0, 0xB0);
    case LaneKind::Ranges:
        return stageColor(QString::fromStdString(m_layout->eventName(lane, index)));
    case LaneKind::Operators:
    case LaneKind::ApiCalls: {
        const QString name = QString::fromStdString(m_layout->eventName(lane, index));
        if (lane.kind == LaneKind::ApiCalls && (name.contains("Synchronize") || name.startsWith("cudaMemcpy")))
            return syncColor().lighter(130);
        return hashedColor(name);
    }
    case LaneKind::Kernels:
        return kernelColor();
    case LaneKind::Copies: {
        const prof::CopyEvent& copy = model.streams[size_t(lane.trackIndex)].copies[index];
        return copyColor(prof::copyDirection(copy.copyKind), copy.isMemset);
    }
    case LaneKind::Syncs:
        return syncColor();
    case LaneKind::Counter:
        return QColor(0x00, 0x72, 0xB2);
    }
    return Qt::gray;
}

int TimelineView::rowTop(int lane, int row) const
{
    for (const Band& band : m_bands) {
        if (band.lane == lane)
            return kRulerHeight + band.y - m_scroll->value() + 1 + row * kRowHeight;
    }
    return -1;
}

void TimelineView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    m_drawn.clear();
    m_lastItemCount = 0;
    const int width = laneAreaWidth();
    const TimeAxis axis = absoluteAxis();
    if (!m_layout) {
        painter.setPen(palette().text().color());
        painter.drawText(rect(), Qt::AlignCenter, tr("Open a session and pick a run to see its timeline."));
        return;
    }
    painter.setClipRect(0, kRulerHeight, this->width(), height() - kRulerHeight);
    const int scrollY = m_scroll->value();
    for (const Band& band : m_bands) {
        const int top = kRulerHeight + band.y - scrollY;
        if (top + band.height < kRulerHeight || top > height())
            continue;
        if (band.lane < 0) {
            painter.fillRect(0, top, this->width(), band.height, palette().alternateBase());
            painter.setPen(palette().text().color());
            QFont bold = font();
            bold.setBold(true);
            painter.setFont(bold);
            painter.drawText(QRect(4, top, this->width() - 8, band.height), Qt::AlignVCenter | Qt::AlignLeft,
                (m_folded.contains(band.group) ? QStringLiteral("\u25B6 ") : QStringLiteral("\u25BC ")) + band.group);
            painter.setFont(font());
            continue;
        }
        paintLane(painter, band, top, axis, width);
    }
    paintLaunchArrow(painter, axis);
    painter.setClipping(false);
    if (m_selection) {
        const double x0 = kLabelWidth + axis.toPixel(m_selection->first);
        const double x1 = kLabelWidth + axis.toPixel(m_selection->second);
        const QRectF area(QPointF(std::max<double>(x0, kLabelWidth), kRulerHeight),
            QPointF(std::min<double>(x1, kLabelWidth + width), height()));
        painter.fillRect(area, QColor(0x33, 0x66, 0xCC, 50));
        painter.setPen(QColor(0x33, 0x66, 0xCC));
        painter.drawLine(QPointF(x0, kRulerHeight), QPointF(x0, height()));
        painter.drawLine(QPointF(x1, kRulerHeight), QPointF(x1, height()));
    }
    paintRuler(painter, axis, width);
}

void TimelineView::paintRuler(QPainter& painter, const TimeAxis& axis, int width)
{
    painter.fillRect(0, 0, this->width(), kRulerHeight, palette().window());
    painter.setPen(palette().windowText().color());
    const double tick = niceTickNs(axis.nsPerPixel, 90);
    // Labels are relative to the origin (a frame's start when aligned), as the side-by-side view shares them.
    const double firstRelative = std::ceil(double(axis.startNs - m_origin) / tick) * tick;
    for (double relative = firstRelative;; relative += tick) {
        const double x = kLabelWidth + axis.toPixel(m_origin + int64_t(relative));
        if (x > kLabelWidth + width)
            break;
        painter.drawLine(QPointF(x, kRulerHeight - 6), QPointF(x, kRulerHeight));
        painter.drawText(QPointF(x + 3, kRulerHeight - 8), QString::fromStdString(formatDuration(int64_t(relative))));
    }
    const QString span = tr("span %1").arg(QString::fromStdString(formatDuration(int64_t(axis.nsPerPixel * width))));
    painter.drawText(QRect(4, 0, kLabelWidth - 8, kRulerHeight), Qt::AlignVCenter | Qt::AlignLeft, span);
    if (m_selection) {
        painter.drawText(QRect(kLabelWidth, 0, width - 8, kRulerHeight), Qt::AlignVCenter | Qt::AlignRight,
            tr("selection %1").arg(QString::fromStdString(formatDuration(m_selection->second - m_selection->first))));
    }
}

void TimelineView::paintLane(QPainter& painter, const Band& band, int top, const TimeAxis& axis, int width)
{
    const Lane& lane = m_layout->lanes()[size_t(band.lane)];
    painter.setPen(palette().text().color());
    painter.drawText(QRect(16, top, kLabelWidth - 20, std::min(band.height, kRowHeight + 2)),
        Qt::AlignVCenter | Qt::AlignLeft,
        painter.fontMetrics().elidedText(QString::fromStdString(lane.label), Qt::ElideRight, kLabelWidth - 20));
    painter.setPen(palette().mid().color());
    painter.drawLine(0, top + band.height - 1, kLabelWidth + width, top + band.height - 1);
    painter.save();
    painter.setClipRect(QRect(kLabelWidth, std::max(top, kRulerHeight), width, band.height), Qt::IntersectClip);
    painter.translate(kLabelWidth, 0);
    if (lane.kind == LaneKind::Counter) {
        std::vector<CounterColumn> columns;
        collectCounter(m_layout->model().counters[size_t(lane.trackIndex)].samples, axis, width, columns);
        const double span = std::max(1e-9, lane.counterMax - lane.counterMin);
        const auto yOf = [&](double value) {
            return top + band.height - 2 - (value - lane.counterMin) / span * (band.height - 6);
        };
        QColor fill = colorOf(lane, 0);
        for (int x = 0; x < int(columns.size()); ++x) {
            if (!columns[size_t(x)].has)
                continue;
            const double yMax = yOf(columns[size_t(x)].maxValue);
            painter.fillRect(QRectF(x, yMax, 1, top + band.height - 2 - yMax), fill.lighter(150));
            painter.fillRect(QRectF(x, yMax, 1, std::max(1.0, yOf(columns[size_t(x)].minValue) - yMax)), fill);
        }
        m_lastItemCount += columns.size();
        painter.setPen(palette().text().color());
        painter.drawText(QRect(4, top, width - 8, 14), Qt::AlignRight | Qt::AlignTop,
            QStringLiteral("%1 .. %2").arg(lane.counterMin, 0, 'g', 4).arg(lane.counterMax, 0, 'g', 4));
        painter.restore();
        return;
    }
    for (size_t r = 0; r < lane.rows.size(); ++r) {
        DrawnRow drawn;
        drawn.lane = band.lane;
        drawn.top = top + 1 + int(r) * kRowHeight;
        drawn.height = kRowHeight - 2;
        collectVisible(lane.rows[r], axis, width, kMinVisiblePx, drawn.items);
        for (const DrawItem& item : drawn.items) {
            const QRectF box(item.x0, drawn.top, std::max(1.0f, item.x1 - item.x0), drawn.height);
            const QColor color = colorOf(lane, item.sourceIndex);
            if (item.folded > 1) {
                painter.fillRect(box, color.darker(135));
                if (box.width() > 60) {
                    painter.setPen(Qt::white);
                    painter.drawText(
                        box.adjusted(2, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft, tr("%1 events").arg(item.folded));
                }
                continue;
            }
            painter.fillRect(box, color);
            if (box.width() > 36) {
                painter.setPen(color.lightness() > 140 ? Qt::black : Qt::white);
                const QString name = QString::fromStdString(m_layout->eventName(lane, item.sourceIndex));
                painter.drawText(box.adjusted(2, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft,
                    painter.fontMetrics().elidedText(name, Qt::ElideRight, int(box.width()) - 4));
            }
        }
        m_lastItemCount += drawn.items.size();
        m_drawn.push_back(std::move(drawn));
    }
    painter.restore();
}

void TimelineView::paintLaunchArrow(QPainter& painter, const TimeAxis& axis)
{
    if (!m_selectedEvent)
        return;
    const Lane& lane = m_layout->lanes()[size_t(m_selectedEvent->lane)];
    const prof::TraceModel& model = m_layout->model();
    uint32_t correlation = 0;
    int64_t deviceStart = 0;
    const size_t index = m_selectedEvent->item.sourceIndex;
    if (lane.kind == LaneKind::Kernels) {
        correlation = model.streams[size_t(lane.trackIndex)].kernels[index].correlationId;
        deviceStart = model.streams[size_t(lane.trackIndex)].kernels[index].startNs;
    } else if (lane.kind == LaneKind::Copies) {
        correlation = model.streams[size_t(lane.trackIndex)].copies[index].correlationId;
        deviceStart = model.streams[size_t(lane.trackIndex)].copies[index].startNs;
    } else {
        return;
    }
    const auto [thread, call] = m_layout->apiCallOf(correlation);
    if (thread < 0)
        return;
    int apiLane = -1;
    for (size_t l = 0; l < m_layout->lanes().size(); ++l) {
        if (m_layout->lanes()[l].kind == LaneKind::ApiCalls && m_layout->lanes()[l].trackIndex == thread)
            apiLane = int(l);
    }
    const int fromY = rowTop(apiLane, 0);
    const int toY = rowTop(m_selectedEvent->lane, 0);
    if (fromY < 0 || toY < 0)
        return;
    const prof::ApiEvent& api = model.threads[size_t(thread)].apiCalls[size_t(call)];
    const QPointF from(kLabelWidth + axis.toPixel(api.startNs), fromY + kRowHeight / 2);
    const QPointF to(kLabelWidth + axis.toPixel(deviceStart), toY + kRowHeight / 2);
    painter.setPen(QPen(Qt::black, 1.5));
    painter.drawLine(from, to);
    const QPointF direction = (to - from) / std::max(1.0, std::hypot(to.x() - from.x(), to.y() - from.y()));
    const QPointF normal(-direction.y(), direction.x());
    QPainterPath head;
    head.moveTo(to);
    head.lineTo(to - direction * 8 + normal * 4);
    head.lineTo(to - direction * 8 - normal * 4);
    head.closeSubpath();
    painter.fillPath(head, Qt::black);
}

std::optional<TimelineView::Hit> TimelineView::hitAt(const QPoint& point) const
{
    const double x = point.x() - kLabelWidth;
    for (const DrawnRow& row : m_drawn) {
        if (point.y() < row.top || point.y() >= row.top + row.height)
            continue;
        for (const DrawItem& item : row.items) {
            if (x >= item.x0 - 1 && x <= item.x1 + 1)
                return Hit { row.lane, item };
        }
    }
    return std::nullopt;
}

QString TimelineView::describeAt(const QPoint& point) const
{
    const auto hit = hitAt(point);
    if (!hit || !m_layout)
        return {};
    const Lane& lane = m_layout->lanes()[size_t(hit->lane)];
    if (hit->item.folded > 1)
        return tr("%1 events of %2 folded here (narrower than %3 px): zoom in to see them")
            .arg(hit->item.folded)
            .arg(QString::fromStdString(lane.label))
            .arg(kMinVisiblePx);
    return QString::fromStdString(m_layout->describe(lane, hit->item.sourceIndex));
}

void TimelineView::wheelEvent(QWheelEvent* event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (event->modifiers() & Qt::ShiftModifier) {
        m_scroll->setValue(m_scroll->value() - int(steps * 3 * kRowHeight));
        return;
    }
    TimeAxis axis = m_axis;
    axis.zoomAround(event->position().x() - kLabelWidth, std::pow(kWheelZoomStep, steps));
    changeAxis(axis);
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* event)
{
    m_pressPoint = m_lastMouse = event->pos();
    if (event->button() != Qt::LeftButton)
        return;
    if (event->pos().x() < kLabelWidth) {
        for (const Band& band : m_bands) {
            const int top = kRulerHeight + band.y - m_scroll->value();
            if (band.lane < 0 && event->pos().y() >= top && event->pos().y() < top + band.height) {
                if (m_folded.contains(band.group))
                    m_folded.remove(band.group);
                else
                    m_folded.insert(band.group);
                rebuildBands();
                update();
                return;
            }
        }
        return;
    }
    if (event->modifiers() & Qt::ShiftModifier) {
        m_selecting = true;
        m_selectAnchorNs = absoluteAxis().toTime(event->pos().x() - kLabelWidth);
    } else {
        m_panning = true;
        setCursor(Qt::ClosedHandCursor);
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint delta = event->pos() - m_lastMouse;
    m_lastMouse = event->pos();
    if (m_panning) {
        TimeAxis axis = m_axis;
        axis.panPixels(-delta.x());
        m_scroll->setValue(m_scroll->value() - delta.y());
        changeAxis(axis);
        return;
    }
    if (m_selecting) {
        const int64_t now = absoluteAxis().toTime(event->pos().x() - kLabelWidth);
        m_selection = std::make_pair(std::min(now, m_selectAnchorNs), std::max(now, m_selectAnchorNs));
        update();
        return;
    }
    const QString details = describeAt(event->pos());
    emit hovered(details);
    if (details.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), details, this);
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    if (m_selecting) {
        m_selecting = false;
        if (m_selection && m_selection->second > m_selection->first)
            emit selectionChanged(m_selection->first, m_selection->second);
        return;
    }
    if (m_panning) {
        m_panning = false;
        unsetCursor();
        if ((event->pos() - m_pressPoint).manhattanLength() < 3) {
            m_selectedEvent = hitAt(event->pos());
            update();
        }
    }
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent* event)
{
    const auto hit = hitAt(event->pos());
    if (!hit)
        return;
    const TimeAxis axis = absoluteAxis();
    const int64_t from = axis.toTime(hit->item.x0);
    const int64_t to = axis.toTime(hit->item.x1);
    const int64_t margin = std::max<int64_t>(1, (to - from) / 10);
    showRange(from - margin, to + margin);
}

void TimelineView::keyPressEvent(QKeyEvent* event)
{
    TimeAxis axis = m_axis;
    const double center = laneAreaWidth() / 2.0;
    switch (event->key()) {
    case Qt::Key_W:
        axis.zoomAround(center, 1.5);
        break;
    case Qt::Key_S:
        axis.zoomAround(center, 1 / 1.5);
        break;
    case Qt::Key_A:
        axis.panPixels(-laneAreaWidth() / 8.0);
        break;
    case Qt::Key_D:
        axis.panPixels(laneAreaWidth() / 8.0);
        break;
    case Qt::Key_F:
        if (m_selection)
            showRange(m_selection->first, m_selection->second);
        else
            fitAll();
        return;
    case Qt::Key_Escape:
        clearSelection();
        return;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    changeAxis(axis);
}

void TimelineView::leaveEvent(QEvent*)
{
    emit hovered(QString());
}

} // namespace es::app
