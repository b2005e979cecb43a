import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DEFAULT_PRODUCTION_IMAGE_RETENTION, deployedTagPrefix } from './image-tagging';

/** The settings of the repository the pipeline creates. */
export interface PipelineRepositoryOptions {
  readonly repositoryEncryption?: ecr.RepositoryEncryption;
  readonly repositoryEncryptionKey?: kms.IKey;
  readonly imageRetentionCount?: number;
  readonly productionImageRetentionCount?: number;
}

/**
 * The image repository: scan on push, immutable tags, untagged images expire after 14 days, the
 * last `productionImageRetentionCount` (10) images deployed to each production environment are
 * kept, and of the rest the last `imageRetentionCount` (30). Created in `scope` as 'Repository'.
 *
 * The production images are kept by rules of their own, ahead of the count rule. The ECR user
 * guide ("Lifecycle policy evaluation rules",
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html) says: an image is
 * expired by exactly one or zero rules; an image that matches the tagging requirements of a higher
 * priority rule cannot be expired by a rule with a lower priority; lower priority rules can still
 * identify (count) such images, they just never mark them. So an image tagged
 * `deployed-<production environment>_…` (added after a successful deployment, see
 * image-tagging.ts) is expired only by its environment's rule, once N newer images carry such a
 * tag (ordered by push time, like every count rule), never by the `any` count rule, however busy
 * other branches are. It still counts towards that rule's `imageRetentionCount`, so the newest
 * builds keep at most that many images, production's included. A rule with tagStatus `any` must
 * have the highest priority (user guide, "Lifecycle policy properties"). The multiple patterns of
 * one `tagPatternList` must all match, so each production environment gets its own rule.
 * A build of `imagesPerBuild` images (the application's and the additional containers') tags each
 * of them per deployment, so the rule keeps `imagesPerBuild` times as many: the images of the last
 * `productionImageRetentionCount` deployments.
 */
export function createRepository(scope: Construct, props: PipelineRepositoryOptions, removalPolicy: RemovalPolicy,
  productionEnvironments: string[] = [], imagesPerBuild: number = 1): ecr.Repository {
  const keepProduction = props.productionImageRetentionCount ?? DEFAULT_PRODUCTION_IMAGE_RETENTION;
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
      ...productionEnvironments.map((name, i) => ({
        rulePriority: 2 + i,
        description: imagesPerBuild === 1
          ? `Keep the last ${keepProduction} images deployed to ${name}`
          : `Keep the images of the last ${keepProduction} deployments to ${name} (${imagesPerBuild} images each)`,
        tagStatus: ecr.TagStatus.TAGGED,
        tagPatternList: [`${deployedTagPrefix(name)}*`],
        maxImageCount: keepProduction * imagesPerBuild,
      })),
      {
        rulePriority: 2 + productionEnvironments.length,
        description: `Keep the last ${props.imageRetentionCount ?? 30} images`,
        tagStatus: ecr.TagStatus.ANY,
        maxImageCount: props.imageRetentionCount ?? 30,
      },
    ],
  });
}
