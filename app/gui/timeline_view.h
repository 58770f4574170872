// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "time_axis.h"
#include "timeline_layout.h"

#include <QSet>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QScrollBar;

namespace es::app {

/// The timeline of one run, drawn with QPainter: a time ruler, lanes grouped as nsys groups them (frames, threads with
/// their NVTX ranges, operators and CUDA API calls, GPU streams with kernels, copies and synchronizations, counters),
/// groups that fold on a click of their header. Events narrower than a few pixels fold into blocks (collectVisible),
/// so ten million events pan smoothly. Times are shown relative to an origin (the start of a frame) so that two views
/// can share one axis. Mouse: wheel zooms around the cursor, Shift+wheel scrolls lanes, drag pans, Shift+drag selects
/// a range, double-click zooms to an event, click selects it (with the arrow from its launch). Keys as Perfetto:
/// W/S zoom, A/D pan, F fits the selection (or the run), Esc clears. GUI thread only.
class TimelineView : public QWidget
{
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);

    void setLayout(std::shared_ptr<const TimelineLayout> layout);
    const TimelineLayout* timelineLayout() const { return m_layout.get(); }
    /// The absolute time that relative time 0 maps to (a frame's start).
    void setOrigin(int64_t originNs);
    int64_t origin() const { return m_origin; }
    /// The axis in time relative to the origin; setAxis does not emit axisChanged.
    TimeAxis axis() const { return m_axis; }
    void setAxis(const TimeAxis& relativeAxis);
    /// Shows the whole run.
    void fitAll();
    /// Shows [fromNs, toNs) (absolute times).
    void showRange(int64_t fromNs, int64_t toNs);
    std::optional<std::pair<int64_t, int64_t>> selection() const { return m_selection; }
    void setSelection(int64_t fromNs, int64_t toNs);
    void clearSelection();
    /// Width of the lane area in pixels (the view minus the label column).
    int laneAreaWidth() const;
    /// The label column's width, in pixels.
    static constexpr int kLabelWidth = 220;
    /// Items drawn by the last paint (all rows), for tests and the benchmark.
    size_t lastItemCount() const { return m_lastItemCount; }
    /// Details of the event under a point, empty when none.
    QString describeAt(const QPoint& point) const;

signals:
    /// Zoom or pan by the user: the new axis, relative to the origin.
    void axisChanged(const es::app::TimeAxis& relativeAxis);
    void selectionChanged(qint64 fromNs, qint64 toNs);
    void selectionCleared();
    void hovered(const QString& details);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    /// A visible band: a group header or one lane (its rows stacked).
    struct Band
    {
        int lane = -1; ///< -1: the header of `group`
        QString group;
        int y = 0; ///< content y (before scrolling)
        int height = 0;
    };
    /// What the last paint drew in one row, for hit tests.
    struct DrawnRow
    {
        int lane = 0;
        int top = 0, height = 0; ///< widget y
        std::vector<DrawItem> items;
    };
    struct Hit
    {
        int lane = -1;
        DrawItem item;
    };

    TimeAxis absoluteAxis() const;
    void changeAxis(const TimeAxis& relativeAxis);
    void rebuildBands();
    void updateScrollBar();
    std::optional<Hit> hitAt(const QPoint& point) const;
    QColor colorOf(const Lane& lane, size_t index) const;
    void paintRuler(class QPainter& painter, const TimeAxis& axis, int width);
    void paintLane(class QPainter& painter, const Band& band, int top, const TimeAxis& axis, int width);
    void paintLaunchArrow(class QPainter& painter, const TimeAxis& axis);
    int rowTop(int lane, int row) const;

    std::shared_ptr<const TimelineLayout> m_layout;
    int64_t m_origin = 0;
    TimeAxis m_axis;
    std::vector<Band> m_bands;
    QSet<QString> m_folded;
    QScrollBar* m_scroll = nullptr;
    std::vector<DrawnRow> m_drawn;
    size_t m_lastItemCount = 0;
    std::optional<std::pair<int64_t, int64_t>> m_selection; ///< absolute ns
    std::optional<Hit> m_selectedEvent;
    QPoint m_pressPoint;
    QPoint m_lastMouse;
    bool m_panning = false;
    bool m_selecting = false;
    bool m_fitOnResize = false; ///< the whole run is shown and stays fitted until the user zooms or pans
    int64_t m_selectAnchorNs = 0;
};

} // namespace es::app
