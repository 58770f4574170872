// SPDX-License-Identifier: BSD-3-Clause
// The include path the CLI11 package installs (<CLI/CLI.hpp>), onto the released single header beside it.
#pragma once
#include "../CLI11.hpp"
