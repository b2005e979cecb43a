import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ImageBuildOptions } from './image-build-props';
import { PipelineSource } from './pipeline-source';
import { BlueGreenDeployment } from '../blue-green/blue-green-deployment';
import { ContainerOptions } from '../service/container-options';
import { DeploymentEnvironmentOptions } from '../service/options';

/** One environment of the pipeline, in promotion order. */
export interface EnvironmentOptions extends DeploymentEnvironmentOptions {
  /**
   * Name of the environment: 1-32 letters, digits or hyphens, starting with a letter. Used in
   * stage names (`Deploy-<name>`), artifact file names and construct ids.
   */
  readonly name: string;

  /**
   * Wait for a manual approval before deploying to this environment.
   * @default - true for a production environment (`production: true`) that is not the first,
   * false otherwise
   */
  readonly requireApproval?: boolean;

  /**
   * E-mail addresses subscribed to the approval topic for this environment's approval.
   * @default - none (the topic is still created; subscribe to it as you like)
   */
  readonly approvalEmails?: string[];

  /**
   * Shell commands run after the deployment, in CodeBuild inside the environment's VPC, with the
   * repository checked out and `SERVICE_URL` set to the environment's production URL. A failing
   * command stops the promotion.
   * @default - no integration tests
   */
  readonly integrationTestCommands?: string[];

  /**
   * VPC of this environment.
   * @default - the pipeline's `vpc`
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Existing ECS cluster of this environment.
   * @default - a new cluster per environment
   */
  readonly cluster?: ecs.ICluster;

  /**
   * AWS account (12 digits) of this environment. An account other than the pipeline stack's puts
   * the environment in a stack of its own, `<pipeline stack name>-<pipeline id>-<name>`, a sibling
   * of the pipeline's stack; its deploy action then runs with a role in that account. Needs a
   * pipeline stack with a concrete `env` (account and region), and the target account bootstrapped
   * with `cdk bootstrap --trust <pipeline account>`.
   * @default - the pipeline stack's account
   */
  readonly account?: string;

  /**
   * AWS region of this environment. A region other than the pipeline stack's puts the environment
   * in a stack of its own (see `account`); the pipeline replicates its artifacts there and the
   * environment's tasks pull the image from the pipeline's repository across regions.
   * @default - the pipeline stack's region
   */
  readonly region?: string;
}

/** Properties of an {@link EcsCiCdPipeline}. */
export interface EcsCiCdPipelineProps extends ContainerOptions, ImageBuildOptions {
  /** Where the source comes from. */
  readonly source: PipelineSource;

  /**
   * The environments, in promotion order. Each gets its own cluster, service, load balancer and
   * deployment group, and a `Deploy-<name>` stage. With several environments, mark the production
   * one(s) with `production: true` (or set `production: false` on every environment): production
   * is never inferred from the order, so appending an environment cannot weaken an existing one.
   * @default - dev, staging and prod (`production: true`), with an approval before prod
   */
  readonly environments?: EnvironmentOptions[];

  /**
   * The engine that runs the environments' blue/green deployments; an environment's own
   * `blueGreen` overrides it.
   * @default BlueGreenDeployment.codeDeploy()
   */
  readonly blueGreen?: BlueGreenDeployment;

  /**
   * ECR repository to push to.
   * @default - a new repository: scan on push, immutable tags, untagged images expire after 14
   * days, the last `productionImageRetentionCount` images deployed to each production environment
   * and the last `imageRetentionCount` images are kept, retained when the stack is deleted
   */
  readonly repository?: ecr.IRepository;

  /**
   * Encryption of the created repository.
   * @default ecr.RepositoryEncryption.AES_256
   */
  readonly repositoryEncryption?: ecr.RepositoryEncryption;

  /**
   * KMS key of the created repository (with `ecr.RepositoryEncryption.KMS`).
   * @default - an AWS managed key when the encryption is KMS
   */
  readonly repositoryEncryptionKey?: kms.IKey;

  /**
   * How many images the created repository keeps, whatever their tags (the images deployed to
   * production are also kept by `productionImageRetentionCount`, and count here too). An image not
   * yet deployed to production, e.g. one waiting at the approval while newer builds pass through
   * the earlier stages, is expired once this many newer images were pushed: with several images per
   * build (`additionalContainers`) that is this many divided by the images per build.
   * @default 30
   */
  readonly imageRetentionCount?: number;

  /**
   * How many images deployed to each production environment the created repository keeps, besides
   * `imageRetentionCount`: after each successful production deployment the pipeline tags the
   * digest `deployed-<environment>_<execution id>`, and the last this many such images are never
   * expired by the count rule, however many builds follow.
   * @default 10
   */
  readonly productionImageRetentionCount?: number;

  /**
   * What happens to the created repository, the artifact bucket and the pipeline's KMS key when
   * they leave the stack. `DESTROY` also empties the repository; empty the versioned artifact
   * bucket yourself before deleting the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * VPC shared by the environments (each may set its own).
   * @default - a new VPC: 2 AZs, `natGateways` NAT gateways, flow logs, an S3 gateway endpoint
   */
  readonly vpc?: ec2.IVpc;

  /**
   * NAT gateways of each VPC this construct creates when none is passed in (1 or 2): the one the
   * environments in the pipeline's stack share, and the own VPC of an environment in a stack of its
   * own (`stackPerEnvironment`, another account or region). Tasks pull images, send logs
   * and hooks report to CodeDeploy through NAT: with one NAT gateway an outage of its AZ cuts
   * production off too. Set 1 to halve the NAT cost when that risk is acceptable.
   * @default - 2 (one per AZ) for a VPC that hosts a production environment, otherwise 1
   */
  readonly natGateways?: number;

  /**
   * Give each VPC this construct creates when none is passed in (see `natGateways`) interface endpoints for ECR (api and dkr) and
   * CloudWatch Logs, so image pulls and logs do not depend on NAT. Interface endpoints cost per
   * AZ-hour (3 endpoints x 2 AZs) and per GB. The free S3 gateway endpoint is always added.
   * @default false
   */
  readonly vpcEndpoints?: boolean;

  /**
   * E-mail addresses subscribed to the notification topic (pipeline failed / succeeded).
   * @default - none
   */
  readonly notificationEmails?: string[];

  /**
   * Name of the pipeline.
   * @default - generated
   */
  readonly pipelineName?: string;

  /**
   * Put every environment in a stack of its own, `<pipeline stack name>-<pipeline id>-<name>`, a
   * sibling of the pipeline's stack in the same App or Stage, even in the pipeline's account and
   * region: one blast radius per environment, and no CloudFormation limit of 500 resources for
   * the pipeline's stack (each environment takes about 45). Environments with another `account`
   * or `region` always get their own stack. Such an environment creates its own VPC unless it has
   * a `vpc` or `cluster` of its own (or the pipeline's `vpc` is imported).
   * @default false
   */
  readonly stackPerEnvironment?: boolean;
}
