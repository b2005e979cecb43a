import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The settings of the repository the pipeline creates. */
export interface PipelineRepositoryOptions {
  readonly repositoryEncryption?: ecr.RepositoryEncryption;
  readonly repositoryEncryptionKey?: kms.IKey;
  readonly imageRetentionCount?: number;
}

/**
 * The image repository: scan on push, immutable tags, untagged images expire after 14 days and
 * the last `imageRetentionCount` (30) images are kept. Created in `scope` as 'Repository'.
 */
export function createRepository(scope: Construct, props: PipelineRepositoryOptions, removalPolicy: RemovalPolicy): ecr.Repository {
  return new ecr.Repository(scope, 'Repository', {
    imageScanOnPush: true,
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    encryption: props.repositoryEncryption ?? (props.repositoryEncryptionKey ? ecr.RepositoryEncryption.KMS : ecr.RepositoryEncryption.AES_256),
    encryptionKey: props.repositoryEncryptionKey,
    removalPolicy,
    // With RemovalPolicy.DESTROY the repository's images go with it (otherwise deletion fails).
    emptyOnDelete: removalPolicy === RemovalPolicy.DESTROY ? true : undefined,
    lifecycleRules: [
      { rulePriority: 1, description: 'Expire untagged images after 14 days', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(14) },
      { rulePriority: 2, description: `Keep the last ${props.imageRetentionCount ?? 30} images`, tagStatus: ecr.TagStatus.ANY, maxImageCount: props.imageRetentionCount ?? 30 },
    ],
  });
}
