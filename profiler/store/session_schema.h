// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace es::prof {

/// The CREATE statements (and ENUM rows) of a new session file, version kSessionSchemaVersion.
const char* sessionSchemaSql();
/// The tables schema 2 added (GPU tracing); run on new sessions and when upgrading a schema 1 session.
const char* sessionGpuSchemaSql();

} // namespace es::prof
