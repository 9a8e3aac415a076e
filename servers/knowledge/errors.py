"""The knowledge server's own failures; the tool layer maps each to one clear ``isError`` result.

    KnowledgeError
    ├── InvalidKnowledgeInput    the caller's input breaks a rule (size, k, empty text, duplicates)
    └── KnowledgeSetupError      the server cannot start as configured
        ├── EmbedderUnavailable      the selected embedder cannot load (extra not installed, bad files)
        └── VectorBackendUnavailable the vector store cannot be used (driver missing, URL unreachable)

Backend failures while serving (a database gone mid-run) use :mod:`servers.common.errors`.
"""

from __future__ import annotations

from servers.common.errors import ServerSetupError


class KnowledgeError(Exception):
    """Base of every error the knowledge server raises on purpose."""


class InvalidKnowledgeInput(KnowledgeError):
    """The request is well-typed but breaks a rule; nothing was changed."""


class KnowledgeSetupError(KnowledgeError, ServerSetupError):
    """The server cannot start with these settings; the message says what to change."""


class EmbedderUnavailable(KnowledgeSetupError):
    pass


class VectorBackendUnavailable(KnowledgeSetupError):
    pass
