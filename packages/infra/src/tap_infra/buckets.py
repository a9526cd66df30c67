"""The inventory bucket: private, encrypted, versioned, TLS only, EventBridge notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pulumi
import pulumi_aws as aws

from tap_infra import iam

if TYPE_CHECKING:
    from tap_aws.resources import BucketSpec

NONCURRENT_VERSION_DAYS: Final = 30
ABORT_MULTIPART_DAYS: Final = 1


@dataclass(frozen=True, kw_only=True)
class SecureBucketArgs:
    spec: BucketSpec
    suffix: str
    report_retention_days: int

    def __post_init__(self) -> None:
        if self.report_retention_days < 1:
            raise ValueError(
                f"report_retention_days must be at least 1, got {self.report_retention_days}"
            )


class SecureBucket(pulumi.ComponentResource):
    """A bucket no one can make public, that sends its object events to EventBridge."""

    bucket: aws.s3.Bucket

    def __init__(
        self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:buckets:SecureBucket", name, None, opts)
        self.bucket = aws.s3.Bucket(
            f"{name}", bucket=args.spec.name(args.suffix), opts=pulumi.ResourceOptions(parent=self)
        )
        block = self._create_lockdown(name)
        self._create_lifecycle(name, args)
        aws.s3.BucketNotification(
            f"{name}-notifications",
            bucket=self.bucket.id,
            eventbridge=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._create_policy(name, block)
        self.register_outputs({"bucket_name": self.bucket.bucket, "bucket_arn": self.bucket.arn})

    def _create_lockdown(self, name: str) -> aws.s3.BucketPublicAccessBlock:
        """No public access, no ACLs, KMS encryption, versioning; returns the access block."""
        child = pulumi.ResourceOptions(parent=self)
        bucket_id = self.bucket.id
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"},
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        return block

    def _create_lifecycle(self, name: str, args: SecureBucketArgs) -> None:
        """Reports expire; old versions and abandoned multipart uploads are cleaned up."""
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "reports",
                    "status": "Enabled",
                    "filter": {"prefix": args.spec.reports_prefix},
                    "expiration": {"days": args.report_retention_days},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
                },
                {
                    "id": "noncurrent-and-incomplete",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
                    "abort_incomplete_multipart_upload": {
                        "days_after_initiation": ABORT_MULTIPART_DAYS
                    },
                },
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_policy(self, name: str, block: aws.s3.BucketPublicAccessBlock) -> None:
        """TLS only."""
        arn = self.bucket.arn
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=iam.document(
                iam.deny_insecure_transport("s3:*", [arn, pulumi.Output.concat(arn, "/*")])
            ),
            # S3 rejects a policy PUT racing the public-access block on a new bucket.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
