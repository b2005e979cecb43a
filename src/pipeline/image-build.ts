import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { renderImageBuildSpec } from './image-build-spec';
import { validateImageBuildOptions } from '../private/build-options';
import { acknowledge, acknowledgeWildcards, BUCKET_AND_KEY_GRANTS, CODEBUILD_PROJECT_GRANTS } from '../private/nag';
import { BlueGreenFargateService } from '../service/blue-green-fargate-service';

/** Lowest severity of image-scan findings that fails the build. */
export enum ScanSeverity {
  /** Fail on CRITICAL findings. */
  CRITICAL = 'CRITICAL',
  /** Fail on HIGH or CRITICAL findings. */
  HIGH = 'HIGH',
  /** Fail on MEDIUM or worse. */
  MEDIUM = 'MEDIUM',
  /** Fail on LOW or worse. */
  LOW = 'LOW',
  /** Fail on any finding. */
  INFORMATIONAL = 'INFORMATIONAL',
  /** No scan gate: do not wait for the scan. */
  NONE = 'NONE',
}

/** How the image is built: the same settings on `EcsCiCdPipelineProps`. */
export interface ImageBuildOptions {
  /**
   * Path of the Dockerfile, relative to the repository root.
   * @default 'Dockerfile'
   */
  readonly dockerfile?: string;

  /**
   * Docker build context, relative to the repository root.
   * @default '.'
   */
  readonly buildDirectory?: string;

  /**
   * `--build-arg` values for `docker build`.
   * @default - none
   */
  readonly buildArgs?: { [key: string]: string };

  /**
   * Shell commands that run the unit tests before the image is built; a failing command fails
   * the build. They run in the CodeBuild standard image, in the repository root.
   * @default - no unit tests
   */
  readonly unitTestCommands?: string[];

  /**
   * Lowest severity of ECR scan findings that fails the build (the image is pushed, but never
   * deployed). `ScanSeverity.NONE` disables the gate.
   * @default ScanSeverity.CRITICAL
   */
  readonly scanSeverityThreshold?: ScanSeverity;

  /**
   * CodeBuild compute type.
   * @default codebuild.ComputeType.SMALL
   */
  readonly buildComputeType?: codebuild.ComputeType;

  /**
   * Build time limit.
   * @default Duration.minutes(60)
   */
  readonly buildTimeout?: Duration;
}

/** Properties of an {@link ImageBuild}. */
export interface ImageBuildProps extends ImageBuildOptions {
  /** Repository the image is pushed to. Tags should be immutable; the build reuses an existing tag. */
  readonly repository: ecr.IRepository;

  /** The environments the build renders `taskdef-<name>.json` and `appspec-<name>.yaml` for, in order. */
  readonly environments: BlueGreenFargateService[];

  /**
   * CPU architecture of the image: picks the CodeBuild image (x86_64 or arm64).
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * KMS key that encrypts the build's artifacts and logs.
   * @default - the AWS managed key for S3
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The CodeBuild project that builds the image once and prepares every environment's deployment.
 *
 * Its buildspec runs the unit tests, builds the Dockerfile with the local Docker layer cache, tags
 * the image with the short commit id and pushes it (reusing the image when the tag already exists),
 * waits for the ECR scan and fails on findings at or above the threshold, then writes the deploy
 * artifact: `imageDetail.json` (`ImageURI` = `repository@sha256:…`, so every environment deploys
 * the same digest) and, per environment, `taskdef-<name>.json` rendered from the latest ACTIVE
 * revision of that environment's task definition family (read-only fields stripped, the app image
 * replaced by `<IMAGE1_NAME>`) and `appspec-<name>.yaml`.
 *
 * The CodeBuild action that runs it must set `SOURCE_REVISION` (commit id or S3 ETag).
 */
export class ImageBuild extends Construct {
  /** The CodeBuild project. */
  public readonly project: codebuild.PipelineProject;
  /** The repository the image is pushed to. */
  public readonly repository: ecr.IRepository;

