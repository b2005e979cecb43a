import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BlueGreenDeployment } from './blue-green/blue-green-deployment';
import { IDeployTarget } from './blue-green/deploy-target';
import { validateImageBuildOptions } from './pipeline/build-options';
import { ImageBuild, ImageBuildOptions } from './pipeline/image-build';
import { createIntegrationTests } from './pipeline/integration-tests';
import { createTopic, notificationTarget } from './pipeline/notifications';
import { PipelineSource } from './pipeline/pipeline-source';
import { createRepository } from './pipeline/repository';
import { grantImagePull } from './private/image-pull';
import { acknowledge, acknowledgeWildcards, BUCKET_AND_KEY_GRANTS } from './private/nag';
import { validateCommands, validateInteger, validatePattern } from './private/validation';
import { createDefaultVpc } from './private/vpc';
import { BlueGreenFargateService } from './service/blue-green-fargate-service';
import { ContainerOptions, DeploymentEnvironmentOptions } from './service/options';
import { resolveServiceSettings } from './service/settings';

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
   * days, the last `imageRetentionCount` images are kept, retained when the stack is deleted
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
   * How many images the created repository keeps. Make it larger than the number of builds that
   * can run between two production deployments, or production's image may expire.
   * @default 30
   */
  readonly imageRetentionCount?: number;

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
   * NAT gateways of the VPC created when none is passed in (1 or 2). Tasks pull images, send logs
   * and hooks report to CodeDeploy through NAT: with one NAT gateway an outage of its AZ cuts
   * production off too. Set 1 to halve the NAT cost when that risk is acceptable.
   * @default - 2 (one per AZ) when the created VPC hosts a production environment, otherwise 1
   */
  readonly natGateways?: number;

  /**
   * Give the VPC created when none is passed in interface endpoints for ECR (api and dkr) and
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
}

const DEFAULT_ENVIRONMENTS: EnvironmentOptions[] = [{ name: 'dev' }, { name: 'staging' }, { name: 'prod', production: true }];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A delivery pipeline for a containerised service on ECS Fargate: build once, promote the same
 * image digest through every environment, blue/green everywhere, approval before production.
 *
 * Source -> Build (unit tests, docker build, push, scan gate, deploy artifacts) -> one
 * `Deploy-<name>` stage per environment (optional approval, CodeDeploy blue/green deployment,
 * optional integration tests).
 *
 * @example
 * declare const connectionArn: string;
 * new EcsCiCdPipeline(this, 'Shop', {
 *   source: PipelineSource.connection({ owner: 'acme', repo: 'shop', branch: 'main', connectionArn }),
 *   healthCheckPath: '/health',
 * });
 */
export class EcsCiCdPipeline extends Construct {
  /** The CodePipeline (V2). */
  public readonly pipeline: codepipeline.Pipeline;
  /** The ECR repository the image is pushed to. */
  public readonly repository: ecr.IRepository;
  /** The image build. */
  public readonly imageBuild: ImageBuild;
  /** The environments, in promotion order. */
  public readonly environments: BlueGreenFargateService[];
  /**
   * Topic notified when an approval is waiting.
   * @default - undefined when no environment requires approval
   */
  public readonly approvalTopic?: sns.ITopic;
  /** Topic notified when a pipeline execution fails or succeeds. */
  public readonly notificationTopic: sns.ITopic;
  /** The encrypted, versioned artifact bucket. */
  public readonly artifactBucket: s3.IBucket;
  /** The KMS key of the artifact bucket, the build and the topics. */
  public readonly encryptionKey: kms.IKey;
  /** Integration-test projects by environment name (environments in the same VPC share one). */
  public readonly integrationTests: { [environment: string]: codebuild.IProject };

