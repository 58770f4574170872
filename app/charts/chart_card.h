// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

#include <vector>

class QLabel;

namespace es::app {

/// A titled frame around one chart (or any widget) with its caption and PNG/SVG export buttons; the export renders
/// the widget itself, so it matches the screen. GUI thread only.
class ChartCard : public QWidget
{
    Q_OBJECT
public:
    ChartCard(const QString& name, QWidget* content, QWidget* parent = nullptr);
    void setCaption(const QString& caption);
    QWidget* content() const { return m_content; }
    QString name() const { return m_name; }
    /// Writes `<folder>/<name>.png` and `.svg`; false with `error` set when a file cannot be written.
    bool exportTo(const QString& folder, QString* error = nullptr) const;
    bool exportPng(const QString& path, QString* error = nullptr) const;
    bool exportSvg(const QString& path, QString* error = nullptr) const;

private:
    QString m_name;
    QWidget* m_content;
    QLabel* m_caption;
};

/// Writes every card's chart as PNG and SVG into `folder`: the number of files written, or -1 with `error` set.
int exportCards(const std::vector<ChartCard*>& cards, const QString& folder, QString* error = nullptr);

} // namespace es::app
