"""Writers and exporters: a Graph (or linked extractions) -> files, stores, databases."""

__all__: list[str] = []
