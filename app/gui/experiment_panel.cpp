// SPDX-License-Identifier: Apache-2.0
#include "experiment_panel.h"

#include "edgescope/engine/steps.h"
#include "edgescope/engine/weights_cache.h"
#include "lab_controller.h"
#include "lesson_page.h"
#include "model/vocabulary.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace es::app {

namespace {
const QString kSynthetic = QStringLiteral("synthetic 640x480");
constexpr int kDefaultFramesPerRound = 4;
constexpr int kDefaultWarmup = 1;
constexpr int kDefaultRounds = 3;
const QString kSeeded = QStringLiteral("seeded");
} // namespace

QString sampleVideoPath()
{
    for (const QString& folder : { resourcesFolder() + "/../sample_videos", resourcesFolder() + "/sample_videos",
             QStringLiteral(ES_SOURCE_RESOURCES_DIR "/../sample_videos") }) {
        const QDir dir(folder);
        for (const QString& name : dir.entryList({ "*.mp4", "*.y4m", "*.avi", "*.mkv" }, QDir::Files, QDir::Name))
            return QDir::cleanPath(dir.absoluteFilePath(name));
    }
    return {};
}

ExperimentPanel::ExperimentPanel(QWidget* parent)
    : QWidget(parent)
    , m_video(new QComboBox)
    , m_weights(new QComboBox)
    , m_getWeights(new QPushButton(tr("&Get real weights…")))
    , m_device(new QComboBox)
    , m_batch(new QSpinBox)
    , m_frames(new QSpinBox)
    , m_warmup(new QSpinBox)
    , m_repeat(new QSpinBox)
    , m_profile(new QComboBox)
    , m_run(new QPushButton(tr("&Run all steps")))
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_progress(new QProgressBar)
    , m_progressText(new QLabel)
{
    m_video->setEditable(true);
    const QString sample = sampleVideoPath();
    if (!sample.isEmpty())
        m_video->addItem(sample);
    m_video->addItem(kSynthetic);
    m_video->addItem(QStringLiteral("/dev/video0"));
    m_video->setToolTip(tr("A video file, a camera (/dev/video0 or 0), a GStreamer pipeline (with '!'), or "
                           "'synthetic WxH'"));
    m_video->setMinimumContentsLength(18);
    m_video->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    auto* browseVideo = new QPushButton(tr("…"));
    browseVideo->setToolTip(tr("Choose a video file"));
    auto* videoRow = new QHBoxLayout;
    videoRow->addWidget(m_video, 1);
    videoRow->addWidget(browseVideo);
    QLayout* weightsRow = createWeightsRow();
    m_device->addItems({ "auto", "cpu", "cuda" });
    auto* stepsBox = new QVBoxLayout;
    for (const engine::StepInfo& step : engine::allSteps()) {
        auto* box = new QCheckBox(QStringLiteral("%1  %2").arg(step.id, step.title));
        box->setToolTip(QString::fromLatin1(step.change));
        box->setChecked(true);
        m_steps.push_back(box);
        stepsBox->addWidget(box);
    }
    m_batch->setRange(1, 256);
    m_batch->setValue(4);
    // 3 rounds of 4 frames: the 12 measured frames of a run before rounds existed, now with an interval and a
    // verdict (docs/measurement.md); each round warms up again after the other steps ran.
    m_frames->setRange(1, 1'000'000);
    m_frames->setValue(kDefaultFramesPerRound);
    m_warmup->setRange(0, 10'000);
    m_warmup->setValue(kDefaultWarmup);
    m_repeat->setRange(1, 1000);
    m_repeat->setValue(kDefaultRounds);
    m_repeat->setToolTip(tr("Each step is measured in this many rounds, interleaved with the other steps (order "
                            "rotated each round), so that a drift touches every step alike; FPS is the median of "
                            "the batches with its 95% interval"));
    m_profile->addItems({ QString::fromLatin1(es::profile_level::kLight), QString::fromLatin1(es::profile_level::kFull),
        QString::fromLatin1(es::profile_level::kOff) });
    m_profile->setToolTip(tr("light: NVTX ranges and samplers; full: also LibTorch operators (on one measured batch "
                             "in %1) and the GPU trace (CUPTI); off: FPS only")
                              .arg(engine::LabOptions::kDefaultOperatorStride));
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progressText->setWordWrap(true);

    // The Frames, Batch... of failure messages: experimentFieldLabel() (lab_controller.cpp) names these rows.
    auto* form = new QFormLayout;
    form->addRow(tr("&Video:"), videoRow);
    form->addRow(tr("&Weights:"), weightsRow);
    form->addRow(tr("&Device:"), m_device);
    form->addRow(tr("Steps:"), stepsBox);
    form->addRow(tr("&Batch (s3, s4):"), m_batch);
    form->addRow(tr("&Frames per round:"), m_frames);
    form->addRow(tr("W&arm-up frames:"), m_warmup);
    form->addRow(tr("R&ounds (repeat):"), m_repeat);
    form->addRow(tr("&Profile:"), m_profile);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run, 1);
    buttons->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_progressText);
    layout->addStretch(1);

    connect(m_run, &QPushButton::clicked, this, &ExperimentPanel::runRequested);
    connect(m_cancel, &QPushButton::clicked, this, &ExperimentPanel::cancelRequested);
    connect(browseVideo, &QPushButton::clicked, this, [this] {
        const QString path
            = QFileDialog::getOpenFileName(this, tr("Choose a video"), QFileInfo(m_video->currentText()).absolutePath(),
                tr("Videos (*.mp4 *.avi *.mkv *.mov *.webm *.y4m);;All files (*)"));
        if (!path.isEmpty())
            setVideo(path);
    });

    refreshWeights();
    loadSettings();
}

