// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "edgescope/engine/lab.h"

#include <nlohmann/json.hpp>

namespace es::engine {

/// One step's results as the JSON of `edgescope-cli run --json` (and of ES_RUNS.result in the session).
nlohmann::json stepToJson(const StepResult& step, bool withDetections);

/// The lab result as the JSON object `edgescope-cli run --json` prints; `withDetections` adds every frame's boxes.
nlohmann::json labToJson(const LabResult& lab, bool withDetections);

/// The machine's backends as `edgescope-cli devices --json` prints them.
nlohmann::json devicesToJson(const DeviceReport& report);

/// {"state": "steady" | "disturbed", "reasons": [...]}
nlohmann::json verdictToJson(const prof::Verdict& verdict);

} // namespace es::engine
