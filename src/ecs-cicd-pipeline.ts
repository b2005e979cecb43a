import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { IDeployTarget } from './blue-green/deploy-target';
import { isManualStepNotifier } from './blue-green/engine-internal';
import { acknowledgePipelineGrants, createArtifactBucket } from './pipeline/artifact-store';
import { SOURCE_REVISION_VARIABLE } from './pipeline/build-contract';
import { grantPullAcrossStacks, placeEnvironments, sharableVpc, validateResourceCount } from './pipeline/environment-stacks';
import { ImageBuild } from './pipeline/image-build';
import { createProductionImageTagging } from './pipeline/image-tagging';
import { createIntegrationTests } from './pipeline/integration-tests';
import { createTopic, notificationTarget } from './pipeline/notifications';
import { EcsCiCdPipelineProps, EnvironmentOptions } from './pipeline/pipeline-props';
import { buildOptions, containerOptions, isProduction, requiresApproval, validatePipelineProps } from './pipeline/pipeline-settings';
import { createRepository } from './pipeline/repository';
import { createDefaultVpc } from './private/vpc';
import { BlueGreenFargateService } from './service/blue-green-fargate-service';

const DEFAULT_ENVIRONMENTS: EnvironmentOptions[] = [{ name: 'dev' }, { name: 'staging' }, { name: 'prod', production: true }];

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
  /**
   * The project that tags the image digest each production environment runs after its deployment.
   * @default - undefined without a production environment or with an existing `repository`
   */
  public readonly imageTagging?: codebuild.IProject;

  constructor(scope: Construct, id: string, props: EcsCiCdPipelineProps) {
    super(scope, id);
    const envs = props.environments ?? DEFAULT_ENVIRONMENTS;
    validatePipelineProps(this, props, envs);
    // Where each environment lives: here, or a stack of its own (stackPerEnvironment, account, region).
    const placements = placeEnvironments(this, props, envs);
    const pipelineStack = Stack.of(this);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the artifacts, build and notifications of pipeline ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    const productionNames = envs.filter((_, i) => isProduction(envs, i)).map(env => env.name);
    const imagesPerBuild = 1 + (props.additionalContainers ?? []).length;
    this.repository = props.repository ?? createRepository(this, props, removalPolicy, productionNames, imagesPerBuild);
    if (props.vpc && props.natGateways !== undefined) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:natGatewaysIgnored', `natGateways (${props.natGateways}) is ignored because vpc is given`);
    }
    if (props.vpc && props.vpcEndpoints !== undefined) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:vpcEndpointsIgnored', `vpcEndpoints (${props.vpcEndpoints}) is ignored because vpc is given`);
    }
    // The created VPC serves the environments in this stack; one in a stack of its own shares only a
    // `vpc` it can reach (sharableVpc), else creates its own there.
    const inCreatedVpc = envs.filter((e, i) => !e.vpc && !e.cluster && !placements[i].stack);
    const hostsProduction = envs.some((e, i) => !e.vpc && !e.cluster && !placements[i].stack && isProduction(envs, i));
    const sharedVpc = props.vpc ?? (inCreatedVpc.length === 0 ? undefined
      : createDefaultVpc(this, 'Vpc', props.natGateways ?? (hostsProduction ? 2 : 1), props.vpcEndpoints));

    // ---- environments ----------------------------------------------------------------------------
    this.environments = envs.map((env, i) => {
      const vpc = env.cluster ? undefined : env.vpc ?? (placements[i].stack ? sharableVpc(props, placements[i], pipelineStack, i) : sharedVpc);
      return new BlueGreenFargateService(placements[i].scope, `Env-${env.name}`, {
        ...containerOptions(props),
        ...env,
        environmentName: env.name,
        blueGreen: env.blueGreen ?? props.blueGreen,
        production: isProduction(envs, i),
        vpc,
        // An environment that creates its own VPC (in a stack of its own) creates it as the pipeline's would be.
        ...(!vpc && !env.cluster ? { natGateways: props.natGateways, vpcEndpoints: props.vpcEndpoints } : {}),
      });
    });

    // The pipeline sees its environments as deploy targets only: name, URL, who pulls, how to deploy.
    const targets: IDeployTarget[] = this.environments;
    // Every environment pulls the digest the build pushed. One in a stack of its own is granted
    // from this side (the repository's policy names its execution role): the pipeline's stack
    // depends on the environments' stacks, never the other way round.
    targets.forEach((target, i) => placements[i].stack
      ? grantPullAcrossStacks(this.repository, target.imagePuller, placements[i], target.environmentName)
      : this.repository.grantPull(target.imagePuller));

    // ---- build -------------------------------------------------------------------------------------
    const tagging = createProductionImageTagging(this, {
      repository: this.repository, repositoryCreated: !props.repository, productionEnvironments: productionNames, encryptionKey: this.encryptionKey,
    });
    this.imageTagging = tagging?.project;
    this.imageBuild = new ImageBuild(this, 'ImageBuild', {
      ...buildOptions(props),
      repository: this.repository,
      // Only the repository this construct creates gets the policy that lets the build role alone push.
      restrictRepositoryPushes: !props.repository,
      additionalPushers: tagging ? [tagging.role] : undefined,
      environments: this.environments,
      additionalContainers: props.additionalContainers,
      cpuArchitecture: props.cpuArchitecture,
      encryptionKey: this.encryptionKey,
    });

    // ---- pipeline ----------------------------------------------------------------------------------
    this.artifactBucket = createArtifactBucket(this, this.encryptionKey, removalPolicy);
    const crossRegion = placements.some(p => p.crossRegion);
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: this.artifactBucket,
      restartExecutionOnUpdate: false,
      // Only the replication buckets' keys (one per other region, in that environment's stack) depend
      // on these: rotated, like the artifact key. Unset without such a region (template unchanged).
      ...(crossRegion ? { crossAccountKeys: true, enableKeyRotation: true } : {}),
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
          environmentVariables: { [SOURCE_REVISION_VARIABLE]: { value: source.revisionVariable } },
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
    // The pipeline's stack deploys after the environments' own stacks (it names their resources).
    placements.forEach(p => p.stack && pipelineStack.addDependency(p.stack, 'the pipeline deploys the environments of its own stacks'));
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
          // Another account's or region's URL is not known in this template.
          externalEntityLink: previous && !placements[i - 1].remote ? previous.url : undefined,
        }));
      }
      // The action's role lives with the environment: in its stack when it has one (another account's
      // role must be created there), here otherwise (unchanged logical IDs).
      stageActions.push(target.deployAction(placements[i].stack ? this.environments[i] : this, {
        actionName: 'Deploy',
        runOrder: 2,
        buildOutput,
        pipelineRole: this.pipeline.role,
        artifactBucket: this.artifactBucket,
      }));
      const deployment = this.environments[i].deploymentTarget;
      if (env.manualRerouteTimeout && isManualStepNotifier(deployment)) {
        deployment.notifyManualSteps(this, this.approvalTopic ?? this.notificationTopic,
          { environmentName: env.name, testUrl: this.environments[i].testUrl, timeout: env.manualRerouteTimeout });
      }
      // After the deployment, alongside the tests: production runs this digest whatever they say.
      if (tagging && isProduction(envs, i)) { stageActions.push(tagging.action(env.name, buildOutput, 3)); }
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

    acknowledgePipelineGrants(this.pipeline);
    const stackPerEnvironment = props.stackPerEnvironment ?? false;
    validateResourceCount(pipelineStack, stackPerEnvironment);
    placements.forEach(p => p.stack && validateResourceCount(p.stack, stackPerEnvironment));
  }
}