QLayout* ExperimentPanel::createWeightsRow()
{
    m_weights->setEditable(true);
    m_weights->setInsertPolicy(QComboBox::NoInsert);
    m_weights->setMinimumContentsLength(18);
    m_weights->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_weights->setToolTip(tr("Empty: the fetched SSD300 file when the cache holds one, else seeded; 'seeded'; a "
                             "fetched name (ssd300); or a file (torch.save, TorchScript)"));
    auto* browseWeights = new QPushButton(tr("…"));
    browseWeights->setToolTip(tr("Choose a weights file"));
    m_getWeights->setToolTip(tr("Download the published SSD300 checkpoint (and the bench models' weights) into "
                                "the cache: Lab > Get Real Weights…"));
    auto* weightsField = new QHBoxLayout;
    weightsField->addWidget(m_weights, 1);
    weightsField->addWidget(browseWeights);
    auto* weightsRow = new QVBoxLayout;
    weightsRow->addLayout(weightsField);
    weightsRow->addWidget(m_getWeights, 0, Qt::AlignLeft);
    connect(browseWeights, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Choose SSD300 weights"),
            QString::fromStdString(engine::weightsCacheDir()),
            tr("PyTorch and LibTorch weights (*.pt *.pth *.pth.tar *.zip);;All files (*)"));
        if (!path.isEmpty())
            setWeights(path);
    });
    connect(m_getWeights, &QPushButton::clicked, this, &ExperimentPanel::getWeightsRequested);
    return weightsRow;
}

void ExperimentPanel::loadSettings()
{
    QSettings settings;
    settings.beginGroup("experiment");
    if (settings.contains("video") && !settings.value("video").toString().isEmpty())
        setVideo(settings.value("video").toString());
    setWeights(settings.value("weights", QString()).toString());
    m_device->setCurrentText(settings.value("device", "auto").toString());
    m_batch->setValue(settings.value("batch", 4).toInt());
    m_frames->setValue(settings.value("frames_per_round", kDefaultFramesPerRound).toInt());
    m_warmup->setValue(settings.value("warmup_per_round", kDefaultWarmup).toInt());
    m_repeat->setValue(settings.value("repeat", kDefaultRounds).toInt());
    m_profile->setCurrentText(settings.value("profile", QString::fromLatin1(es::profile_level::kLight)).toString());
    settings.endGroup();
}

void ExperimentPanel::saveSettings() const
{
    QSettings settings;
    settings.beginGroup("experiment");
    settings.setValue("video", m_video->currentText());
    settings.setValue("weights", weightsText());
    settings.setValue("device", m_device->currentText());
    settings.setValue("batch", m_batch->value());
    settings.setValue("frames_per_round", m_frames->value());
    settings.setValue("warmup_per_round", m_warmup->value());
    settings.setValue("repeat", m_repeat->value());
    settings.setValue("profile", m_profile->currentText());
    settings.endGroup();
}

engine::LabOptions ExperimentPanel::options() const
{
    engine::LabOptions options;
    const QString video = m_video->currentText().trimmed();
    static const QRegularExpression synthetic(QStringLiteral("^synthetic\\s*(\\d+)x(\\d+)$"));
    const auto match = synthetic.match(video);
    if (match.hasMatch()) {
        options.synthetic = true;
        options.syntheticWidth = match.captured(1).toInt();
        options.syntheticHeight = match.captured(2).toInt();
    } else {
        options.video = video.toStdString();
    }
    options.weightsPath = weightsText().toStdString();
    options.device = m_device->currentText().toStdString();
    options.steps.clear();
    for (size_t i = 0; i < m_steps.size(); ++i) {
        if (m_steps[i]->isChecked())
            options.steps.push_back(int(i));
    }
    options.batch = m_batch->value();
    options.frames = m_frames->value();
    options.warmup = m_warmup->value();
    options.repeat = m_repeat->value();
    options.profile = m_profile->currentText().toStdString();
    return options;
}

