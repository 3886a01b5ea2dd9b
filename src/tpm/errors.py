"""The one exception type that means "tpm could not do its job" (exit code 2).

Everything a user can get wrong outside a document (a bad option value, an unreadable
config, not being in a git repository) is raised as `UsageError` with a one-line message.
The CLI prints it and exits 2; nothing below the CLI prints or exits.
"""


class UsageError(Exception):
    """A problem with how tpm was invoked or configured; the message is shown as is."""
