"""Attachment bytes in S3. The client is made on first use, never at import."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from ..core.errors import NotFound
from ..core.ports import NewBlob

DELETE_BATCH = 1000


@lru_cache(maxsize=4)
def _s3_client(region: str) -> Any:
    """One client per region and process: creating one costs more than most requests."""
    import boto3  # heavy; only requests that touch bytes pay for it
    return boto3.client("s3", region_name=region)


class S3BlobStore:
    def __init__(self, bucket: str, region: str) -> None:
        self._bucket = bucket
        self._region = region
        self._client: Optional[Any] = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _s3_client(self._region)
        return self._client

    def put(self, blob: NewBlob) -> None:
        self.client.put_object(Bucket=self._bucket, Key=blob.key, Body=blob.data, ContentType=blob.content_type)

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise NotFound("Store", key) from None

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            chunk = keys[start:start + DELETE_BATCH]
            self.client.delete_objects(Bucket=self._bucket,
                                       Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})

    def ensure_bucket(self) -> None:
        existing = {b["Name"] for b in self.client.list_buckets().get("Buckets", [])}
        if self._bucket not in existing:
            if self._region == "us-east-1":
                self.client.create_bucket(Bucket=self._bucket)
            else:
                self.client.create_bucket(Bucket=self._bucket,
                                          CreateBucketConfiguration={"LocationConstraint": self._region})
