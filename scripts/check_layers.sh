#!/usr/bin/env bash
# Fails if an #include points the wrong way (../shared/STYLE.md section 1):
# cli -> web -> service -> {ml, store, lake} -> core; ml, store and lake never include each other.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
check() { # module, forbidden include pattern, what is forbidden
  [[ -d src/$1 ]] || return 0
  local hits
  hits=$(grep -rnE "#include [<\"]($2)" "src/$1" || true)
  if [[ -n $hits ]]; then
    echo "check_layers: src/$1 must not include $3:"; echo "$hits"; status=1
  fi
}
check core "(ml|store|lake|service|web|cli)/|soci|httplib|CLI/" "other modules, SOCI, httplib or CLI11"
check ml "(store|lake|service|web|cli)/|soci|httplib|CLI/" "store, lake or anything above"
check store "(ml|lake|service|web|cli)/|httplib|CLI/" "ml, lake or anything above"
check lake "(ml|store|service|web|cli)/|soci|httplib|CLI/" "ml, store or anything above"
check service "(web|cli)/|httplib|soci/|CLI/" "web, cli, httplib, SOCI or CLI11"
check web "cli/|soci/|CLI/" "cli, SOCI or CLI11"
# Public store headers never include SOCI (only store/detail/ may).
hits=$(grep -lE "#include <soci" src/store/*.hpp 2>/dev/null || true)
[[ -z $hits ]] || { echo "check_layers: public store headers include SOCI: $hits"; status=1; }
[[ $status == 0 ]] && echo "check_layers: ok"
exit $status
