// SPDX-License-Identifier: Apache-2.0
// edgescope-cli: the command-line face of EdgeScope (see `edgescope-cli --help`).
#include "commands.h"

#include <csignal>
#include <iostream>

int main(int argc, char** argv)
{
    // A file size limit (ulimit -f) must fail the write, which the session reports and survives, rather than kill
    // the process in the middle of a run.
    std::signal(SIGXFSZ, SIG_IGN);
    return es::cli::runCli(argc, argv, std::cout, std::cerr);
}
