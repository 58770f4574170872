// SPDX-License-Identifier: Apache-2.0
#include "colors.h"

#include "model/vocabulary.h"

#include <QHash>
#include <QScrollArea>
#include <QVBoxLayout>

namespace es::app {

QColor stageColor(const QString& name)
{
    if (name == QLatin1String(es::stage::kBufferToImageTensor))
        return QColor(0xE6, 0x9F, 0x00);
    if (name == QLatin1String(es::stage::kPreprocess))
        return QColor(0x56, 0xB4, 0xE9);
    if (name == QLatin1String(es::stage::kDetector))
        return QColor(0x00, 0x9E, 0x73);
    if (name == QLatin1String(es::stage::kPostprocess))
        return QColor(0xD5, 0x5E, 0x00);
    const uint hash = qHash(name);
    return QColor::fromHsl(int(200 + hash % 40), 40, int(150 + hash % 50));
}

QColor stepColor(int stepNumber)
{
    static const QColor palette[] = { QColor(0x99, 0x99, 0x99), QColor(0xE6, 0x9F, 0x00), QColor(0x56, 0xB4, 0xE9),
        QColor(0x00, 0x9E, 0x73), QColor(0x00, 0x72, 0xB2), QColor(0xCC, 0x79, 0xA7), QColor(0xD5, 0x5E, 0x00) };
    const int count = int(sizeof palette / sizeof palette[0]);
    return palette[((stepNumber % count) + count) % count];
}

QColor kernelColor()
{
    return QColor(0x00, 0x72, 0xB2);
}

QColor copyColor(const QString& direction, bool isMemset)
{
    if (isMemset)
        return QColor(0x60, 0x60, 0x60);
    if (direction == "HtoD")
        return QColor(0xCC, 0x79, 0xA7);
    if (direction == "DtoH")
        return QColor(0xF0, 0xE4, 0x42);
    return QColor(0x99, 0x99, 0x99);
}

QColor syncColor()
{
    return QColor(0xE4, 0x1A, 0x1C);
}

QColor hashedColor(const QString& name)
{
    const uint hash = qHash(name);
    return QColor::fromHsl(int(hash % 360), 110, 175);
}

void setScrollingContent(QWidget* page, QWidget* content)
{
    auto* scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    auto* outer = new QVBoxLayout(page);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
}

} // namespace es::app
