"""clemency: amnesty and work-release eligibility pipeline; stages in docs/architecture.md."""
