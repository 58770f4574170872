// SPDX-License-Identifier: Apache-2.0
#pragma once
// Hands work from a worker thread to the GUI thread, for objects that may be gone by the time it runs.
#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>

#include <utility>

namespace es::app {

/// A callable for worker threads: post(f) runs f(object) later on the GUI thread (queued), and not at all once
/// `object` has been destroyed. Any thread may call the poster; `object` lives on the GUI thread.
template<typename Object> auto guiThreadPoster(Object* object)
{
    QPointer<Object> guard(object);
    return [guard](auto function) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, function = std::move(function)]() mutable {
                if (guard)
                    function(guard.data());
            },
            Qt::QueuedConnection);
    };
}

} // namespace es::app
