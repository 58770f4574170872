// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "edgescope/engine/lab.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace es::app {

/// The Experiment panel: the input (a video file, a camera, a GStreamer pipeline or the synthetic scene), weights,
/// device, steps, batch, frames, warm-up and profile level, with Run, a progress bar that names the step and frame,
/// and Cancel. Choices persist in QSettings. GUI thread only.
class ExperimentPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    /// The lab options the panel describes (without the session path and callbacks).
    engine::LabOptions options() const;
    /// Fills the panel, e.g. from the command line; an empty video keeps the current one.
    void setVideo(const QString& video);
    void setSynthetic(int width, int height);
    void setFrames(int frames, int warmup);
    void setSteps(const std::vector<int>& steps);
    void setBatch(int batch);
    /// "auto", "cpu" or "cuda".
    void setDevice(const QString& device);
    /// A profile level: es::profile_level::kOff, kLight or kFull.
    void setProfile(const QString& profile);
    void setWeights(const QString& path);
    void setRunning(bool running);
    /// A progress line of the lab ("[s2-device-pre-post] frame 4/12").
    void showProgress(const QString& line);
    void saveSettings() const;
    QPushButton* runButton() const { return m_run; }
    QPushButton* cancelButton() const { return m_cancel; }
    QProgressBar* progressBar() const { return m_progress; }

signals:
    void runRequested();
    void cancelRequested();

private:
    /// The choices of the last session (QSettings), over the defaults.
    void loadSettings();

    QComboBox* m_video;
    QLineEdit* m_weights;
    QComboBox* m_device;
    std::vector<QCheckBox*> m_steps;
    QSpinBox* m_batch;
    QSpinBox* m_frames;
    QSpinBox* m_warmup;
    QComboBox* m_profile;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_progressText;
    int m_stepsDone = 0;
};

/// The bundled sample video: installed share/edgescope/sample_videos, or the source tree's.
QString sampleVideoPath();

} // namespace es::app
