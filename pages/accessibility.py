"""アクセシビリティ方針: the target, what was tested, how, when and the results (each backed by a test)."""

from jichitai_metrics.ui import common, prose, statement

# One block of HTML (see ui/prose.py), the same for every visitor in a language (see ui/statement.py).
prose.draw(statement.statement_html(common.lang()))
