// SPDX-License-Identifier: Apache-2.0
#include "chart_card.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <algorithm>

namespace es::app {

ChartCard::ChartCard(const QString& name, QWidget* content, QWidget* parent)
    : QWidget(parent), m_name(name), m_content(content), m_caption(new QLabel)
{
    m_caption->setWordWrap(true);
    auto* png = new QPushButton(tr("PNG…"));
    auto* svg = new QPushButton(tr("SVG…"));
    png->setToolTip(tr("Save this chart as a PNG picture"));
    svg->setToolTip(tr("Save this chart as an SVG drawing"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_caption, 1);
    buttons->addWidget(png);
    buttons->addWidget(svg);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(content, 1);
    layout->addLayout(buttons);
    content->setMinimumHeight(std::max(220, content->minimumHeight())); // a taller chart asked for more
    const auto save = [this](const QString& suffix) {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), m_name + "." + suffix,
            suffix == "png" ? tr("PNG pictures (*.png)") : tr("SVG drawings (*.svg)"));
        if (path.isEmpty())
            return;
        QString error;
        const bool ok = suffix == "png" ? exportPng(path, &error) : exportSvg(path, &error);
        if (!ok)
            QMessageBox::critical(this, tr("Cannot save the chart"), error);
    };
    connect(png, &QPushButton::clicked, this, [save] { save("png"); });
    connect(svg, &QPushButton::clicked, this, [save] { save("svg"); });
}

void ChartCard::setCaption(const QString& caption)
{
    m_caption->setText(caption);
}

bool ChartCard::exportPng(const QString& path, QString* error) const
{
    const QPixmap picture = m_content->grab();
    if (picture.save(path, "PNG"))
        return true;
    if (error)
        *error = tr("cannot write %1: check that the folder exists and is writable").arg(path);
    return false;
}

bool ChartCard::exportSvg(const QString& path, QString* error) const
{
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(m_content->size());
    generator.setViewBox(QRect(QPoint(0, 0), m_content->size()));
    generator.setTitle(m_name);
    generator.setDescription(m_caption->text());
    QPainter painter;
    if (!painter.begin(&generator)) {
        if (error)
            *error = tr("cannot write %1: check that the folder exists and is writable").arg(path);
        return false;
    }
    m_content->render(&painter);
    painter.end();
    if (QFileInfo(path).size() > 0)
        return true;
    if (error)
        *error = tr("cannot write %1: check that the folder exists and is writable").arg(path);
    return false;
}

bool ChartCard::exportTo(const QString& folder, QString* error) const
{
    return exportPng(folder + "/" + m_name + ".png", error) && exportSvg(folder + "/" + m_name + ".svg", error);
}

int exportCards(const std::vector<ChartCard*>& cards, const QString& folder, QString* error)
{
    int written = 0;
    for (const ChartCard* card : cards) {
        if (!card->exportTo(folder, error))
            return -1;
        written += 2;
    }
    return written;
}

} // namespace es::app
