"""Plan sources: task plans in the shapes the world writes them, read into workstreams.

One module per shape (`speckit`, `taskmaster`, `ccpm`, `agent_sections`, `headings`,
`labels`, `checklist`, `work_packages`, `structured`), each with the same two faces: `score`
(how well it explains a document) and `read` (its tasks and their declared concurrency).
`choose` takes the best score and says why; `load` turns the plan into workstreams.
"""

from analyzer.sources.plan.load import load_plan, load_plans

__all__ = ["load_plan", "load_plans"]
