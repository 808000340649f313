"""The public information page with the chat widget (issue 4), served by `make run`."""
