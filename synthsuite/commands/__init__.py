"""CLI commands of the pillars: each module's `register(commands)` adds its subcommands."""
