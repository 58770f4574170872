// SPDX-License-Identifier: Apache-2.0
// edgescope-cli: the command-line face of EdgeScope (see `edgescope-cli --help`).
#include "commands.h"

#include <iostream>

int main(int argc, char** argv)
{
    return es::cli::runCli(argc, argv, std::cout, std::cerr);
}