void ExperimentPanel::setVideo(const QString& video)
{
    if (video.isEmpty())
        return;
    if (m_video->findText(video) < 0)
        m_video->insertItem(0, video);
    m_video->setCurrentText(video);
}

void ExperimentPanel::setSynthetic(int width, int height)
{
    setVideo(QStringLiteral("synthetic %1x%2").arg(width).arg(height));
}

void ExperimentPanel::setFrames(int frames, int warmup)
{
    m_frames->setValue(frames);
    m_warmup->setValue(warmup);
}

void ExperimentPanel::setRepeat(int rounds)
{
    m_repeat->setValue(rounds);
}

void ExperimentPanel::setSteps(const std::vector<int>& steps)
{
    for (size_t i = 0; i < m_steps.size(); ++i)
        m_steps[i]->setChecked(std::find(steps.begin(), steps.end(), int(i)) != steps.end());
}

void ExperimentPanel::setBatch(int batch)
{
    m_batch->setValue(batch);
}

void ExperimentPanel::setDevice(const QString& device)
{
    m_device->setCurrentText(device);
}

void ExperimentPanel::setProfile(const QString& profile)
{
    m_profile->setCurrentText(profile);
}

void ExperimentPanel::setWeights(const QString& path)
{
    m_weights->setEditText(path);
}

QString ExperimentPanel::weightsText() const
{
    return m_weights->currentText().trimmed();
}

QStringList ExperimentPanel::weightsChoices() const
{
    QStringList choices;
    for (int i = 0; i < m_weights->count(); ++i)
        choices << m_weights->itemText(i);
    return choices;
}

void ExperimentPanel::refreshWeights()
{
    const QString typed = m_weights->currentText();
    m_weights->clear();
    m_weights->addItem(kSeeded);
    m_weights->setItemData(0,
        tr("Seeded weights (NVIDIA's initialization from the seed): real timings, boxes that "
           "are not real objects"),
        Qt::ToolTipRole);
    for (const engine::WeightsSource& source : engine::weightsSources()) {
        if (source.model != kLabWeightsSource)
            continue; // the lab runs SSD300; the bench models' files are for `edgescope-cli bench`
        if (const auto file = engine::cachedWeights(source.name)) {
            m_weights->addItem(QString::fromStdString(source.name), QString::fromStdString(*file));
            m_weights->setItemData(m_weights->count() - 1,
                tr("%1 (%2), fetched: %3")
                    .arg(QString::fromStdString(source.name), QString::fromStdString(source.publisher),
                        QString::fromStdString(*file)),
                Qt::ToolTipRole);
        }
    }
    m_weights->lineEdit()->setPlaceholderText(engine::cachedWeights(kLabWeightsSource)
            ? tr("default: the fetched %1").arg(QString::fromLatin1(kLabWeightsSource))
            : tr("default: seeded (nothing fetched)"));
    m_weights->setEditText(typed);
}

void ExperimentPanel::setRunning(bool running)
{
    m_run->setEnabled(!running);
    m_cancel->setEnabled(running);
    if (running) {
        m_stepsDone = 0;
        m_progress->setValue(0);
    }
}

void ExperimentPanel::showProgress(const QString& line)
{
    m_progressText->setText(line);
    // "[s2-device-pre-post] frame 4/12": the share of all chosen steps done so far.
    static const QRegularExpression framePattern(QStringLiteral("^\\[(s\\d)[^\\]]*\\] frame (\\d+)/(\\d+)"));
    const auto match = framePattern.match(line);
    if (!match.hasMatch())
        return;
    const std::vector<int> steps = options().steps;
    const int step = match.captured(1).mid(1).toInt();
    const int position = int(std::find(steps.begin(), steps.end(), step) - steps.begin());
    const double within = match.captured(2).toDouble() / std::max(1.0, match.captured(3).toDouble());
    m_progress->setValue(int(100.0 * (position + within) / std::max<size_t>(1, steps.size())));
    m_progress->setFormat(
        QStringLiteral("%1 · frame %2/%3").arg(match.captured(1), match.captured(2), match.captured(3)));
}

} // namespace es::app
