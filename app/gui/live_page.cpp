// SPDX-License-Identifier: Apache-2.0
#include "live_page.h"

#include "colors.h"

#include "model/vocabulary.h"

#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

namespace es::app {

namespace {
/// The seeded-weights banner: an opaque warning orange, unlike any box colour over a grey frame.
QColor bannerColor()
{
    return QColor(196, 78, 0);
}
} // namespace

VideoWidget::VideoWidget(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(320, 240);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setAccessibleName(tr("Video with detections"));
}

void VideoWidget::setFrame(const QImage& frame, const engine::FrameDetections& detections, bool seededWeights)
{
    m_frame = frame;
    m_detections = detections;
    m_seededWeights = seededWeights;
    update();
}

QString VideoWidget::bannerText() const
{
    if (m_frame.isNull() || !m_seededWeights)
        return {};
    return tr("Seeded weights: these boxes are not real objects. Get real weights: Lab > Get Real Weights…");
}

QRect VideoWidget::pictureRect() const
{
    if (m_frame.isNull())
        return {};
    const QSize fitted = m_frame.size().scaled(size(), Qt::KeepAspectRatio);
    return { QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2), fitted };
}

void VideoWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), Qt::black);
    if (m_frame.isNull()) {
        painter.setPen(Qt::white);
        painter.drawText(rect(), Qt::AlignCenter, tr("Press Run in the Experiment panel: frames appear here"));
        return;
    }
    const QRect target = pictureRect();
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(target, m_frame);
    painter.setRenderHint(QPainter::Antialiasing);
    for (const engine::Detection& detection : m_detections) {
        const QRectF box(target.x() + detection.left * target.width(), target.y() + detection.top * target.height(),
            (detection.right - detection.left) * target.width(), (detection.bottom - detection.top) * target.height());
        const QString name = QString::fromLatin1(engine::cocoClassName(detection.label));
        const QColor color = hashedColor(name).darker(110);
        painter.setPen(QPen(color, 2));
        painter.drawRect(box);
        const QString label = QStringLiteral("%1 %2").arg(name).arg(detection.score, 0, 'f', 2);
        const QRectF textBox(
            box.topLeft() - QPointF(0, 16), QSizeF(painter.fontMetrics().horizontalAdvance(label) + 6, 16));
        painter.fillRect(textBox, color);
        painter.setPen(Qt::white);
        painter.drawText(textBox, Qt::AlignCenter, label);
    }
    const QString banner = bannerText();
    if (banner.isEmpty())
        return;
    // Across the top of the picture, over the boxes: seeded boxes must never pass for detections.
    QFont bold = painter.font();
    bold.setBold(true);
    painter.setFont(bold);
    const QRect textArea = target.adjusted(8, 6, -8, 0);
    const QRect needed = painter.fontMetrics().boundingRect(textArea, Qt::TextWordWrap | Qt::AlignLeft, banner);
    painter.fillRect(QRect(target.left(), target.top(), target.width(), needed.height() + 12), bannerColor());
    painter.setPen(Qt::white);
    painter.drawText(textArea, Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, banner);
}

StageBars::StageBars(QWidget* parent) : QWidget(parent)
{
    setMinimumHeight(110);
}

void StageBars::setStages(const std::map<std::string, double>& stagesMs)
{
    m_stagesMs = stagesMs;
    update();
}

void StageBars::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    double largest = 1e-9;
    for (const char* stage : es::stage::kAll) {
        auto found = m_stagesMs.find(stage);
        if (found != m_stagesMs.end())
            largest = std::max(largest, found->second);
    }
    const int rowHeight = std::max(18, height() / 4);
    const int labelWidth = 170;
    int y = 0;
    for (const char* stage : es::stage::kAll) {
        auto found = m_stagesMs.find(stage);
        const double ms = found == m_stagesMs.end() ? 0.0 : found->second;
        painter.setPen(palette().text().color());
        painter.drawText(
            QRect(0, y, labelWidth, rowHeight), Qt::AlignVCenter | Qt::AlignLeft, QString::fromLatin1(stage));
        const int barWidth = int((width() - labelWidth - 80) * ms / largest);
        painter.fillRect(QRect(labelWidth, y + 3, std::max(1, barWidth), rowHeight - 6), stageColor(stage));
        painter.drawText(QRect(labelWidth + barWidth + 6, y, 80, rowHeight), Qt::AlignVCenter | Qt::AlignLeft,
            found == m_stagesMs.end() ? tr("not recorded") : QStringLiteral("%1 ms").arg(ms, 0, 'f', 2));
        y += rowHeight;
    }
}

LivePage::LivePage(QWidget* parent)
    : QWidget(parent)
    , m_video(new VideoWidget)
    , m_step(new QLabel(tr("No run yet")))
    , m_fps(new QLabel(QStringLiteral("–")))
    , m_frames(new QLabel)
    , m_status(new QLabel)
    , m_stages(new StageBars)
{
    QFont big = m_fps->font();
    big.setPointSize(big.pointSize() * 3);
    big.setBold(true);
    m_fps->setFont(big);
    QFont heading = m_step->font();
    heading.setPointSize(heading.pointSize() + 3);
    heading.setBold(true);
    m_step->setFont(heading);
    m_status->setWordWrap(true);
    auto* side = new QVBoxLayout;
    side->addWidget(m_step);
    side->addWidget(m_fps);
    side->addWidget(m_frames);
    side->addSpacing(12);
    side->addWidget(new QLabel(tr("<b>Time per frame, by stage</b> (mean so far)")));
    side->addWidget(m_stages);
    side->addWidget(m_status);
    side->addStretch(1);
    auto* layout = new QGridLayout(this);
    layout->addWidget(m_video, 0, 0);
    layout->addLayout(side, 0, 1);
    layout->setColumnStretch(0, 3);
    layout->setColumnStretch(1, 2);
}

void LivePage::showUpdate(const LiveSnapshot& snapshot)
{
    ++m_updates;
    if (!snapshot.frame.isNull())
        m_video->setFrame(snapshot.frame, snapshot.detections, snapshot.seededWeights);
    m_step->setText(snapshot.stepId);
    m_fps->setText(QStringLiteral("%1 FPS").arg(snapshot.fps, 0, 'f', 2));
    m_frames->setText(tr("frame %1 of %2 · last batch %3 ms · %4 detections")
                          .arg(snapshot.framesDone)
                          .arg(snapshot.framesTotal)
                          .arg(snapshot.batchLatencyMs, 0, 'f', 1)
                          .arg(snapshot.detections.size()));
    m_stages->setStages(snapshot.stagesMs);
}

void LivePage::setStatus(const QString& text)
{
    m_status->setText(text);
}

QString LivePage::fpsText() const
{
    return m_fps->text();
}

} // namespace es::app
