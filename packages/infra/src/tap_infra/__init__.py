"""tap's Pulumi components and program (filled in by the infra issue)."""

__all__: list[str] = []
