// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QColor>
#include <QString>

class QWidget;

namespace es::app {

// One colour per thing everywhere (timeline, charts, live page): the Okabe-Ito palette, safe for colour-blind
// readers. Pure functions; any thread.

/// The four stages: buffer_to_image_tensor orange, preprocess sky blue, detector bluish green, postprocess
/// vermillion; other range names a stable grey-blue shade from their name.
QColor stageColor(const QString& name);
/// Steps s0..s4 (and beyond) keep one colour each across the comparison charts.
QColor stepColor(int stepNumber);
/// GPU work: kernels blue, copies by direction (HtoD reddish purple, DtoH yellow, DtoD grey), memsets dark grey,
/// synchronizations red: they are the lesson of s0.
QColor kernelColor();
QColor copyColor(const QString& direction, bool isMemset);
QColor syncColor();
/// A stable pastel colour for any other name (operators, API calls).
QColor hashedColor(const QString& name);

/// Puts `content` into a scroll area that fills `page` (the long pages: Compare, Telemetry). GUI thread only.
void setScrollingContent(QWidget* page, QWidget* content);

} // namespace es::app
