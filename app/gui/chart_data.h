// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QColor>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <functional>
#include <vector>

namespace es::app {

/// What a bar chart shows, independent of how it is drawn: categories (one bar group each), series of values with
/// their colours, stacked or side by side, and the unit of the value axis. Value type.
struct BarChartData
{
    struct Series
    {
        QString name;
        QColor color;
        QVector<double> values; ///< one per category
    };
    QString title;
    QStringList categories;
    std::vector<Series> series;
    QString unit;
    bool stacked = false;
    bool horizontal = false;
    bool labels = true; ///< values on the bars
    /// Per category, the 95 % interval of the category's (stacked) value as (low, high), drawn as an error bar;
    /// empty for none, and a category whose low and high are both 0 gets none.
    QVector<QPointF> errorBars;
    std::function<void(int category)> onCategoryClicked; ///< a click on a bar (GUI thread), when set
};

/// Lines over time (x in seconds). Value type.
struct LineChartData
{
    struct Series
    {
        QString name;
        QColor color;
        QVector<QPointF> points;
    };
    QString title;
    std::vector<Series> series;
    QString xUnit;
    QString yUnit;
    double yMin = 0, yMax = 100;
};

/// A chart widget for the data: Qt Charts where the build has it (app/charts/), QPainter bars and lines otherwise.
QWidget* makeBarChart(const BarChartData& data);
QWidget* makeLineChart(const LineChartData& data);
/// Whether the charts come from Qt Charts.
bool chartsUseQtCharts();

} // namespace es::app
