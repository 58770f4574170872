// SPDX-License-Identifier: Apache-2.0
// The compare page's charts with Qt Charts (ES_WITH_QTCHARTS); gui/painter_charts.cpp draws them without it.
#include "chart_data.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHorizontalBarSeries>
#include <QHorizontalStackedBarSeries>
#include <QLegendMarker>
#include <QLineSeries>
#include <QStackedBarSeries>
#include <QValueAxis>

namespace es::app {

bool chartsUseQtCharts()
{
    return true;
}

namespace {

QChartView* viewOf(QChart* chart)
{
    chart->setAnimationOptions(QChart::NoAnimation); // figures must be right at once (and in screenshots)
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto* view = new QChartView(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(240);
    return view;
}

/// Each category's interval as a capped whisker: a line series on the category axis (category i sits at i), hidden
/// from the legend.
void addErrorBars(QChart* chart, const BarChartData& data, QAbstractAxis* categories, QAbstractAxis* values)
{
    constexpr double kCapHalfWidth = 0.08; // in categories
    for (int c = 0; c < data.errorBars.size(); ++c) {
        const QPointF interval = data.errorBars[c];
        if (interval.x() <= 0 && interval.y() <= 0)
            continue;
        const auto at = [&](double along, double value) {
            return data.horizontal ? QPointF(value, c + along) : QPointF(c + along, value);
        };
        auto* whisker = new QLineSeries;
        whisker->setName(QObject::tr("95% interval"));
        whisker->append({ at(-kCapHalfWidth, interval.x()), at(kCapHalfWidth, interval.x()), at(0, interval.x()),
            at(0, interval.y()), at(-kCapHalfWidth, interval.y()), at(kCapHalfWidth, interval.y()) });
        whisker->setPen(QPen(QColor(0x22, 0x22, 0x22), 1.5));
        chart->addSeries(whisker);
        whisker->attachAxis(categories);
        whisker->attachAxis(values);
        for (QLegendMarker* marker : chart->legend()->markers(whisker))
            marker->setVisible(false);
    }
}

} // namespace

QWidget* makeBarChart(const BarChartData& data)
{
    auto* chart = new QChart;
    chart->setTitle(data.title);
    QAbstractBarSeries* series = nullptr;
    if (data.horizontal)
        series = data.stacked ? static_cast<QAbstractBarSeries*>(new QHorizontalStackedBarSeries)
                              : static_cast<QAbstractBarSeries*>(new QHorizontalBarSeries);
    else
        series = data.stacked ? static_cast<QAbstractBarSeries*>(new QStackedBarSeries)
                              : static_cast<QAbstractBarSeries*>(new QBarSeries);
    double largest = 0;
    for (const BarChartData::Series& item : data.series) {
        auto* set = new QBarSet(item.name);
        set->setColor(item.color);
        set->setBorderColor(item.color.darker(120));
        for (double value : item.values) {
            *set << value;
            largest = std::max(largest, value);
        }
        series->append(set);
    }
    if (data.onCategoryClicked)
        QObject::connect(series, &QAbstractBarSeries::clicked, series,
            [onClicked = data.onCategoryClicked](int index, QBarSet*) { onClicked(index); });
    series->setLabelsVisible(data.labels);
    series->setLabelsFormat(QStringLiteral("@value"));
    series->setLabelsPrecision(3);
    chart->addSeries(series);
    auto* categories = new QBarCategoryAxis;
    categories->append(data.categories);
    auto* values = new QValueAxis;
    values->setTitleText(data.unit);
    values->setMin(0);
    chart->addAxis(categories, data.horizontal ? Qt::AlignLeft : Qt::AlignBottom);
    chart->addAxis(values, data.horizontal ? Qt::AlignBottom : Qt::AlignLeft);
    series->attachAxis(categories);
    series->attachAxis(values);
    addErrorBars(chart, data, categories, values);
    for (const QPointF& interval : data.errorBars)
        largest = std::max(largest, interval.y());
    values->setMax(largest > 0 ? largest * 1.15 : 1);
    chart->legend()->setVisible(data.series.size() > 1);
    return viewOf(chart);
}

QWidget* makeLineChart(const LineChartData& data)
{
    auto* chart = new QChart;
    chart->setTitle(data.title);
    auto* x = new QValueAxis;
    x->setTitleText(data.xUnit);
    auto* y = new QValueAxis;
    y->setTitleText(data.yUnit);
    y->setRange(data.yMin, data.yMax);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double xMax = 0;
    for (const LineChartData::Series& item : data.series) {
        auto* line = new QLineSeries;
        line->setName(item.name);
        line->setColor(item.color);
        line->replace(item.points); // one bulk update, not one signal per point
        for (const QPointF& point : item.points)
            xMax = std::max(xMax, point.x());
        chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
    }
    x->setRange(0, xMax > 0 ? xMax : 1);
    return viewOf(chart);
}

} // namespace es::app
