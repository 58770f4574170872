// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

class QListWidget;
class QTextBrowser;

namespace es::app {

class SessionDocument;

/// The Lesson view: for each step, the teacher's text (what it changes, what to look for in the timeline, which
/// findings it should remove), read from Markdown files a teacher can edit (resources/lessons/<step>.md), followed by
/// what was measured on this machine in the open session. GUI thread only.
class LessonPage : public QWidget
{
    Q_OBJECT
public:
    explicit LessonPage(SessionDocument* document, QWidget* parent = nullptr);
    void showStep(const QString& stepId);
    /// The Markdown currently shown (tests).
    QString markdown() const { return m_markdown; }

private:
    void render();

    SessionDocument* m_document;
    QListWidget* m_steps;
    QTextBrowser* m_text;
    QString m_markdown;
};

/// The folder of the lessons: $EDGESCOPE_RESOURCES/lessons, the installed share/edgescope/lessons beside the
/// executable, or the source tree's resources/lessons.
QString lessonsFolder();
/// The installed or source resources folder (lessons, icon, desktop file).
QString resourcesFolder();

} // namespace es::app
