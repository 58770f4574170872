// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "edgescope/engine/lab.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLayout;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace es::app {

/// The Experiment panel: the input (a video file, a camera, a GStreamer pipeline or the synthetic scene), weights,
/// device, steps, batch, frames, warm-up and profile level, with Run, a progress bar that names the step and frame,
/// and Cancel. The Weights field is an editable list: empty (the fetched SSD300 file when the cache holds one, else
/// seeded), "seeded", the fetched SSD300 files by name, or a path typed or browsed; "Get real weights…" beside it
/// asks for the fetch dialog. Choices persist in QSettings. GUI thread only.
class ExperimentPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    /// The lab options the panel describes (without the session path and callbacks). weightsPath holds the Weights
    /// field as typed ("", "seeded", a fetched name or a path): resolveLabWeights() turns it into a file.
    engine::LabOptions options() const;
    /// Fills the panel, e.g. from the command line; an empty video keeps the current one.
    void setVideo(const QString& video);
    void setSynthetic(int width, int height);
    void setFrames(int frames, int warmup);
    /// Rounds each step is measured in (--repeat): frames and warm-up are per round.
    void setRepeat(int rounds);
    void setSteps(const std::vector<int>& steps);
    void setBatch(int batch);
    /// "auto", "cpu" or "cuda".
    void setDevice(const QString& device);
    /// A profile level: es::profile_level::kOff, kLight or kFull.
    void setProfile(const QString& profile);
    /// The Weights field: a path, a fetched name ("ssd300"), "seeded", or empty for the default.
    void setWeights(const QString& path);
    QString weightsText() const;
    /// The Weights field's list: "seeded" and the fetched SSD300 files by source name.
    QStringList weightsChoices() const;
    /// Reads the weights cache again (after a fetch) and updates the list, keeping what is typed.
    void refreshWeights();
    void setRunning(bool running);
    /// A progress line of the lab ("[s2-device-pre-post] frame 4/12").
    void showProgress(const QString& line);
    void saveSettings() const;
    QPushButton* runButton() const { return m_run; }
    QPushButton* cancelButton() const { return m_cancel; }
    QProgressBar* progressBar() const { return m_progress; }
    QPushButton* getWeightsButton() const { return m_getWeights; }

signals:
    void runRequested();
    void cancelRequested();
    /// "Get real weights…" was pressed: the window opens its fetch dialog.
    void getWeightsRequested();

private:
    /// The choices of the last session (QSettings), over the defaults.
    void loadSettings();
    /// The Weights row: the editable list, its browse button and "Get real weights…" under them.
    QLayout* createWeightsRow();

    QComboBox* m_video;
    QComboBox* m_weights;
    QPushButton* m_getWeights;
    QComboBox* m_device;
    std::vector<QCheckBox*> m_steps;
    QSpinBox* m_batch;
    QSpinBox* m_frames;
    QSpinBox* m_warmup;
    QSpinBox* m_repeat;
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
