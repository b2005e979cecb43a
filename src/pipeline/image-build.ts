import * as path from 'path';
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { BuildOutputKind, deployEnvironmentVariable, IMAGE_BUILD_SCRIPTS_FOLDER } from './build-contract';
import { builtContainerDockerfile, validateBuiltContainerBuilds, validateImageBuildOptions } from './build-options';
import { assetObjectsFinding, buildOutputKinds, checkAdditionalContainers, checkInlineBuildSpecSize, PUSH_ACTIONS, truncate } from './image-build-checks';
import { ImageBuildProps, ScanSeverity } from './image-build-props';
import { BuildSpecEnvironment, checkEnvironmentVariableSizes, deployEnvironmentData, imageBuildEnvironmentVariables, renderImageBuildSpec, renderUnitTestBuildSpec } from './image-build-spec';
import { isRemote, publishBuildData } from './remote-build-data';
import { acknowledge, acknowledgeWildcards, BUCKET_AND_KEY_GRANTS, CODEBUILD_PROJECT_GRANTS } from '../private/nag';
import { XRAY_CONTAINER_NAME } from '../service/xray';

/**
 * The CodeBuild project that builds the image once and prepares every environment's deployment.
 *
 * Its steps are the scripts in this package's `build-scripts/image-build/` folder, published as an
 * S3 asset (`scripts`): a small buildspec, the same for any number of environments, fetches them
 * and runs one per phase; the settings and each environment's data reach them as environment
 * variables (one per environment). They build the Dockerfile with the local Docker layer cache, tag
 * the image with the full commit id and push it (reusing the image when the tag already exists and
 * `restrictRepositoryPushes` proves it is the build's own), wait for the ECR scan (basic or
 * enhanced) and fail on findings at or above the threshold, then write the deploy artifact:
 * `imageDetail.json` (`ImageURI` = `repository@sha256:…`, so every environment deploys the same
 * digest) and, per environment, `taskdef-<name>.json` rendered from the task definition revision
 * CDK registered for that environment (read-only fields stripped, the app image replaced by
 * `<IMAGE1_NAME>`) and `appspec-<name>.yaml`.
 *
 * The CodeBuild action that runs `project` must set `SOURCE_REVISION` (commit id or S3 ETag).
 * With `unitTestCommands`, `unitTests` is a second project: run it before `project`, on the
 * source artifact, without outputs.
 */
export class ImageBuild extends Construct {
  /** The CodeBuild project that builds, pushes and scans the image and renders the deploy artifacts. */
  public readonly project: codebuild.PipelineProject;
  /**
   * The CodeBuild project that runs `unitTestCommands`, with no grants beyond reading its input
   * artifact and writing its own logs and reports.
   * @default - undefined without `unitTestCommands`
   */
  public readonly unitTests?: codebuild.PipelineProject;
  /** The repository the image is pushed to. */
  public readonly repository: ecr.IRepository;
  /** The build scripts (`build-scripts/image-build/` of this package) the buildspec fetches and runs. */
  public readonly scripts: s3assets.Asset;