  constructor(scope: Construct, id: string, props: ImageBuildProps) {
    super(scope, id);
    this.repository = props.repository;
    const dockerfile = props.dockerfile ?? 'Dockerfile';
    const buildDirectory = props.buildDirectory ?? '.';
    validateImageBuildOptions(props);
    if (props.environments.length === 0) {
      throw new Error('environments (0) must list at least one BlueGreenFargateService');
    }

    const buildSpec = renderImageBuildSpec({
      unitTestCommands: props.unitTestCommands,
      dockerfile,
      buildDirectory,
      buildArgs: props.buildArgs,
      scanSeverityThreshold: props.scanSeverityThreshold ?? ScanSeverity.CRITICAL,
      environments: props.environments.map(env => ({
        name: env.environmentName,
        taskDefinitionFamily: env.taskDefinition.family,
        containerName: env.containerName,
        containerPort: env.containerPort,
        hooks: env.appSpecHooks,
        capacityProviderStrategy: env.capacityProviderStrategies,
      })),
    });
    checkInlineBuildSpecSize(buildSpec, props.environments.length);
    const arm = props.cpuArchitecture === ecs.CpuArchitecture.ARM64;
    this.project = new codebuild.PipelineProject(this, 'Project', {
      // CodeBuild descriptions are limited to 255 characters.
      description: truncate(`Builds ${dockerfile}, gates on the ECR scan and renders the deploy artifacts of ${props.environments.map(e => e.environmentName).join(', ')}`, 255),
      environment: {
        buildImage: arm ? codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0 : codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: props.buildComputeType ?? codebuild.ComputeType.SMALL,
        // Docker-in-Docker needs a privileged build container.
        privileged: true,
      },
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.DOCKER_LAYER),
      timeout: props.buildTimeout ?? Duration.minutes(60),
      encryptionKey: props.encryptionKey,
      environmentVariables: {
        REPOSITORY_URI: { value: props.repository.repositoryUri },
        REPOSITORY_NAME: { value: props.repository.repositoryName },
      },
      buildSpec: codebuild.BuildSpec.fromObject(buildSpec),
    });

    // Least privilege: push/pull and read scan results on this one repository only.
    props.repository.grantPullPush(this.project);
    props.repository.grant(this.project, 'ecr:DescribeImages', 'ecr:DescribeImageScanFindings');
    // ecs:DescribeTaskDefinition supports no resource-level permissions: '*' is the only valid resource.
    this.project.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeTaskDefinition'],
      resources: ['*'],
    }));

    acknowledge(this.project, 'AwsSolutions-CB3', 'Privileged mode is required to run the Docker daemon that builds the image.');
    acknowledgeWildcards(this.project.role!,
      'ecr:GetAuthorizationToken and ecs:DescribeTaskDefinition support no resource-level permissions (Resource::*); '
      + 'the log group, report group, artifact bucket objects and key actions are this project\'s own, granted by aws-cdk-lib.',
      ['Resource::\\*', ...CODEBUILD_PROJECT_GRANTS, ...BUCKET_AND_KEY_GRANTS]);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** CodeBuild rejects an inline buildspec longer than this (aws-cdk#14974). */
const MAX_INLINE_BUILDSPEC = 25_600;

/**
 * Fails at synth when the buildspec would exceed CodeBuild's inline limit once CloudFormation has
 * resolved its tokens (family names, function ARNs: counted at 128 characters each).
 */
function checkInlineBuildSpecSize(buildSpec: object, environments: number): void {
  const estimate = JSON.stringify(buildSpec, undefined, 2).replace(/\$\{Token\[[^\]]*\]\}/g, 'x'.repeat(128)).length;
  if (estimate > MAX_INLINE_BUILDSPEC) {
    throw new Error(`environments (${environments}) make the image build's buildspec about ${estimate} characters once deployed; `
      + `CodeBuild accepts at most ${MAX_INLINE_BUILDSPEC} inline: use fewer environments or fewer/shorter unitTestCommands and buildArgs`);
  }
}
