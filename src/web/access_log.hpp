#pragma once

#include <spdlog/logger.h>

namespace risklab::web {

/// The access log: one line per answered request (request id, method, route, status, time,
/// actor, remote address), written by the router. Until install_access_log() it is the
/// default logger.
spdlog::logger& access_log();

/// Makes the access log its own logger ("access"), writing to stderr like the others. When
/// stderr is not a terminal, stderr becomes block-buffered and the access lines are not
/// flushed one by one: the buffer is written when full, every second, by any other log line
/// (the default logger flushes each of its lines, so the order of all lines is kept) and at
/// exit. Call once, before serving.
void install_access_log();

}  // namespace risklab::web
