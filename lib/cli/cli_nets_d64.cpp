// The `ember` tool's networks with inputs padded to 64 (cli_nets.hpp).
#include "cli_nets.hpp"

EMBER_CLI_INSTANTIATE(64)
