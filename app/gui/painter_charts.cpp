// SPDX-License-Identifier: Apache-2.0
// The compare page's charts drawn with QPainter, for builds without Qt Charts (ES_WITH_QTCHARTS=OFF).
#include "chart_data.h"

#include <QMouseEvent>
#include <QPainter>

namespace es::app {

bool chartsUseQtCharts()
{
    return false;
}

namespace {

/// What every painter chart shares: the background and the title; subclasses draw the data below. GUI thread only.
template<typename Data> class PainterChart : public QWidget
{
public:
    explicit PainterChart(Data data) : m_data(std::move(data)) { setMinimumHeight(220); }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter painter(this);
        painter.fillRect(rect(), palette().base());
        painter.setPen(palette().text().color());
        painter.drawText(QRect(0, 0, width(), 20), Qt::AlignCenter, m_data.title);
        paintData(painter);
    }
    virtual void paintData(QPainter& painter) = 0;

    Data m_data;
};

/// Grouped (or stacked) horizontal bars with their values. GUI thread only.
class PainterBars : public PainterChart<BarChartData>
{
public:
    using PainterChart::PainterChart;

protected:
    static constexpr int labelWidth = 160, top = 24;
    int groupHeight() const { return std::max(16, (height() - top) / std::max(1, int(m_data.categories.size()))); }

    void mousePressEvent(QMouseEvent* event) override
    {
        const int category = (int(event->position().y()) - top) / groupHeight();
        if (m_data.onCategoryClicked && category >= 0 && category < m_data.categories.size())
            m_data.onCategoryClicked(category);
    }

    void paintData(QPainter& painter) override
    {
        double largest = 1e-9;
        for (int c = 0; c < m_data.categories.size(); ++c) {
            double total = 0;
            for (const auto& series : m_data.series) {
                const double value = c < series.values.size() ? series.values[c] : 0;
                total = m_data.stacked ? total + value : std::max(total, value);
            }
            largest = std::max(largest, total);
            if (c < m_data.errorBars.size())
                largest = std::max(largest, m_data.errorBars[c].y());
        }
        const int groupHeight = this->groupHeight();
        for (int c = 0; c < m_data.categories.size(); ++c) {
            const int y = top + c * groupHeight;
            painter.setPen(palette().text().color());
            painter.drawText(QRect(0, y, labelWidth - 4, groupHeight), Qt::AlignVCenter | Qt::AlignRight,
                m_data.categories[c].split('\n').join(' '));
            double offset = 0;
            const int barCount = m_data.stacked ? 1 : int(m_data.series.size());
            const int barHeight = std::max(4, (groupHeight - 4) / std::max(1, barCount));
            for (size_t s = 0; s < m_data.series.size(); ++s) {
                const double value = c < m_data.series[s].values.size() ? m_data.series[s].values[c] : 0;
                const double span = width() - labelWidth - 70;
                const int x = labelWidth + int(span * offset / largest);
                const int w = int(span * value / largest);
                const int barY = m_data.stacked ? y + 2 : y + 2 + int(s) * barHeight;
                painter.fillRect(QRect(x, barY, std::max(1, w), barHeight - 1), m_data.series[s].color);
                if (m_data.labels && !m_data.stacked)
                    painter.drawText(QRect(x + w + 4, barY, 66, barHeight), Qt::AlignVCenter | Qt::AlignLeft,
                        QString::number(value, 'g', 3));
                if (m_data.stacked)
                    offset += value;
            }
            if (c < m_data.errorBars.size())
                paintErrorBar(painter, m_data.errorBars[c], largest, y + groupHeight / 2, groupHeight / 3);
        }
    }

    /// The interval (low, high) of one category as a whisker across its bar, capped at both ends.
    void paintErrorBar(QPainter& painter, QPointF interval, double largest, int middleY, int capHeight)
    {
        if (interval.x() <= 0 && interval.y() <= 0)
            return;
        const double span = width() - labelWidth - 70;
        const int low = labelWidth + int(span * interval.x() / largest);
        const int high = labelWidth + int(span * interval.y() / largest);
        painter.setPen(QPen(palette().text().color(), 1.5));
        painter.drawLine(low, middleY, high, middleY);
        painter.drawLine(low, middleY - capHeight / 2, low, middleY + capHeight / 2);
        painter.drawLine(high, middleY - capHeight / 2, high, middleY + capHeight / 2);
    }
};

/// Lines over time. GUI thread only.
class PainterLines : public PainterChart<LineChartData>
{
public:
    using PainterChart::PainterChart;

protected:
    void paintData(QPainter& painter) override
    {
        double xMax = 1e-9;
        for (const auto& series : m_data.series)
            for (const QPointF& point : series.points)
                xMax = std::max(xMax, point.x());
        const QRectF area(40, 24, width() - 50, height() - 40);
        painter.drawRect(area);
        painter.setRenderHint(QPainter::Antialiasing);
        for (const auto& series : m_data.series) {
            QPolygonF line;
            for (const QPointF& point : series.points)
                line << QPointF(area.left() + area.width() * point.x() / xMax,
                    area.bottom()
                        - area.height() * (point.y() - m_data.yMin) / std::max(1e-9, m_data.yMax - m_data.yMin));
            painter.setPen(QPen(series.color, 1.5));
            painter.drawPolyline(line);
        }
    }
};

} // namespace

QWidget* makeBarChart(const BarChartData& data)
{
    return new PainterBars(data);
}

QWidget* makeLineChart(const LineChartData& data)
{
    return new PainterLines(data);
}

} // namespace es::app
