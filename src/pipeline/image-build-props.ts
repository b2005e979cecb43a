import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BuiltContainerOptions } from '../service/container-options';

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

/**
 * An environment as the image build sees it: what it needs to write that environment's deploy
 * files. `BlueGreenFargateService` is one.
 */
export interface IImageBuildEnvironment {
  /** Name of the environment (the deploy files' names carry it). */
  readonly environmentName: string;
  /** The task definition CDK registers; the build renders `taskdef-<env>.json` from its exact revision. */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** Name of the application container (the `<IMAGE1_NAME>` placeholder's container). */
  readonly containerName: string;
  /** Name of the container the load balancer targets. */
  readonly loadBalancerContainerName: string;
  /** Port of the container the load balancer targets. */
  readonly loadBalancerContainerPort: number;
  /** Files the environment's deployment engine deploys from; the build writes exactly these. */
  readonly buildOutputFiles: string[];
  /**
   * What else the environment's deployment engine needs in those files (its
   * `IBlueGreenDeploymentTarget.buildData`).
   * @default - nothing beyond the task definition and the container
   */
  readonly buildData?: { [key: string]: any };
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
   * Shell commands that run the unit tests; a failing command fails the build. They run in a
   * CodeBuild project of their own (the standard image, unprivileged, in the repository root)
   * whose role may only read the source artifact and write its own logs and reports: third-party
   * test dependencies never run with the image build's right to push images or write the deploy
   * artifacts. `EcsCiCdPipeline` runs them before the image build, in the same stage.
   * @default - no unit tests
   */
  readonly unitTestCommands?: string[];

  /**
   * Lowest severity of ECR scan findings that fails the build (the image is pushed, but never
   * deployed). Works with basic scanning (OS packages only) and registry-level enhanced scanning
   * (Amazon Inspector). Where the scan cannot judge the image (e.g. `FROM scratch` under basic
   * scanning, Inspector's FINDINGS_UNAVAILABLE or SCAN_ELIGIBILITY_EXPIRED, no scan within 15
   * minutes) the build fails and says why. `ScanSeverity.NONE` disables the gate.
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

/** Properties of an `ImageBuild`. */
export interface ImageBuildProps extends ImageBuildOptions {
  /** Repository the image is pushed to. Tags should be immutable. */
  readonly repository: ecr.IRepository;

  /**
   * Deny pushes to `repository` (`ecr:PutImage` and the layer uploads) to every principal but this
   * build's role, with a statement in the repository's resource policy, so that any image in the
   * repository is one this build pushed. Only then does a build reuse an image already tagged with
   * its commit; otherwise it builds again under a tag unique to the build. Needs a repository whose
   * policy this stack manages (an `ecr.Repository` created in the same stack). Any other role that
   * must push or tag images in the repository has to be added to the statement's exceptions.
   * @default false
   */
  readonly restrictRepositoryPushes?: boolean;

  /**
   * The environments the build writes deploy files for, in order: per environment exactly the
   * files its `blueGreen` engine deploys from (`taskdef-<name>.json` and `appspec-<name>.yaml` for
   * CodeDeploy, `imagedefinitions-<name>.json` for CodePipeline's standard ECS action).
   * `BlueGreenFargateService`s, for example.
   */
  readonly environments: IImageBuildEnvironment[];

  /**
   * More images built from the same commit, one per additional container of the environments'
   * task definitions (pass the environments' `additionalContainers`). Each is pushed to
   * `repository` under the tag `<commit>-<name>`, gated on the same scan, and deployed by digest
   * with the application's image: `taskdef-<env>.json` names each one's digest,
   * `imagedefinitions-<env>.json` lists one entry per container; `imageDetail.json` stays the
   * application's.
   * @default - the application image only
   */
  readonly additionalContainers?: BuiltContainerOptions[];

  /**
   * Roles that may push (tag) images in `repository` despite `restrictRepositoryPushes`, e.g. the
   * pipeline's step that tags the images production runs. Only with `restrictRepositoryPushes`.
   * @default - only the build's role
   */
  readonly additionalPushers?: iam.IRole[];

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
