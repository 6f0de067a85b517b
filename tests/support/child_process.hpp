#pragma once

// Ports and child processes of the test servers started by tests (Azurite, MariaDB).
#include <sys/types.h>

#include <chrono>
#include <string>

namespace risklab::test {

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// True if something accepts TCP connections on 127.0.0.1:port.
bool port_answers(int port);

/// Waits until the child `pid` accepts connections on `port`. If it exits first or `timeout`
/// passes, sets `pid` to -1 and throws std::runtime_error naming `what` and its `log`.
void wait_until_listening(pid_t& pid, int port, std::chrono::seconds timeout,
                          const std::string& what, const std::string& log);

/// SIGTERM to the child `pid` (SIGKILL after `grace`), reaps it, sets `pid` to -1 and waits
/// until `port` refuses connections. Nothing to do if `pid` <= 0.
void stop_child(pid_t& pid, int port, std::chrono::seconds grace);

}  // namespace risklab::test
