"""The lake: where files live, their schemas, the one atomic writer, the audit trail."""