  constructor(scope: Construct, id: string, props: EcsCiCdPipelineProps) {
    super(scope, id);
    const envs = props.environments ?? DEFAULT_ENVIRONMENTS;
    this.validate(props, envs);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the artifacts, build and notifications of pipeline ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.repository = props.repository ?? createRepository(this, props, removalPolicy);
    if (props.vpc && props.natGateways !== undefined) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:natGatewaysIgnored', `natGateways (${props.natGateways}) is ignored because vpc is given`);
    }
    if (props.vpc && props.vpcEndpoints !== undefined) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:vpcEndpointsIgnored', `vpcEndpoints (${props.vpcEndpoints}) is ignored because vpc is given`);
    }
    const inCreatedVpc = envs.filter(e => !e.vpc && !e.cluster);
    const hostsProduction = envs.some((e, i) => !e.vpc && !e.cluster && isProduction(envs, i));
    const sharedVpc = props.vpc ?? (inCreatedVpc.length === 0 ? undefined
      : createDefaultVpc(this, 'Vpc', props.natGateways ?? (hostsProduction ? 2 : 1), props.vpcEndpoints));

    // ---- environments ----------------------------------------------------------------------------
    this.environments = envs.map((env, i) => new BlueGreenFargateService(this, `Env-${env.name}`, {
      ...containerOptions(props),
      ...env,
      environmentName: env.name,
      blueGreen: env.blueGreen ?? props.blueGreen,
      production: isProduction(envs, i),
      vpc: env.cluster ? undefined : env.vpc ?? sharedVpc,
    }));

    // The pipeline sees its environments as deploy targets only: name, URL, who pulls, how to deploy.
    const targets: IDeployTarget[] = this.environments;
    // Every environment pulls the digest the build pushed.
    targets.forEach(target => grantImagePull(this.repository, target.imagePuller));

    // ---- build -------------------------------------------------------------------------------------
    this.imageBuild = new ImageBuild(this, 'ImageBuild', {
      ...buildOptions(props),
      repository: this.repository,
      // Only the repository this construct creates gets the policy that lets the build role alone push.
      restrictRepositoryPushes: !props.repository,
      environments: this.environments,
      cpuArchitecture: props.cpuArchitecture,
      encryptionKey: this.encryptionKey,
    });

    // ---- pipeline ----------------------------------------------------------------------------------
    this.artifactBucket = new s3.Bucket(this, 'ArtifactBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: this.artifactBucket,
      restartExecutionOnUpdate: false,
    });

    const sourceOutput = new codepipeline.Artifact('Source');
    const buildOutput = new codepipeline.Artifact('DeployArtifacts');
    const source = props.source.bind(this, sourceOutput);
    this.pipeline.addStage({ stageName: 'Source', actions: [source.action] });
    if (source.trigger) { this.pipeline.addTrigger(source.trigger); }
    const unitTests = this.imageBuild.unitTests;
    this.pipeline.addStage({
      stageName: 'Build',
      actions: [
        // Unit tests first, in their own project: no outputs, and a role that cannot push images or
        // write the deploy artifacts (a test dependency runs arbitrary code).
        ...(unitTests ? [new actions.CodeBuildAction({ actionName: 'UnitTests', runOrder: 1, project: unitTests, input: sourceOutput })] : []),
        new actions.CodeBuildAction({
          actionName: 'BuildScanAndRender',
          runOrder: unitTests ? 2 : 1,
          project: this.imageBuild.project,
          input: sourceOutput,
          outputs: [buildOutput],
          environmentVariables: { SOURCE_REVISION: { value: source.revisionVariable } },
        }),
      ],
    });

    const needsApproval = envs.map((_, i) => requiresApproval(envs, i));
    if (needsApproval.some(Boolean)) {
      this.approvalTopic = createTopic(this, 'ApprovalTopic', this.encryptionKey, envs.flatMap((env, i) => needsApproval[i] ? env.approvalEmails ?? [] : []));
    }
    this.notificationTopic = createTopic(this, 'NotificationTopic', this.encryptionKey, props.notificationEmails ?? []);
    this.pipeline.notifyOn('Notifications', notificationTarget(this, this.notificationTopic), {
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
      ],
    });

    this.integrationTests = createIntegrationTests(this, this.encryptionKey, envs, this.environments);
    envs.forEach((env, i) => {
      const target = targets[i];
      const stageActions: codepipeline.IAction[] = [];
      if (needsApproval[i]) {
        const previous = targets[i - 1];
        stageActions.push(new actions.ManualApprovalAction({
          actionName: 'Approve',
          runOrder: 1,
          notificationTopic: this.approvalTopic,
          additionalInformation: previous
            ? `Promote the build verified in ${previous.environmentName} to ${env.name}.`
            : `Deploy to ${env.name}.`,
          externalEntityLink: previous?.url,
        }));
      }
      stageActions.push(target.deployAction(this, {
        actionName: 'Deploy',
        runOrder: 2,
        buildOutput,
        pipelineRole: this.pipeline.role,
        artifactBucket: this.artifactBucket,
      }));
      const tests = this.integrationTests[env.name];
      if (tests) {
        stageActions.push(new actions.CodeBuildAction({
          actionName: 'IntegrationTests',
          runOrder: 3,
          project: tests,
          input: sourceOutput,
          environmentVariables: {
            SERVICE_URL: { value: target.url },
            ENVIRONMENT_NAME: { value: env.name },
          },
        }));
      }
      this.pipeline.addStage({ stageName: `Deploy-${env.name}`, actions: stageActions });
    });

    this.addNagSuppressions();
  }

  private validate(props: EcsCiCdPipelineProps, envs: EnvironmentOptions[]): void {
    if (envs.length === 0) {
      throw new Error('environments ([]) must list at least one environment, e.g. [{ name: \'dev\' }]');
    }
    // Container-wide settings first, so their messages name the top-level prop.
    resolveServiceSettings(containerOptions(props), '');
    validateInteger('imageRetentionCount', props.imageRetentionCount, 1, 10000);
    if (props.repository) {
      const clash = ([
        ['repositoryEncryption', props.repositoryEncryption],
        ['repositoryEncryptionKey', props.repositoryEncryptionKey ? 'a key' : undefined],
        ['imageRetentionCount', props.imageRetentionCount],
      ] as const).find(([, value]) => value !== undefined);
      if (clash) {
        throw new Error(`${clash[0]} (${clash[1]}) cannot be combined with repository: it applies only to the repository this construct creates`);
      }
    }
    validateImageBuildOptions(props);
    (props.notificationEmails ?? []).forEach((email, i) =>
      validatePattern(`notificationEmails[${i}]`, email, EMAIL, 'must be an e-mail address'));

    const seen = new Map<string, number>();
    envs.forEach((env, i) => {
      const prefix = `environments[${i}].`;
      validatePattern(`${prefix}name`, env.name, /^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'must be 1-32 letters, digits or hyphens, starting with a letter');
      const key = env.name.toLowerCase();
      if (seen.has(key)) {
        throw new Error(`${prefix}name ('${env.name}') duplicates environments[${seen.get(key)}].name; environment names must be unique (ignoring case)`);
      }
      seen.set(key, i);
      resolveServiceSettings({
        ...containerOptions(props),
        ...env,
        production: isProduction(envs, i),
      }, prefix);
      validateCommands(`${prefix}integrationTestCommands`, env.integrationTestCommands);
      (env.approvalEmails ?? []).forEach((email, j) =>
        validatePattern(`${prefix}approvalEmails[${j}]`, email, EMAIL, 'must be an e-mail address'));
      const approval = requiresApproval(envs, i);
      if (env.approvalEmails?.length && !approval) {
        throw new Error(`${prefix}approvalEmails (${JSON.stringify(env.approvalEmails)}) is set but environment '${env.name}' has no approval; set requireApproval: true or drop approvalEmails`);
      }
      if (i === 0 && env.requireApproval) {
        Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:approvalBeforeFirstEnvironment',
          `environments[0].requireApproval: '${env.name}' is the first environment, so its approval comes before any deployment has been verified`);
      }
    });
    // Production used to default to "the last environment": appending one (a DR region, say) then
    // silently took approval, FARGATE-only capacity, 2 tasks and the termination wait away from
    // the previous last one. With several environments the choice must now be written down.
    if (envs.length > 1 && !envs.some(env => env.production === true) && !envs.every(env => env.production === false)) {
      const last = envs[envs.length - 1].name;
      throw new Error(`environments (${envs.map(env => `'${env.name}'`).join(', ')}) has ${envs.length} environments and none sets production: true. `
        + `Mark the production environment(s), e.g. { name: '${last}', production: true }, or set production: false on every environment `
        + 'for a pipeline without production. Production (approval, FARGATE only, 2 tasks, termination wait) is not inferred from the order, '
        + 'so appending an environment cannot take it away from an existing one');
    }
    if (envs.length > 1 && !envs.some((_, i) => requiresApproval(envs, i))) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:noApproval',
        'no environment requires approval: every commit reaches the last environment without a human decision');
    }
  }

  private addNagSuppressions(): void {
    acknowledge(this.artifactBucket, 'AwsSolutions-S1',
      'Only the pipeline and its actions use the artifact bucket; object-level auditing belongs in the account\'s CloudTrail data events.');
    acknowledgeWildcards(this.pipeline,
      'aws-cdk-lib grants the pipeline and its action roles object-level access to the pipeline\'s own artifact bucket and key (<bucket>/*, s3:GetObject*, kms:GenerateDataKey*, ...).',
      [...BUCKET_AND_KEY_GRANTS, 'Action::s3:PutObjectAcl', 'Action::s3:PutObjectVersionAcl']);
  }
}

