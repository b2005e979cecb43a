import { Duration, PhysicalName, RemovalPolicy } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards, BUCKET_AND_KEY_GRANTS } from '../private/nag';

/**
 * The pipeline's artifact store: an encrypted (the pipeline's key), versioned bucket that enforces
 * TLS and blocks public access, old versions expiring after 30 days. Created in `scope` as
 * `ArtifactBucket`.
 */
export function createArtifactBucket(scope: Construct, encryptionKey: kms.IKey, removalPolicy: RemovalPolicy): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'ArtifactBucket', {
    // A name only when an action role in another account or region reads the bucket (as aws-cdk-lib's
    // own artifact bucket does, aws-codepipeline/lib/pipeline.js); otherwise the template is unchanged.
    bucketName: PhysicalName.GENERATE_IF_NEEDED,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey,
    bucketKeyEnabled: true,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy,
    lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
  });
  acknowledge(bucket, 'AwsSolutions-S1',
    'Only the pipeline and its actions use the artifact bucket; object-level auditing belongs in the account\'s CloudTrail data events.');
  return bucket;
}

/**
 * The grants aws-cdk-lib makes the pipeline and its action roles on the pipeline's own artifact
 * store and, with environments in other regions, on its replication buckets and their keys.
 */
export function acknowledgePipelineGrants(pipeline: codepipeline.Pipeline): void {
  acknowledgeWildcards(pipeline,
    'aws-cdk-lib grants the pipeline and its action roles object-level access to the pipeline\'s own artifact bucket and key (<bucket>/*, s3:GetObject*, kms:GenerateDataKey*, ...).',
    [...BUCKET_AND_KEY_GRANTS, 'Action::s3:PutObjectAcl', 'Action::s3:PutObjectVersionAcl']);
  const supports = Object.values(pipeline.crossRegionSupport);
  if (supports.length === 0) { return; }
  acknowledgeWildcards(pipeline.role,
    'aws-cdk-lib grants the pipeline role object access to its replication buckets in other regions (<bucket>/*) and, for their keys in another '
    + 'stack, KMS actions on Resource::* in its own policy (kms Key.grant across environments); the keys\' policies admit the pipeline\'s account only.',
    ['Resource::arn:<AWS::Partition>:s3:::[a-z0-9.-]+/\\*', 'Resource::\\*', 'Action::s3:PutObject\\*']);
  for (const support of supports) {
    acknowledge(support.replicationBucket, 'AwsSolutions-S1',
      'The pipeline\'s replication bucket in this region holds copies of its artifacts only; object-level auditing belongs in the account\'s CloudTrail data events.');
  }
}
