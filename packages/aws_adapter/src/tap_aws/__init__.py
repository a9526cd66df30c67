"""tap's AWS adapters, Lambda functions, local stack and CLI."""

__all__: list[str] = []
