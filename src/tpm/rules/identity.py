"""Rules about document identity across the project."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding
from tpm.model import Project
from tpm.rules.registry import Context, rule


@rule("duplicate-id", "TPM006", "error", scope="project")
def duplicate_id(project: Project, ctx: Context) -> Iterator[Finding]:
    """Two or more documents share an id.

    Ids are unique across the whole project, whatever the type, because references
    (`depends_on`, `risks`, `milestone`, each type's `references`) name ids alone. An id
    is the value of the type's `id_field` (`id` unless declared otherwise), an integer
    read as its decimal text (`eip: 1559` is id 1559, the same id as `eip: "1559"`), or
    else derived from the file name. Each copy is reported, at its id field's line
    (line 1 when the id was derived from the file name), naming the other paths. Two
    people creating R-7 on two branches is the usual cause: renumber one of them.
    """
    for document_id, documents in sorted(project.by_id.items()):
        if len(documents) < 2:
            continue
        for document in documents:
            assert document.type is not None  # only a typed document gets an id (model._assign_id)
            others = ", ".join(d.path for d in documents if d is not document)
            line, column = document.key_line(project.config.types[document.type].id_field)
            yield Finding(document.path, line, column, f"id {document_id} is also used by {others}")
