"""The JWT signing key in AWS Secrets Manager (deployed stages; local runs keep a fixed key).

Rotation is "put a new secret value": Secrets Manager moves the AWSCURRENT label to it and AWSPREVIOUS to
the old one. New tokens are signed with AWSCURRENT; tokens carrying either key verify, so sessions survive
one rotation and end (as invalid) at the second. Values are fetched on first use, never at import, and
cached per container: at most one fetch per `max_age` seconds in normal traffic, plus one per
`min_refresh` seconds when a token matches no cached key (a container that started after the rotation
signs with a key this one has not seen yet).
"""
from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any, Callable, Optional

CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"


@lru_cache(maxsize=4)
def _secrets_client(region: str) -> Any:
    """One client per region and process: creating one costs more than most requests."""
    import boto3  # heavy; only the first token operation of a container pays for it
    return boto3.client("secretsmanager", region_name=region)


class SecretsManagerKeys:
    def __init__(self, secret_id: str, region: str, max_age: float = 300.0, min_refresh: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._secret_id = secret_id
        self._region = region
        self._max_age = max_age
        self._min_refresh = min_refresh
        self._clock = clock
        self._keys: tuple[str, ...] = ()
        self._fetched_at: Optional[float] = None
        self._lock = threading.Lock()

    def current(self) -> str:
        return self.accepted()[0]

    def accepted(self) -> tuple[str, ...]:
        with self._lock:
            if self._fetched_at is None or self._clock() - self._fetched_at >= self._max_age:
                self._fetch()
            return self._keys

    def refresh(self) -> bool:
        with self._lock:
            if self._fetched_at is not None and self._clock() - self._fetched_at < self._min_refresh:
                return False
            before = self._keys
            self._fetch()
            return self._keys != before

    def _fetch(self) -> None:
        current = self._value(CURRENT)
        if current is None:
            raise RuntimeError(f"the signing key secret {self._secret_id} has no {CURRENT} value")
        previous = self._value(PREVIOUS)
        self._keys = (current,) if previous in (None, current) else (current, previous)
        self._fetched_at = self._clock()

    def _value(self, stage: str) -> Optional[str]:
        client = _secrets_client(self._region)
        try:
            return client.get_secret_value(SecretId=self._secret_id, VersionStage=stage)["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            return None  # no AWSPREVIOUS before the first rotation
