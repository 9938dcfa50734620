"""``ServeConfig``: everything ``kg serve`` can be told; the defaults are the safe ones (kg/serve/http.py says which).

Examples
--------
>>> ServeConfig(out_dir=Path("kg-out")).base_url
'http://127.0.0.1:7878'
>>> ServeConfig(out_dir=Path("x"), max_rows=0)
Traceback (most recent call last):
...
ValueError: max_rows must be >= 1, got 0
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ServeConfig"]


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``kg serve`` can be told; the defaults are the safe ones."""

    out_dir: Path
    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    allow_update: bool = False
    cors_origins: tuple[str, ...] = ()
    allow_service: tuple[str, ...] = ()
    max_body: int = 1 << 20
    public_url: str | None = None
    in_memory: bool = True

    def __post_init__(self) -> None:
        if self.max_rows < 1:
            raise ValueError(f"max_rows must be >= 1, got {self.max_rows}")
        if self.timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {self.timeout}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {self.port}")

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
