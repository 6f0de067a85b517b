#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "service/audit_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {

void add_audit_command(CLI::App& app, GlobalOptions& global) {
  auto* audit = app.add_subcommand("audit", "The hash-chained audit trail");
  audit->require_subcommand(1);
  audit->add_subcommand("verify", "Check every row of the chain; exit 4 on any break")
      ->callback([&global] {
        auto db = open_database(global);
        const auto result = service::AuditService(*db).verify();
        if (!result.ok) {
          throw core::Conflict("audit_broken", "audit log broken at row " +
                                                   std::to_string(*result.first_bad_id) + ": " +
                                                   result.problem);
        }
        std::cout << "audit log intact: " << result.rows_checked << " rows verified\n";
      });
}

}  // namespace risklab::cli
