// SPDX-License-Identifier: Apache-2.0
#include "lesson_page.h"

#include "edgescope/engine/steps.h"
#include "item_models.h"
#include "session_document.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QListWidget>
#include <QTextBrowser>

namespace es::app {

QString resourcesFolder()
{
    const QString fromEnvironment = qEnvironmentVariable("EDGESCOPE_RESOURCES");
    if (!fromEnvironment.isEmpty() && QDir(fromEnvironment).exists())
        return fromEnvironment;
    const QString installed = QCoreApplication::applicationDirPath() + "/../share/edgescope";
    if (QDir(installed + "/lessons").exists())
        return QDir(installed).canonicalPath();
    return QStringLiteral(ES_SOURCE_RESOURCES_DIR);
}

QString lessonsFolder()
{
    return resourcesFolder() + "/lessons";
}

LessonPage::LessonPage(SessionDocument* document, QWidget* parent)
    : QWidget(parent), m_document(document), m_steps(new QListWidget), m_text(new QTextBrowser)
{
    for (const engine::StepInfo& step : engine::allSteps()) {
        auto* item = new QListWidgetItem(QStringLiteral("%1  %2").arg(step.id, step.title));
        item->setData(Qt::UserRole, QString::fromLatin1(step.id));
        m_steps->addItem(item);
    }
    m_steps->setMaximumWidth(280);
    m_text->setOpenExternalLinks(false);
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(m_steps);
    layout->addWidget(m_text, 1);
    connect(m_steps, &QListWidget::currentRowChanged, this, &LessonPage::render);
    connect(m_document, &SessionDocument::loaded, this, &LessonPage::render);
    m_steps->setCurrentRow(0);
}

void LessonPage::showStep(const QString& stepId)
{
    for (int row = 0; row < m_steps->count(); ++row) {
        if (m_steps->item(row)->data(Qt::UserRole).toString() == stepId)
            m_steps->setCurrentRow(row);
    }
}

void LessonPage::render()
{
    const QListWidgetItem* item = m_steps->currentItem();
    if (!item)
        return;
    const QString stepId = item->data(Qt::UserRole).toString();
    const QString path = lessonsFolder() + "/" + stepId + ".md";
    QFile file(path);
    QString text;
    if (file.open(QIODevice::ReadOnly))
        text = QString::fromUtf8(file.readAll());
    else
        text = tr("# %1\n\nThe lesson file %2 could not be read (%3). Reinstall EdgeScope or set "
                  "EDGESCOPE_RESOURCES to the folder that holds lessons/.")
                   .arg(stepId, path, file.errorString());
    text += tr("\n\n## Measured on this machine\n\n");
    const auto snapshot = m_document->snapshot();
    bool found = false;
    if (snapshot && snapshot->analysis) {
        const auto& analysis = *snapshot->analysis;
        for (size_t i = 0; i < analysis.runs.size(); ++i) {
            const prof::RunMetrics& metrics = analysis.runs[i].metrics;
            if (QString::fromStdString(metrics.step) != stepId)
                continue;
            found = true;
            text += tr("- Run #%1 on %2 (%3, batch %4, %5): **%6 FPS**, %7 ms per frame")
                        .arg(metrics.runId)
                        .arg(QString::fromStdString(metrics.deviceName.empty() ? metrics.device : metrics.deviceName))
                        .arg(QString::fromStdString(metrics.precision))
                        .arg(metrics.batch)
                        .arg(QString::fromStdString(metrics.session))
                        .arg(metrics.fps, 0, 'f', 2)
                        .arg(metrics.frameMs, 0, 'f', 1);
            if (i > 0) {
                const prof::Comparison& step = analysis.steps[i - 1];
                text += tr(", %1 against %2 before it")
                            .arg(relativeChange(step.base.metrics.fps, metrics.fps))
                            .arg(QString::fromStdString(step.base.metrics.step));
                for (const prof::Finding& gone : step.disappeared)
                    text += tr("\n  - gone: %1").arg(QString::fromStdString(gone.title));
                for (const prof::Finding& appeared : step.appeared)
                    text += tr("\n  - appeared: %1").arg(QString::fromStdString(appeared.title));
            }
            for (const auto& [stage, ms] : metrics.stageMs)
                text += tr("\n  - %1: %2 ms per frame").arg(QString::fromStdString(stage)).arg(ms, 0, 'f', 2);
            for (const prof::Finding& finding : analysis.runs[i].findings)
                text += tr("\n  - finding: %1 (%2)")
                            .arg(QString::fromStdString(finding.title), QString::fromStdString(finding.evidence));
            text += "\n";
        }
    }
    if (!found)
        text += tr("This step has not run in the open session yet: run it from the Experiment panel.\n");
    m_markdown = text;
    m_text->setMarkdown(text);
}

} // namespace es::app
