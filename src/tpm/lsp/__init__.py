"""`tpm lsp`: a language server over stdio (needs the `lsp` extra: pygls, lsprotocol).

Nothing here is imported by the core: `tpm lsp` imports `tpm.lsp.server` when it runs.
"""
