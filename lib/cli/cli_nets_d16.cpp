// The `ember` tool's networks with inputs padded to 16 (cli_nets.hpp).
#include "cli_nets.hpp"

EMBER_CLI_INSTANTIATE(16)
