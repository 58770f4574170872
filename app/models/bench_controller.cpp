// SPDX-License-Identifier: Apache-2.0
#include "bench_controller.h"

#include "gui_thread.h"

#include <exception>

namespace es::app {

BenchController::BenchController(QObject* parent) : QObject(parent) { }

BenchController::~BenchController() = default;

bool BenchController::start(engine::BenchOptions options)
{
    if (!m_worker.begin())
        return false;
    options.cancel = m_worker.cancelFlag();
    auto post = guiThreadPoster(this);
    options.progress = [post](const std::string& line) {
        post([text = QString::fromStdString(line)](BenchController* self) { emit self->progress(text); });
    };
    m_worker.launch([post, options = std::move(options)]() {
        bool ok = false, cancelled = false;
        QString message;
        try {
            auto result = engine::runBench(options);
            ok = result.isOk();
            if (!ok) {
                cancelled = result.status().code() == StatusCode::Cancelled;
                message = QString::fromStdString(result.status().message());
            } else {
                for (const std::string& note : result.value().notes)
                    post([text = QString::fromStdString("note: " + note)](
                             BenchController* self) { emit self->progress(text); });
            }
        } catch (const std::exception& error) {
            message = QString::fromStdString(std::string("the bench stopped on an unexpected error: ") + error.what());
        }
        post([ok, cancelled, message](BenchController* self) {
            self->m_worker.finished();
            emit self->finished(ok, cancelled, message);
        });
    });
    return true;
}

} // namespace es::app
