"""The suite's harness: environments, clients over both transports, checks, reports."""