/**
 * Whether environment `i` is production: only when marked, except that the single environment of
 * a one-environment pipeline is production by default (adding a second one then requires marking).
 */
function isProduction(envs: EnvironmentOptions[], i: number): boolean {
  return envs[i].production ?? envs.length === 1;
}

/** Whether environment `i` waits for an approval: by default every production environment but the first. */
function requiresApproval(envs: EnvironmentOptions[], i: number): boolean {
  return envs[i].requireApproval ?? (isProduction(envs, i) && i > 0);
}

/**
 * Every key of ContainerOptions and ImageBuildOptions. Typed as complete records, so a prop added
 * to either interface fails compilation until it is listed here, instead of being silently dropped
 * on its way from the pipeline to the services or the build.
 */
const CONTAINER_OPTION_KEYS: { [K in keyof Required<ContainerOptions>]: true } = {
  containerName: true,
  containerPort: true,
  healthCheckPath: true,
  cpu: true,
  memoryLimitMiB: true,
  cpuArchitecture: true,
  environment: true,
  secrets: true,
  command: true,
  containerHealthCheck: true,
  xray: true,
  xrayDaemonImage: true,
  logRetention: true,
  logEncryptionKey: true,
  logRemovalPolicy: true,
};
const BUILD_OPTION_KEYS: { [K in keyof Required<ImageBuildOptions>]: true } = {
  dockerfile: true,
  buildDirectory: true,
  buildArgs: true,
  unitTestCommands: true,
  scanSeverityThreshold: true,
  buildComputeType: true,
  buildTimeout: true,
};

function pick<T>(props: T, keys: { [K in keyof Required<T>]: true }): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(keys) as Array<keyof T>) { out[key] = props[key]; }
  return out as T;
}

/** The container settings of the pipeline props (shared by every environment). */
function containerOptions(props: EcsCiCdPipelineProps): ContainerOptions {
  return pick<ContainerOptions>(props, CONTAINER_OPTION_KEYS);
}

/** The image build settings of the pipeline props. */
function buildOptions(props: EcsCiCdPipelineProps): ImageBuildOptions {
  return pick<ImageBuildOptions>(props, BUILD_OPTION_KEYS);
}
