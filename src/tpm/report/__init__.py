"""`tpm report`: the project's status page as data (data.py), rendered as Markdown
(markdown.py, with a Mermaid chart from gantt.py) or JSON. Every user string passes through
escape.py on its way into Markdown or Mermaid."""
