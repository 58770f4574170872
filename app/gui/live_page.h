// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lab_controller.h"

#include <QWidget>

class QLabel;

namespace es::app {

/// The video with its detection boxes and labels, scaled to fit, as the lab runs; a run on seeded weights gets a
/// banner across the top of the picture saying that its boxes are not real objects. GUI thread only.
class VideoWidget : public QWidget
{
    Q_OBJECT
public:
    explicit VideoWidget(QWidget* parent = nullptr);
    /// `seededWeights`: the run's weights are seeded, and the picture says so.
    void setFrame(const QImage& frame, const engine::FrameDetections& detections, bool seededWeights = false);
    bool hasFrame() const { return !m_frame.isNull(); }
    /// The banner drawn over the picture; empty when none is (no frame, or real weights).
    QString bannerText() const;
    /// Where the frame is drawn, in widget pixels (scaled to fit, centred); empty without a frame.
    QRect pictureRect() const;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage m_frame;
    engine::FrameDetections m_detections;
    bool m_seededWeights = false;
};

/// Stage times as horizontal bars in the stages' colours, with their ms per frame. GUI thread only.
class StageBars : public QWidget
{
    Q_OBJECT
public:
    explicit StageBars(QWidget* parent = nullptr);
    void setStages(const std::map<std::string, double>& stagesMs);
    QSize sizeHint() const override { return { 320, 120 }; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::map<std::string, double> m_stagesMs;
};

/// The Live page: the frame being processed with its boxes, the step, FPS so far, the frame count and the stage
/// times, updated after every batch the GUI has time to draw. A snapshot of a seeded run (LiveSnapshot::seededWeights)
/// is drawn with the seeded-weights banner over the picture. GUI thread only.
class LivePage : public QWidget
{
    Q_OBJECT
public:
    explicit LivePage(QWidget* parent = nullptr);
    void showUpdate(const LiveSnapshot& snapshot);
    void setStatus(const QString& text);
    /// Updates shown so far (tests).
    int updatesShown() const { return m_updates; }
    QString fpsText() const;
    VideoWidget* videoWidget() const { return m_video; }

private:
    VideoWidget* m_video;
    QLabel* m_step;
    QLabel* m_fps;
    QLabel* m_frames;
    QLabel* m_status;
    StageBars* m_stages;
    int m_updates = 0;
};

} // namespace es::app
