// SPDX-License-Identifier: Apache-2.0
#pragma once

// For the weights-fetch tests: tests/data/http/serve.py run as a real HTTP server on 127.0.0.1 (any python3; it
// needs no torch), started by the test and stopped with it. Header-only; no engine header.
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace es::test_support {

/// The python3 that runs serve.py: Debian's /usr/bin/python3 where it is there, else python3 on PATH.
inline std::string pythonForServer()
{
    return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/// A port on 127.0.0.1 where nothing listens: bound, then closed (a connection there is refused).
inline int closedLocalPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

/// serve.py serving the files of `root` (modes ok/, cut/, norange/, stall/, wrong/, redirect/; see the script),
/// its request log in `root`/requests.log. The constructor waits up to 15 s for the port; the destructor stops it.
/// One test thread.
class LocalHttpServer
{
public:
    explicit LocalHttpServer(const std::string& root, const std::vector<std::string>& extra = {})
        : m_log(root + "/requests.log")
    {
        int pipeFds[2];
        if (::pipe(pipeFds) != 0) {
            m_error = "pipe failed";
            return;
        }
        std::vector<std::string> arguments = { pythonForServer(), ES_TEST_DATA_DIR "/http/serve.py", "--root", root,
            "--log", m_log, "--lifetime", "120" };
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(pipeFds[1], STDOUT_FILENO);
            ::close(pipeFds[0]);
            ::close(pipeFds[1]);
            std::vector<char*> argv;
            for (std::string& argument : arguments)
                argv.push_back(argument.data());
            argv.push_back(nullptr);
            ::execvp(argv[0], argv.data());
            _exit(127);
        }
        ::close(pipeFds[1]);
        readPort(pipeFds[0]);
        ::close(pipeFds[0]);
    }

    ~LocalHttpServer()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }

    LocalHttpServer(const LocalHttpServer&) = delete;
    LocalHttpServer& operator=(const LocalHttpServer&) = delete;

    bool ok() const { return m_port > 0; }
    const std::string& error() const { return m_error; }
    int port() const { return m_port; }
    std::string url(const std::string& mode, const std::string& name) const
    {
        return "http://127.0.0.1:" + std::to_string(m_port) + "/" + mode + "/" + name;
    }

    /// Every request so far, in order: {"path": ..., "range": ... or null}.
    std::vector<nlohmann::json> requests() const
    {
        std::vector<nlohmann::json> lines;
        std::ifstream log(m_log);
        for (std::string line; std::getline(log, line);)
            if (!line.empty())
                lines.push_back(nlohmann::json::parse(line));
        return lines;
    }

private:
    void readPort(int fd)
    {
        std::string line;
        char c = 0;
        pollfd wait { fd, POLLIN, 0 };
        while (line.size() < 16) {
            if (::poll(&wait, 1, 15000) <= 0) {
                m_error = "serve.py printed no port within 15 s";
                return;
            }
            if (::read(fd, &c, 1) != 1) {
                m_error = "serve.py ended before printing its port (" + pythonForServer() + " missing?)";
                return;
            }
            if (c == '\n')
                break;
            line += c;
        }
        m_port = std::atoi(line.c_str());
        if (m_port <= 0)
            m_error = "serve.py printed '" + line + "' instead of a port";
    }

    std::string m_log;
    std::string m_error;
    pid_t m_pid = -1;
    int m_port = 0;
};

} // namespace es::test_support
