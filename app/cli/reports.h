// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lab.h"

#include <nlohmann/json.hpp>

#include <ostream>

namespace es::cli {

/// The lab result as the JSON object `edgescope-cli run --json` prints; `withDetections` adds every frame's boxes.
nlohmann::json labToJson(const engine::LabResult& lab, bool withDetections);

/// The machine's backends as `edgescope-cli devices --json` prints them.
nlohmann::json devicesToJson(const engine::DeviceReport& report);

/// The step table and what a reader must know, for a terminal.
void printLabTable(const engine::LabResult& lab, std::ostream& out);
void printDevices(const engine::DeviceReport& report, std::ostream& out);

} // namespace es::cli
