// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <thread>
#include <utility>

namespace es::app {

/// One long job at a time on a thread of its own, for the GUI's controllers (the lab, the bench, a weights
/// download): begin() refuses a second job while one runs, joins the thread of the one before and clears the cancel
/// flag; launch() starts the job; the job's last message to the GUI thread calls finished(). The destructor asks the
/// job to stop (the flag the job polls) and waits for it. GUI thread only, but for the flag, which the job reads.
class WorkerThread
{
public:
    WorkerThread() = default;
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;
    ~WorkerThread()
    {
        m_cancel = true;
        if (m_thread.joinable())
            m_thread.join();
    }

    /// False while a job runs; else readies the next one (running, not cancelled).
    bool begin()
    {
        if (m_running)
            return false;
        if (m_thread.joinable())
            m_thread.join();
        m_running = true;
        m_cancel = false;
        return true;
    }
    template<typename Job> void launch(Job&& job) { m_thread = std::thread(std::forward<Job>(job)); }
    /// The job has delivered its result (called on the GUI thread).
    void finished() { m_running = false; }

    void cancel() { m_cancel = true; }
    bool isRunning() const { return m_running; }
    bool cancelRequested() const { return m_cancel.load(); }
    /// The flag the job polls (engine options' `cancel`).
    std::atomic<bool>* cancelFlag() { return &m_cancel; }

private:
    std::thread m_thread;
    std::atomic<bool> m_cancel { false };
    bool m_running = false;
};

} // namespace es::app
