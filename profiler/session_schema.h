// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace es::prof {

/// The CREATE statements (and ENUM rows) of a new session file, version kSessionSchemaVersion.
const char* sessionSchemaSql();

} // namespace es::prof