  constructor(scope: Construct, id: string, props: ImageBuildProps) {
    super(scope, id);
    this.repository = props.repository;
    const dockerfile = props.dockerfile ?? 'Dockerfile';
    const buildDirectory = props.buildDirectory ?? '.';
    validateImageBuildOptions(props);
    if (props.environments.length === 0) {
      throw new Error('environments (none given) must list at least one environment (an IImageBuildEnvironment, e.g. a BlueGreenFargateService)');
    }
    // An additional container named like an environment's application container or the X-Ray
    // sidecar would have its digest written over that container's image in the rendered task definition.
    validateBuiltContainerBuilds(props.additionalContainers, new Map([
      ...props.environments.map((env, i) => [env.containerName, `the application container of environments[${i}] ('${env.environmentName}')`] as const).reverse(),
      [XRAY_CONTAINER_NAME, 'the X-Ray sidecar'],
    ]));
    const outputs = buildOutputKinds(props.environments);
    const additionalContainers = props.additionalContainers ?? [];
    checkAdditionalContainers(props.environments, additionalContainers);
    const restrictPushes = props.restrictRepositoryPushes ?? false;
    if (restrictPushes && !(props.repository instanceof ecr.Repository && Stack.of(props.repository) === Stack.of(this))) {
      throw new Error(`restrictRepositoryPushes (true) needs a repository created in this stack (ecr.Repository), whose policy the stack manages; got ${props.repository.node.path}`);
    }

    // The scripts the buildspec runs, shipped in the package (build-scripts/ at its root, next to
    // lib/ and src/) and published as a directory asset (a zip in the bootstrap bucket).
    this.scripts = new s3assets.Asset(this, 'Scripts', {
      path: path.join(__dirname, '..', '..', ...IMAGE_BUILD_SCRIPTS_FOLDER),
      exclude: ['__pycache__', '*.pyc', 'work'],
    });
    // An environment in another account or region whose task definition the build renders, or
    // whose engine hands the build data (buildData may hold that stack's tokens, e.g. hook ARNs,
    // which this stack cannot reference), has its data read there (remote-build-data.ts).
    const elsewhere = props.environments.filter(env => isRemote(this, env.taskDefinition));
    const rendersTaskDefinition = (env: ImageBuildProps['environments'][number]) => outputs[props.environments.indexOf(env)].includes('taskDefinition');
    const remote = elsewhere.filter(env => rendersTaskDefinition(env) || Object.keys(env.buildData ?? {}).length > 0);
    const variables = imageBuildEnvironmentVariables({
      scriptsUrl: this.scripts.s3ObjectUrl,
      repositoryUri: props.repository.repositoryUri,
      repositoryName: props.repository.repositoryName,
      reuseExistingImage: restrictPushes,
      dockerfile,
      buildDirectory,
      buildArgs: props.buildArgs,
      scanSeverityThreshold: props.scanSeverityThreshold ?? ScanSeverity.CRITICAL,
      environments: props.environments.map((env, i) => elsewhere.includes(env)
        // Read from the environment's own account or region at build time (below): nothing of its
        // stack may be referenced here.
        ? {
          name: env.environmentName,
          taskDefinitionArn: REMOTE,
          containerName: env.containerName,
          containerPort: env.loadBalancerContainerPort,
          loadBalancerContainerName: env.loadBalancerContainerName,
          outputs: outputs[i],
        }
        : buildSpecEnvironment(env, outputs[i])),
      additionalContainers: additionalContainers.map(c => ({
        name: c.name,
        dockerfile: builtContainerDockerfile(c),
        buildDirectory: c.buildDirectory,
        buildArgs: c.buildArgs,
      })),
    }, (value) => Stack.of(this).toJsonString(value));
    // An environment in another account or region publishes its data there; its variable says how
    // to read it (remote-build-data.ts, build-scripts/image-build/image-build.sh).
    const remoteData = remote.map(env => {
      // Created next to the environment's task definition (in a BlueGreenFargateService: the service).
      const envData = deployEnvironmentData(buildSpecEnvironment(env, outputs[props.environments.indexOf(env)]));
      const data = publishBuildData(env.taskDefinition.node.scope as Construct, this, envData, env.environmentName, rendersTaskDefinition(env));
      variables[deployEnvironmentVariable(env.environmentName)] = Stack.of(this).toJsonString({ name: env.environmentName, remote: data });
      return data;
    });
    checkEnvironmentVariableSizes(variables, (value) => Stack.of(this).resolve(value));
    // The same few hundred characters for any number of environments (test/image-build.test.ts).
    const buildSpec = renderImageBuildSpec();
    const arm = props.cpuArchitecture === ecs.CpuArchitecture.ARM64;
    const buildImage = arm ? codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0 : codebuild.LinuxBuildImage.STANDARD_7_0;
    const computeType = props.buildComputeType ?? codebuild.ComputeType.SMALL;
    const timeout = props.buildTimeout ?? Duration.minutes(60);
    this.project = new codebuild.PipelineProject(this, 'Project', {
      // CodeBuild descriptions are limited to 255 characters.
      description: truncate(`Builds ${dockerfile}, gates on the ECR scan and renders the deploy artifacts of ${props.environments.map(e => e.environmentName).join(', ')}`, 255),
      environment: {
        buildImage,
        computeType,
        // Docker-in-Docker needs a privileged build container.
        privileged: true,
      },
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.DOCKER_LAYER),
      timeout,
      encryptionKey: props.encryptionKey,
      environmentVariables: Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, { value }])),
      buildSpec: codebuild.BuildSpec.fromObject(buildSpec),
    });

    const unitTestCommands = props.unitTestCommands ?? [];
    if (unitTestCommands.length > 0) {
      const unitTestSpec = renderUnitTestBuildSpec(unitTestCommands);
      checkInlineBuildSpecSize(unitTestSpec, 'unitTestCommands make the unit tests\' buildspec', 'use fewer/shorter unitTestCommands (e.g. a script in the repository)');
      // No privileged mode, no VPC, no grants: the pipeline action adds read access to its input only.
      this.unitTests = new codebuild.PipelineProject(this, 'UnitTests', {
        description: truncate(`Runs the unit tests of ${dockerfile}'s service before the image is built`, 255),
        environment: { buildImage, computeType },
        timeout,
        encryptionKey: props.encryptionKey,
        buildSpec: codebuild.BuildSpec.fromObject(unitTestSpec),
      });
      acknowledgeWildcards(this.unitTests.role!,
        'The unit tests only read the pipeline\'s source artifact (<bucket>/*, s3:GetObject*, kms decrypt) and write the project\'s own '
        + 'log group and report groups, all granted by aws-cdk-lib.',
        [...CODEBUILD_PROJECT_GRANTS, ...BUCKET_AND_KEY_GRANTS]);
    }

    remoteData.forEach(data => this.project.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [data.roleArn] })));
    // The buildspec copies the scripts' zip from the asset bucket (s3:GetObject on the asset's bucket).
    this.scripts.grantRead(this.project);
    // Least privilege: push/pull and read scan results on this one repository only.
    props.repository.grantPullPush(this.project);
    props.repository.grant(this.project, 'ecr:DescribeImages', 'ecr:DescribeImageScanFindings');
    if (outputs.some(kinds => kinds.includes('taskDefinition'))) {
      // Only an environment whose engine deploys from a rendered task definition makes the build
      // read it. ecs:DescribeTaskDefinition lists no resource type in the Service Authorization Reference
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html;
      // resource-level permissions for task definitions are still a request: aws/containers-roadmap#929):
      // '*' is the only valid resource, even though the build names exact revisions.
      this.project.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ecs:DescribeTaskDefinition'],
        resources: ['*'],
      }));
    }
    if ((props.scanSeverityThreshold ?? ScanSeverity.CRITICAL) !== ScanSeverity.NONE) {
      // The scan gate asks whether the registry uses basic or enhanced scanning. A registry-level
      // action: no resource type in the Service Authorization Reference
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html).
      this.project.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ecr:GetRegistryScanningConfiguration'],
        resources: ['*'],
      }));
    }

    if (restrictPushes) {
      // An explicit Deny in the resource policy wins over any identity policy of the account, so
      // only the build role can create images (and tags: tagging an image is ecr:PutImage). For an
      // assumed role, aws:PrincipalArn is the role's ARN, not the session's
      // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
      // ecr:BatchDeleteImage stays allowed: deleting cannot forge an image, and the lifecycle policy,
      // emptyOnDelete and operators need it.
      props.repository.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'OnlyTheImageBuildPushes',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...PUSH_ACTIONS],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [this.project.role!.roleArn, ...(props.additionalPushers ?? []).map(role => role.roleArn)] } },
      }));
    } else {
      if ((props.additionalPushers ?? []).length > 0) {
        Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:additionalPushersWithoutRestriction',
          `additionalPushers (${props.additionalPushers!.length} role(s)) have no effect without restrictRepositoryPushes: true: `
          + 'nothing restricts pushes to the repository, so there is no exception to make; set restrictRepositoryPushes: true or drop additionalPushers.');
      }
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:repositoryPushesUnrestricted',
        `repository: pushes to ${props.repository.node.path} cannot be restricted to the image build by this construct (it did not create the repository), `
        + 'so anyone allowed to push can seed images there. The build never reuses an existing tag in it; restrict pushes in the repository\'s own policy.');
    }

    acknowledge(this.project, 'AwsSolutions-CB3', 'Privileged mode is required to run the Docker daemon that builds the image.');
    acknowledgeWildcards(this.project.role!,
      'ecr:GetAuthorizationToken, ecr:GetRegistryScanningConfiguration and ecs:DescribeTaskDefinition support no resource-level permissions (Resource::*); '
      + 'the log group, report group, artifact bucket objects and key actions are this project\'s own, granted by aws-cdk-lib; '
      + 'the asset bucket\'s objects are read for the build scripts only (Asset.grantRead).',
      ['Resource::\\*', ...CODEBUILD_PROJECT_GRANTS, ...BUCKET_AND_KEY_GRANTS, assetObjectsFinding(this.scripts)]);
  }
}

/** `taskDefinitionArn` of an environment whose data the build reads from its own account or region. */
const REMOTE = 'remote';

/** What the build needs of one environment in its own account and region. */
function buildSpecEnvironment(env: ImageBuildProps['environments'][number], outputs: BuildOutputKind[]): BuildSpecEnvironment {
  return {
    name: env.environmentName,
    // Ref of AWS::ECS::TaskDefinition is the ARN with the revision CloudFormation registered.
    taskDefinitionArn: env.taskDefinition.taskDefinitionArn,
    containerName: env.containerName,
    containerPort: env.loadBalancerContainerPort,
    loadBalancerContainerName: env.loadBalancerContainerName,
    engineData: env.buildData,
    outputs,
  };
}
