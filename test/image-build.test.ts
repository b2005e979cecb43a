import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  BlueGreenBindOptions, BlueGreenDeployment, BlueGreenFargateService, DeployActionOptions, EcsCiCdPipeline, IBlueGreenDeploymentTarget,
  IImageBuildEnvironment, ImageBuild, ImageBuildProps, PipelineSource, ScanSeverity,
} from '../src';
import { show } from './support/iam';
import {
  appSpecFile, IMAGE_BUILD_SCRIPT, IMAGE_BUILD_SCRIPTS_FOLDER, IMAGE_PLACEHOLDER_NAME, NO_SCAN_GATE, SCAN_SEVERITIES, SHARED_SETTINGS,
  SOURCE_REVISION_VARIABLE, taskDefinitionFile, imageDefinitionsFile,
} from '../src/pipeline/build-contract';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const ENV = { account: '123456789012', region: 'eu-west-1' };

interface Built {
  readonly stack: Stack;
  readonly service: BlueGreenFargateService;
  readonly repository: ecr.Repository;
  readonly imageBuild: ImageBuild;
  readonly template: Template;
  /** Read before the template: a second synthesis of the same App fails in aws-cdk-lib's ECS aspect. */
  readonly annotations: Annotations;
}

/** One BlueGreenFargateService ('api', container 'web' on 3000) and a repository, built by an ImageBuild. A fresh App per call. */
function buildFor(props: Partial<ImageBuildProps> = {}, inStack?: (stack: Stack) => Partial<ImageBuildProps>): Built {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const service = new BlueGreenFargateService(stack, 'Api', {
    environmentName: 'api',
    containerName: 'web',
    containerPort: 3000,
    healthCheckPath: '/health',
  });
  const repository = new ecr.Repository(stack, 'Repository');
  const imageBuild = new ImageBuild(stack, 'ImageBuild', { repository, environments: [service], ...props, ...inStack?.(stack) });
  const annotations = Annotations.fromStack(stack);
  return { stack, service, repository, imageBuild, annotations, template: Template.fromStack(stack) };
}

/** The logical id of a construct's default child. */
function logicalIdOf(built: Built, construct: { node: { defaultChild?: any } }): string {
  return built.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The CodeBuild project's properties. */
function projectProps(built: Built): any {
  const id = built.stack.getLogicalId(built.imageBuild.project.node.defaultChild as CfnElement);
  return built.template.toJSON().Resources[id].Properties;
}

/** The buildspec parsed as an object; CloudFormation tokens become `<LogicalId.Attr>` / `${Ref}` (test/support/iam.ts `show`). */
function buildSpecOf(built: Built): any {
  return JSON.parse(show(projectProps(built).Source.BuildSpec));
}

/** The scripts the buildspec fetches, in this package. */
const SCRIPTS_DIR = path.join(__dirname, '..', ...IMAGE_BUILD_SCRIPTS_FOLDER);

/** The project's environment variables, values as text (tokens shown as `<LogicalId.Attr>` / `${Ref}`). */
function variablesOf(built: Built): { [name: string]: string } {
  return Object.fromEntries(projectProps(built).Environment.EnvironmentVariables.map((v: any) => [v.Name, show(v.Value)]));
}

/** What the build runs: the buildspec's commands and the script files, comment lines left out. */
function buildText(spec: any): string {
  const commands = ['pre_build', 'build', 'post_build'].flatMap(p => spec.phases[p].commands);
  const scripts = fs.readdirSync(SCRIPTS_DIR).map(f => fs.readFileSync(path.join(SCRIPTS_DIR, f), 'utf8'));
  return [...commands, ...scripts].join('\n').split('\n').filter(l => !/^\s*#/.test(l)).join('\n');
}

/** The AppSpec the real script writes for `environment` from the project's variables (tokens as text). */
function appSpecOf(built: Built, environment: string): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'appspec-'));
  try {
    fs.mkdirSync(path.join(dir, SHARED_SETTINGS.artifactDirectory));
    const run = spawnSync('python3', [path.join(SCRIPTS_DIR, 'image_build.py'), 'render-appspec', environment],
      { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...variablesOf(built) } });
    if (run.status !== 0) { throw new Error(`render-appspec failed: ${run.stderr}`); }
    return JSON.parse(fs.readFileSync(path.join(dir, SHARED_SETTINGS.artifactDirectory, appSpecFile(environment)), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** All statements of the IAM policies attached to the build project's role. */
function roleStatements(built: Built): any[] {
  const roleRef = built.stack.resolve(built.imageBuild.project.role!.roleName);
  const policies = built.template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([roleRef]) } });
  return Object.values<any>(policies).flatMap(p => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();

// ---------------------------------------------------------------------------
// Defaults and wiring
// ---------------------------------------------------------------------------

describe('ImageBuild with one BlueGreenFargateService', () => {
  let built: Built;
  let spec: any;
  beforeAll(() => {
    // GIVEN one service and a repository
    // WHEN an ImageBuild with default options builds for that service
    built = buildFor();
    spec = buildSpecOf(built);
  });

  it('creates one CodeBuild project with the scripts, the repository, the reuse flag, the settings and each environment as environment variables', () => {
    // THEN IMAGE_BUILD_SCRIPTS_URL is the asset's S3 URL, REPOSITORY_URI / REPOSITORY_NAME reference the
    // repository, reuse is off (pushes are not restricted by default), the settings and api's data are
    // JSON (resolved at deploy time); nothing else is set
    built.template.resourceCountIs('AWS::CodeBuild::Project', 1);
    const variables = projectProps(built).Environment.EnvironmentVariables;
    expect(variables.map((v: any) => [v.Name, v.Type])).toEqual([
      ['IMAGE_BUILD_SCRIPTS_URL', 'PLAINTEXT'], ['REPOSITORY_URI', 'PLAINTEXT'], ['REPOSITORY_NAME', 'PLAINTEXT'],
      ['REUSE_EXISTING_IMAGE', 'PLAINTEXT'], ['IMAGE_BUILD_SETTINGS', 'PLAINTEXT'], ['DEPLOY_ENVIRONMENTS', 'PLAINTEXT'],
      ['DEPLOY_ENVIRONMENT_API', 'PLAINTEXT'],
    ]);
    expect(variables.slice(0, 4).map((v: any) => v.Value)).toEqual([
      built.stack.resolve(built.imageBuild.scripts.s3ObjectUrl),
      built.stack.resolve(built.repository.repositoryUri),
      built.stack.resolve(built.repository.repositoryName),
      'false',
    ]);
    expect(variablesOf(built).DEPLOY_ENVIRONMENTS).toBe('DEPLOY_ENVIRONMENT_API');
    expect(built.imageBuild.repository).toBe(built.repository);
  });

  it('renders taskdef-api.json from the exact revision CDK registered: the task definition\'s Ref, not its family', () => {
    // THEN the variable holds { Ref: <task definition> } (an ARN with its revision), and the build
    // describes that ARN; the family (whose latest revision may be one the pipeline registered) appears nowhere
    const ref = built.stack.resolve(built.service.taskDefinition.taskDefinitionArn);
    const logicalId = built.stack.getLogicalId(built.service.taskDefinition.node.defaultChild as CfnElement);
    expect(ref).toEqual({ Ref: logicalId });
    const api = JSON.parse(variablesOf(built).DEPLOY_ENVIRONMENT_API);
    expect(api).toMatchObject({ name: 'api', taskDefinitionArn: `\${${logicalId}}`, containerName: 'web', containerPort: 3000 });
    const text = buildText(spec);
    expect(text).toContain('arn="$(python3 "$HELPER" task-definition-arn "$name")"');
    expect(text).toContain('as_role "$role" "$region" ecs describe-task-definition --task-definition "$arn"');
    const family = built.stack.resolve(built.service.taskDefinition.family);
    expect(JSON.stringify(projectProps(built))).not.toContain(JSON.stringify(family));
  });

  it('writes an AppSpec with the service\'s container, port and smoke-test hook', () => {
    // THEN appspec-api.yaml targets container web:3000 and runs the built-in smoke test after test traffic
    const appSpec = appSpecOf(built, 'api');
    expect(appSpec.Resources).toEqual([{
      TargetService: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: '<TASK_DEFINITION>',
          LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 3000 },
          // The service's strategy (non-production default), so CodeDeploy keeps Spot.
          CapacityProviderStrategy: [
            { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
            { CapacityProvider: 'FARGATE_SPOT', Base: 0, Weight: 4 },
          ],
        },
      },
    }]);
    const smokeTestArn = show(built.stack.resolve(built.service.smokeTest!.function.functionArn));
    expect(smokeTestArn).toMatch(/^<ApiSmokeTestFunction[0-9A-F]{8}\.Arn>$/);
    expect(appSpec.Hooks).toEqual([{ AfterAllowTestTraffic: smokeTestArn }]);
    expect(built.service.appSpecHooks).toEqual({ AfterAllowTestTraffic: built.service.smokeTest!.function.functionArn });
  });

  it('renders artifacts for exactly the given environments', () => {
    // THEN only api's files are written, and the description lists the environments
    expect(variablesOf(built).DEPLOY_ENVIRONMENTS).toBe('DEPLOY_ENVIRONMENT_API');
    expect(JSON.stringify(spec)).not.toContain('api');
    expect(spec.artifacts).toEqual({ 'base-directory': 'deploy-artifacts', 'files': ['**/*'] });
    expect(projectProps(built).Description).toBe('Builds Dockerfile, gates on the ECR scan and renders the deploy artifacts of api');
  });

  it('defaults to ./Dockerfile, a CRITICAL scan gate, no unit tests, SMALL compute, a 60 minute timeout and the AWS managed key', () => {
    // THEN (on the synthesis of beforeAll)
    expect(JSON.parse(variablesOf(built).IMAGE_BUILD_SETTINGS)).toEqual({
      dockerfile: 'Dockerfile', buildDirectory: '.', buildArgs: {}, scanSeverityThreshold: 'CRITICAL', imageTagLength: 128, ...SHARED_SETTINGS,
    });
    expect(buildText(spec)).not.toMatch(/unit test/i);
    expect(built.imageBuild.unitTests).toBeUndefined();
    built.template.hasResourceProperties('AWS::CodeBuild::Project', {
      TimeoutInMinutes: 60,
      Environment: Match.objectLike({ ComputeType: 'BUILD_GENERAL1_SMALL' }),
      EncryptionKey: 'alias/aws/s3',
    });
  });

  it('builds in a privileged x86 standard:7.0 container with the local Docker layer cache', () => {
    // THEN (on the synthesis of beforeAll)
    built.template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ Type: 'LINUX_CONTAINER', Image: 'aws/codebuild/standard:7.0', PrivilegedMode: true }),
      Cache: { Type: 'LOCAL', Modes: ['LOCAL_DOCKER_LAYER_CACHE'] },
      Artifacts: { Type: 'CODEPIPELINE' },
      Source: Match.objectLike({ Type: 'CODEPIPELINE' }),
    });
  });

  it('grants push/pull and scan reads on the repository only, plus the three actions without resource-level permissions', () => {
    // THEN no ECR wildcard action, no ECR action on '*' but GetAuthorizationToken, only ecs:DescribeTaskDefinition
    const statements = roleStatements(built);
    const repositoryArn = built.stack.resolve(built.repository.repositoryArn);
    const ecrActions = statements.flatMap(actionsOf).filter(a => a.startsWith('ecr:'));
    expect(ecrActions.filter(a => a.includes('*'))).toEqual([]);
    for (const action of [
      'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage',
      'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage',
      'ecr:DescribeImages', 'ecr:DescribeImageScanFindings',
    ]) {
      const granting = statements.filter(s => actionsOf(s).includes(action));
      expect({ action, resources: granting.map(s => s.Resource) }).toEqual({ action, resources: [repositoryArn] });
    }
    const onStar = statements.filter(s => s.Resource === '*');
    expect(onStar.map(s => actionsOf(s)).sort()).toEqual([['ecr:GetAuthorizationToken'], ['ecr:GetRegistryScanningConfiguration'], ['ecs:DescribeTaskDefinition']]);
    expect(statements.flatMap(actionsOf).filter(a => a.startsWith('ecs:'))).toEqual(['ecs:DescribeTaskDefinition']);
    expect(statements.flatMap(actionsOf).filter(a => a.startsWith('iam:'))).toEqual([]);
  });

  it('is granted every AWS API the buildspec calls, on the resource it calls it on', () => {
    // GIVEN the AWS CLI calls of the buildspec, direct or through as_role (with the build's own role
    // for a local environment; an unknown call fails here until it is mapped and granted)
    const text = buildText(spec);
    const calls = [...new Set([...text.matchAll(/\b(?:aws|as_role "\$role" "\$region") (ecr|ecs|s3) ((?:wait )?[a-z-]+)/g)].map(m => `${m[1]} ${m[2]}`))].sort();
    const needs: { [call: string]: [string, 'repository' | 'asset' | '*'] } = {
      'ecr get-login-password': ['ecr:GetAuthorizationToken', '*'],
      'ecr describe-images': ['ecr:DescribeImages', 'repository'],
      'ecr get-registry-scanning-configuration': ['ecr:GetRegistryScanningConfiguration', '*'],
      'ecr describe-image-scan-findings': ['ecr:DescribeImageScanFindings', 'repository'],
      'ecs describe-task-definition': ['ecs:DescribeTaskDefinition', '*'],
      's3 cp': ['s3:GetObject', 'asset'],
    };
    expect(calls).toEqual(Object.keys(needs).sort());
    // THEN the role allows each on the expected resource, and docker push / pull on the repository
    const statements = roleStatements(built);
    const repositoryArn = built.stack.resolve(built.repository.repositoryArn);
    const allows = (action: string, resource: any) => statements.some(st =>
      st.Effect === 'Allow' && actionsOf(st).includes(action) && JSON.stringify(st.Resource) === JSON.stringify(resource));
    const assetObjects = built.stack.resolve(built.imageBuild.scripts.bucket.arnForObjects('*'));
    const allowsObjectRead = statements.some(st => st.Effect === 'Allow' && actionsOf(st).includes('s3:GetObject*')
      && [st.Resource].flat().some((r: any) => JSON.stringify(r) === JSON.stringify(assetObjects)));
    for (const [call, [action, on]] of Object.entries(needs)) {
      const allowed = on === 'asset' ? allowsObjectRead : allows(action, on === '*' ? '*' : repositoryArn);
      expect({ call, allowed }).toEqual({ call, allowed: true });
    }
    expect(text).toContain('docker push "$REPOSITORY_URI:$tag"');
    expect(text).toContain('aws s3 cp --only-show-errors "$IMAGE_BUILD_SCRIPTS_URL"');
    for (const action of ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:BatchCheckLayerAvailability']) {
      expect({ action, allowed: allows(action, repositoryArn) }).toEqual({ action, allowed: true });
    }
  });
});

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

describe('ImageBuild options', () => {
  it('passes dockerfile, build directory, build args, unit tests, threshold, compute type, timeout and key through', () => {
    // GIVEN every build option set, and a KMS key
    let key: kms.IKey | undefined;
    const built = buildFor({
      dockerfile: 'docker/app.Dockerfile',
      buildDirectory: 'services/api',
      buildArgs: { NODE_ENV: 'production' },
      unitTestCommands: ['npm ci', 'npm test'],
      scanSeverityThreshold: ScanSeverity.HIGH,
      buildComputeType: codebuild.ComputeType.MEDIUM,
      buildTimeout: Duration.minutes(90),
    }, stack => ({ encryptionKey: key = new kms.Key(stack, 'Key') }));
    const spec = buildSpecOf(built);
    // THEN the build's settings variable and the project reflect them
    expect(JSON.parse(variablesOf(built).IMAGE_BUILD_SETTINGS)).toMatchObject({
      dockerfile: 'docker/app.Dockerfile', buildDirectory: 'services/api', buildArgs: { NODE_ENV: 'production' }, scanSeverityThreshold: 'HIGH',
    });
    expect(JSON.stringify(spec)).not.toContain('npm test');
    expect(JSON.stringify(projectProps(built).Environment)).not.toContain('npm test');
    const unitTests = built.template.toJSON().Resources[logicalIdOf(built, built.imageBuild.unitTests!)].Properties;
    expect(JSON.parse(unitTests.Source.BuildSpec).phases.build.commands).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
    expect(unitTests).toMatchObject({ TimeoutInMinutes: 90, EncryptionKey: built.stack.resolve(key!.keyArn), Environment: { ComputeType: 'BUILD_GENERAL1_MEDIUM' } });
    built.template.hasResourceProperties('AWS::CodeBuild::Project', {
      TimeoutInMinutes: 90,
      Environment: Match.objectLike({ ComputeType: 'BUILD_GENERAL1_MEDIUM' }),
      Description: Match.stringLikeRegexp('^Builds docker/app\\.Dockerfile,'),
      EncryptionKey: built.stack.resolve(key!.keyArn),
    });
  });

  it('skips the scan gate with ScanSeverity.NONE', () => {
    // GIVEN threshold NONE / WHEN built / THEN the scripts get NONE (they then skip the gate: test/image-build-spec.test.ts)
    // and the project may not read the registry's scanning configuration
    const built = buildFor({ scanSeverityThreshold: ScanSeverity.NONE });
    expect(JSON.parse(variablesOf(built).IMAGE_BUILD_SETTINGS).scanSeverityThreshold).toBe('NONE');
    expect(roleStatements(built).flatMap(actionsOf)).not.toContain('ecr:GetRegistryScanningConfiguration');
  });
});

// ---------------------------------------------------------------------------
// Invalid props
// ---------------------------------------------------------------------------

describe('ImageBuild rejects invalid props, naming the prop', () => {
  // GIVEN one stack with a service, never synthesized: every case only constructs an ImageBuild
  let stack: Stack;
  let service: BlueGreenFargateService;
  let repository: ecr.Repository;
  beforeAll(() => {
    stack = new Stack(new App(), 'Invalid');
    service = new BlueGreenFargateService(stack, 'Api');
    repository = new ecr.Repository(stack, 'Repository');
  });
  let n = 0;
  // WHEN an ImageBuild is created with `props` / THEN (in each case) it throws naming the prop
  const create = (props: Partial<ImageBuildProps>) => () =>
    new ImageBuild(stack, `Build${n++}`, { repository, environments: [service], ...props });

  it.each([
    ['../Dockerfile'],
    ['app/../../Dockerfile'],
    ['/Dockerfile'],
    ['Docker file'],
    [''],
  ])('dockerfile %j', (dockerfile) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ dockerfile })).toThrow(/^dockerfile \(/);
  });

  it('quotes the rejected dockerfile and says what is allowed', () => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ dockerfile: '../Dockerfile' })).toThrow("dockerfile ('../Dockerfile') must be a path relative to the repository root");
  });

  it.each([['..'], ['../app'], ['/srv/app']])('buildDirectory %j', (buildDirectory) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ buildDirectory })).toThrow(/^buildDirectory \(/);
  });

  it.each([['1ST'], ['NODE-ENV'], ['A B'], ['']])('buildArgs key %j', (key) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ buildArgs: { [key]: 'x' } })).toThrow(/buildArgs\['.*'\] \('.*'\) must be a build argument name/);
  });

  it('a buildspec or a variable that would exceed CodeBuild\'s limits (25,600 characters inline, 4,096 per variable)', () => {
    // GIVEN unit test commands so long the deployed buildspec cannot fit / WHEN constructing / THEN
    expect(create({ unitTestCommands: [`echo ${'x'.repeat(26_000)}`] }))
      .toThrow(/^unitTestCommands make the unit tests' buildspec about \d+ characters once deployed; CodeBuild accepts at most 25600 inline/);
    expect(create({ buildArgs: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`ARG_${i}`, 'x'.repeat(60)])) }))
      .toThrow(/^buildArgs and additionalContainers\[\]\.buildArgs \(with the Dockerfiles and build directories\) make the image build's environment variable IMAGE_BUILD_SETTINGS about \d+ characters once deployed; CodeBuild accepts at most 4096 per variable: use fewer\/shorter buildArgs or additionalContainers\[\]\.buildArgs/);
  });

  it('empty environments', () => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ environments: [] })).toThrow(/^environments \(none given\) must list at least one environment \(an IImageBuildEnvironment, e\.g\. a BlueGreenFargateService\)$/);
  });

  it.each([
    ['shorter than 5 minutes', Duration.minutes(4)],
    ['longer than 36 hours', Duration.hours(37)],
    ['not whole minutes', Duration.seconds(330)],
  ])('buildTimeout %s', (_what, buildTimeout) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ buildTimeout })).toThrow(/^buildTimeout \(/);
  });

  it('unitTestCommands with an empty command', () => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ unitTestCommands: ['npm test', ' '] })).toThrow(/unitTestCommands\[1\]/);
  });

  it('accepts the boundary values', () => {
    // GIVEN valid boundary values / WHEN constructing / THEN nothing throws
    expect(create({ buildTimeout: Duration.minutes(5) })).not.toThrow();
    expect(create({ buildTimeout: Duration.hours(36) })).not.toThrow();
    expect(create({ dockerfile: 'a/b/Dockerfile.prod', buildDirectory: './app', buildArgs: { _X1: '1' } })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------
// Unit tests without the build's grants
// ---------------------------------------------------------------------------

describe('ImageBuild unitTestCommands', () => {
  let built: Built;
  let unitTests: any;
  beforeAll(() => {
    // GIVEN unit test commands
    // WHEN built
    built = buildFor({ unitTestCommands: ['npm ci', 'npm test'] });
    unitTests = built.template.toJSON().Resources[logicalIdOf(built, built.imageBuild.unitTests!)].Properties;
  });

  it('run in a project of their own: unprivileged, no cache, no environment variables, no artifacts of their own', () => {
    // THEN
    built.template.resourceCountIs('AWS::CodeBuild::Project', 2);
    expect(unitTests.Environment).toEqual({
      Type: 'LINUX_CONTAINER',
      Image: 'aws/codebuild/standard:7.0',
      ComputeType: 'BUILD_GENERAL1_SMALL',
      PrivilegedMode: false,
      ImagePullCredentialsType: 'CODEBUILD',
    });
    expect(unitTests.Cache).toEqual({ Type: 'NO_CACHE' });
    expect(unitTests.Artifacts).toEqual({ Type: 'CODEPIPELINE' });
    expect(JSON.parse(unitTests.Source.BuildSpec).phases.build.commands).toEqual(['echo "Running 2 unit test command(s)"', 'npm ci', 'npm test', 'echo "Unit tests passed"']);
    expect(JSON.stringify(buildSpecOf(built))).not.toContain('npm test');
  });

  it('have a role that can neither push images, read task definitions nor touch other AWS resources', () => {
    // THEN the role's statements are its own logs and reports only (the pipeline action adds artifact reads)
    const roleRef = built.stack.resolve(built.imageBuild.unitTests!.role!.roleName);
    const policies = built.template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([roleRef]) } });
    const statementActions = Object.values<any>(policies).flatMap(p => p.Properties.PolicyDocument.Statement).flatMap(actionsOf);
    expect(statementActions.filter(a => !/^(logs|codebuild):/.test(a))).toEqual([]);
    expect(built.imageBuild.unitTests!.role).not.toBe(built.imageBuild.project.role);
  });
});

// ---------------------------------------------------------------------------
// Supply chain: only the build pushes, reuse only what it can prove it made
// ---------------------------------------------------------------------------

describe('ImageBuild restrictRepositoryPushes', () => {
  const PUSH_ACTIONS = ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'];

  it('denies pushes to every principal but the build role, and lets the build reuse its own tag', () => {
    // GIVEN / WHEN
    const built = buildFor({ restrictRepositoryPushes: true });
    // THEN the repository policy has exactly this Deny, excepting the build role by aws:PrincipalArn
    built.template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Version: '2012-10-17',
        Statement: [{
          Sid: 'OnlyTheImageBuildPushes',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: PUSH_ACTIONS,
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': [built.stack.resolve(built.imageBuild.project.role!.roleArn)] } },
        }],
      },
    });
    // and the build role keeps its Allow for the same actions (the Deny does not apply to it)
    const statements = roleStatements(built);
    for (const action of PUSH_ACTIONS) {
      expect(statements.some(st => st.Effect === 'Allow' && actionsOf(st).includes(action))).toBe(true);
    }
    expect(projectProps(built).Environment.EnvironmentVariables).toContainEqual({ Name: 'REUSE_EXISTING_IMAGE', Type: 'PLAINTEXT', Value: 'true' });
    expect(built.annotations.findWarning('*', Match.stringLikeRegexp('repositoryPushesUnrestricted'))).toEqual([]);
  });

  it('is off by default: no repository policy, no reuse, and a warning', () => {
    // GIVEN / WHEN
    const built = buildFor();
    // THEN
    built.template.hasResourceProperties('AWS::ECR::Repository', { RepositoryPolicyText: Match.absent() });
    expect(projectProps(built).Environment.EnvironmentVariables).toContainEqual({ Name: 'REUSE_EXISTING_IMAGE', Type: 'PLAINTEXT', Value: 'false' });
    built.annotations.hasWarning('/Test/ImageBuild', Match.stringLikeRegexp('cannot be restricted to the image build by this construct'));
  });

  it('additionalPushers without restrictRepositoryPushes: a warning naming both props', () => {
    // GIVEN / WHEN a role that may push, but no restriction to make an exception to
    const built = buildFor({}, stack => ({ additionalPushers: [new iam.Role(stack, 'Tagger', { assumedBy: new iam.AccountRootPrincipal() })] }));
    // THEN
    built.annotations.hasWarning('/Test/ImageBuild', Match.stringLikeRegexp(
      '^additionalPushers \\(1 role\\(s\\)\\) have no effect without restrictRepositoryPushes: true.*\\[ack: cdk-ecs-cicd-pipeline:additionalPushersWithoutRestriction\\]'));
    // and none with the restriction
    const restricted = buildFor({ restrictRepositoryPushes: true }, stack => ({ additionalPushers: [new iam.Role(stack, 'Tagger', { assumedBy: new iam.AccountRootPrincipal() })] }));
    expect(restricted.annotations.findWarning('*', Match.stringLikeRegexp('additionalPushers'))).toEqual([]);
  });

  it('rejects a repository whose policy this stack does not manage', () => {
    // GIVEN an imported repository / WHEN / THEN the error names the prop
    expect(() => buildFor({ restrictRepositoryPushes: true }, stack => ({ repository: ecr.Repository.fromRepositoryName(stack, 'Imported', 'shop') })))
      .toThrow(/^restrictRepositoryPushes \(true\) needs a repository created in this stack/);
  });
});

// ---------------------------------------------------------------------------
// The scripts: an asset of this package, fetched and run by a buildspec of fixed size
// ---------------------------------------------------------------------------

describe('ImageBuild scripts', () => {
  it.each([
    ['with env: { account, region }', ENV],
    ['env-agnostic', undefined],
  ])('are a directory asset of build-scripts/image-build/ the project may read (%s)', (_what, env) => {
    // GIVEN / WHEN
    const stack = new Stack(new App(), 'Test', { env });
    const service = new BlueGreenFargateService(stack, 'Api', { environmentName: 'api' });
    const imageBuild = new ImageBuild(stack, 'ImageBuild', { repository: new ecr.Repository(stack, 'Repository'), environments: [service] });
    const assembly = App.of(stack)!.synth();
    // THEN the asset is the folder the package ships, staged with the two scripts
    expect(imageBuild.scripts.isZipArchive).toBe(true);
    const staged = path.join(assembly.directory, imageBuild.scripts.assetPath);
    expect(fs.readdirSync(staged).sort()).toEqual(['image-build.sh', 'image_build.py']);
    expect(fs.readFileSync(path.join(staged, IMAGE_BUILD_SCRIPT), 'utf8')).toBe(fs.readFileSync(path.join(SCRIPTS_DIR, IMAGE_BUILD_SCRIPT), 'utf8'));
    // and the build role may read the asset's objects
    const template = Template.fromStack(stack);
    const role = stack.resolve(imageBuild.project.role!.roleName);
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([role]) } }))
      .flatMap(p => p.Properties.PolicyDocument.Statement);
    const objects = stack.resolve(imageBuild.scripts.bucket.arnForObjects('*'));
    expect(statements.some(st => actionsOf(st).includes('s3:GetObject*') && JSON.stringify([st.Resource].flat()).includes(JSON.stringify(objects)))).toBe(true);
    if (env) { expect(show(objects)).toContain(`cdk-hnb659fds-assets-${env.account}-${env.region}/*`); }
  });

  it('resolve from the installed package: lib/pipeline/ -> ../../build-scripts/image-build', () => {
    // GIVEN the layout of the npm package (lib/ and build-scripts/ at its root) / THEN
    const libDir = path.join(__dirname, '..', 'lib', 'pipeline');
    expect(path.join(libDir, '..', '..', ...IMAGE_BUILD_SCRIPTS_FOLDER)).toBe(SCRIPTS_DIR);
    expect(fs.existsSync(path.join(SCRIPTS_DIR, IMAGE_BUILD_SCRIPT))).toBe(true);
  });
});

describe('ImageBuild with many environments', () => {
  /** An EcsCiCdPipeline with `count` environments, the last one production (one stack: resource limit lifted for the test). */
  function pipelineWith(count: number) {
    const app = new App({ context: { '@aws-cdk/core:stackResourceLimit': 0 } });
    const stack = new Stack(app, 'Test', { env: ENV });
    const pipeline = new EcsCiCdPipeline(stack, 'Pipeline', {
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc' }),
      environments: Array.from({ length: count }, (_, i) => (i === count - 1
        ? { name: 'prod', production: true, requireApproval: true }
        : { name: `stage-${i + 1}` })),
    });
    const template = Template.fromStack(stack);
    const project = template.toJSON().Resources[stack.getLogicalId(pipeline.imageBuild.project.node.defaultChild as CfnElement)].Properties;
    return { stack, pipeline, template, project };
  }

  let one: ReturnType<typeof pipelineWith>;
  let twenty: ReturnType<typeof pipelineWith>;
  beforeAll(() => {
    one = pipelineWith(1);
    twenty = pipelineWith(20);
  });

  it('20 environments synthesize, with the same buildspec as 1 environment', () => {
    // THEN the buildspec is the same text (a few hundred characters), far below CodeBuild's 25,600
    expect(twenty.project.Source.BuildSpec).toBe(one.project.Source.BuildSpec);
    expect(twenty.project.Source.BuildSpec.length).toBeLessThan(1000);
    // and each environment has a variable of its own, well below 4,096 characters once deployed
    const names = twenty.project.Environment.EnvironmentVariables.map((v: any) => v.Name);
    expect(names).toHaveLength(6 + 20);
    for (const variable of twenty.project.Environment.EnvironmentVariables) {
      // tokens counted at 320 characters (an ARN with a 255-character task definition family)
      const text = show(variable.Value).replace(/<[^>]+>|\$\{[^}]+\}/g, 'x'.repeat(320));
      expect({ name: variable.Name, fits: text.length + variable.Name.length + 1 <= 4096 }).toEqual({ name: variable.Name, fits: true });
    }
  });

  it('the deploy actions read exactly the files the scripts write, and the build action sets SOURCE_REVISION (one contract)', () => {
    // GIVEN the 20-environment pipeline / THEN every Deploy-<env> action names taskdef-<env>.json,
    // appspec-<env>.yaml and the IMAGE1_NAME placeholder as build-contract.ts spells them
    const stages = Object.values<any>(twenty.template.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages;
    const deploys = stages.flatMap((s: any) => s.Actions).filter((a: any) => a.ActionTypeId.Provider === 'CodeDeployToECS');
    expect(deploys).toHaveLength(20);
    deploys.forEach((action: any, i: number) => {
      const name = twenty.pipeline.environments[i].environmentName;
      expect(action.Configuration).toMatchObject({
        TaskDefinitionTemplatePath: taskDefinitionFile(name),
        AppSpecTemplatePath: appSpecFile(name),
        Image1ContainerName: IMAGE_PLACEHOLDER_NAME,
      });
    });
    expect(SHARED_SETTINGS.imagePlaceholder).toBe(`<${IMAGE_PLACEHOLDER_NAME}>`);
    const build = stages.find((s: any) => s.Name === 'Build').Actions.find((a: any) => a.ActionTypeId.Provider === 'CodeBuild');
    expect(JSON.parse(build.Configuration.EnvironmentVariables).map((v: any) => v.name)).toEqual([SOURCE_REVISION_VARIABLE]);
    // and the scripts read SOURCE_REVISION and the variables the construct sets, by these names
    const script = fs.readFileSync(path.join(SCRIPTS_DIR, IMAGE_BUILD_SCRIPT), 'utf8');
    const helper = fs.readFileSync(path.join(SCRIPTS_DIR, 'image_build.py'), 'utf8');
    for (const name of [SOURCE_REVISION_VARIABLE, 'REPOSITORY_URI', 'REPOSITORY_NAME', 'REUSE_EXISTING_IMAGE', 'IMAGE_BUILD_SETTINGS', 'DEPLOY_ENVIRONMENTS']) {
      expect({ name, inScript: script.includes(name) }).toEqual({ name, inScript: true });
    }
    expect(helper).toContain("SETTINGS_VARIABLE = 'IMAGE_BUILD_SETTINGS'");
    // the public ScanSeverity values are the severities the scripts rank, plus NONE
    expect(Object.values(ScanSeverity).sort()).toEqual([...SCAN_SEVERITIES, NO_SCAN_GATE].sort());
    expect(helper).toContain("ENVIRONMENTS_VARIABLE = 'DEPLOY_ENVIRONMENTS'");
  });
});

// ---------------------------------------------------------------------------
// Per-engine outputs: an engine that deploys from imagedefinitions only
// ---------------------------------------------------------------------------

/** A stand-in engine (ECS controller) that deploys from `imagedefinitions-<env>.json` alone, like CodePipeline's standard ECS action. */
class ImageDefinitionsEngine extends BlueGreenDeployment {
  public readonly deploymentController: ecs.DeploymentController = { type: ecs.DeploymentControllerType.ECS };
  public bind(_scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget {
    return {
      buildOutputFiles: [imageDefinitionsFile(options.environmentName)],
      deployAction: (_s: Construct, o: DeployActionOptions) => new actions.ManualApprovalAction({ actionName: o.actionName, runOrder: o.runOrder }),
    };
  }
}

describe('ImageBuild: per environment, the files its engine deploys from', () => {
  /** A stack with one service per engine (null: CodeDeploy) and an ImageBuild for them. */
  function buildWith(engines: Array<BlueGreenDeployment | undefined>): Built {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const services = engines.map((blueGreen, i) => new BlueGreenFargateService(stack, `Env${i}`, { environmentName: `env${i}`, blueGreen }));
    const repository = new ecr.Repository(stack, 'Repository');
    const imageBuild = new ImageBuild(stack, 'ImageBuild', { repository, environments: services });
    const annotations = Annotations.fromStack(stack);
    return { stack, service: services[0], repository, imageBuild, annotations, template: Template.fromStack(stack) };
  }

  test('only imagedefinitions environments: no ecs:DescribeTaskDefinition, and no task definition ARN in their data', () => {
    // GIVEN / WHEN two environments whose engine reads imagedefinitions only
    const built = buildWith([new ImageDefinitionsEngine(), new ImageDefinitionsEngine()]);
    // THEN the role may not describe task definitions
    expect(roleStatements(built).flatMap(actionsOf)).not.toContain('ecs:DescribeTaskDefinition');
    // and each environment's data names its one file and no task definition
    const variables = variablesOf(built);
    for (const name of ['env0', 'env1']) {
      const data = JSON.parse(variables[`DEPLOY_ENVIRONMENT_${name.toUpperCase()}`]);
      expect(data.outputs).toEqual({ imageDefinitions: imageDefinitionsFile(name) });
      expect(data).not.toHaveProperty('taskDefinitionArn');
    }
  });

  test('one CodeDeploy environment among them keeps ecs:DescribeTaskDefinition on * and its data as before', () => {
    // GIVEN / WHEN an imagedefinitions environment and a CodeDeploy one
    const built = buildWith([new ImageDefinitionsEngine(), undefined]);
    // THEN
    const statements = roleStatements(built).filter(s => actionsOf(s).includes('ecs:DescribeTaskDefinition'));
    expect(statements.map(s => [actionsOf(s), s.Resource])).toEqual([[['ecs:DescribeTaskDefinition'], '*']]);
    const codeDeploy = JSON.parse(variablesOf(built).DEPLOY_ENVIRONMENT_ENV1);
    expect(Object.keys(codeDeploy)).toEqual(['name', 'taskDefinitionArn', 'containerName', 'containerPort', 'hooks', 'capacityProviderStrategy']);
  });

  test('an engine\'s buildData reaches its environment\'s variable as given, after the build\'s own keys, which it may not redefine', () => {
    // GIVEN an engine that hands the build data of its own
    class DataEngine extends ImageDefinitionsEngine {
      constructor(private readonly data: { [key: string]: any }) { super(); }
      public bind(scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget {
        return { ...super.bind(scope, options), buildData: this.data };
      }
    }
    // WHEN / THEN
    const data = JSON.parse(variablesOf(buildWith([new DataEngine({ weights: [1, 2] })])).DEPLOY_ENVIRONMENT_ENV0);
    expect(Object.keys(data)).toEqual(['name', 'containerName', 'containerPort', 'weights', 'outputs']);
    expect(data.weights).toEqual([1, 2]);
    expect(() => buildWith([new DataEngine({ containerPort: 1 })])).toThrow(/^\[env0\] the engine's build data redefines containerPort; these keys are the build's own/);
  });

  test('an environment in another account whose engine hands buildData but renders no task definition publishes that data there', () => {
    // GIVEN an imagedefinitions engine with data of its own, in another account than the build
    class DataEngine extends ImageDefinitionsEngine {
      public bind(scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget {
        return { ...super.bind(scope, options), buildData: { weights: [1, 2] } };
      }
    }
    const app = new App();
    const tools = new Stack(app, 'Tools', { env: ENV });
    const elsewhere = new Stack(app, 'Elsewhere', { env: { account: '222222222222', region: 'eu-west-1' } });
    const withData = new BlueGreenFargateService(elsewhere, 'WithData', { environmentName: 'data', blueGreen: new DataEngine() });
    const without = new BlueGreenFargateService(elsewhere, 'Without', { environmentName: 'plain', blueGreen: new ImageDefinitionsEngine() });
    // WHEN
    const imageBuild = new ImageBuild(tools, 'ImageBuild', { repository: new ecr.Repository(tools, 'Repository'), environments: [withData, without] });
    // THEN the data's environment is read from its account: its variable says where ...
    const template = Template.fromStack(tools).toJSON();
    const variables = Object.fromEntries(template.Resources[tools.getLogicalId(imageBuild.project.node.defaultChild as CfnElement)]
      .Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, show(v.Value)]));
    expect(Object.keys(JSON.parse(variables.DEPLOY_ENVIRONMENT_DATA))).toEqual(['name', 'remote']);
    // ... and its stack publishes the data, weights included, with a role that may read it but not describe task definitions
    const remote = Template.fromStack(elsewhere);
    const parameters = Object.values<any>(remote.findResources('AWS::SSM::Parameter'));
    expect(parameters).toHaveLength(1);
    expect(JSON.parse(show(parameters[0].Properties.Value))).toMatchObject({ name: 'data', weights: [1, 2], outputs: { imageDefinitions: 'imagedefinitions-data.json' } });
    const statements = Object.values<any>(remote.findResources('AWS::IAM::Policy'))
      .filter(p => JSON.stringify(p.Properties.Roles).includes('BuildDataReader')).flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(statements.flatMap(actionsOf)).toContain('ssm:GetParameter');
    expect(statements.flatMap(actionsOf)).not.toContain('ecs:DescribeTaskDefinition');
    // an environment without data stays inline, with nothing to read there
    expect(JSON.parse(variables.DEPLOY_ENVIRONMENT_PLAIN)).toMatchObject({ name: 'plain', containerName: 'app', outputs: { imageDefinitions: 'imagedefinitions-plain.json' } });
  });

  test('the real script renders exactly the requested file for an imagedefinitions environment', () => {
    // GIVEN the project's variables of an imagedefinitions environment, and a recorded image
    const built = buildWith([new ImageDefinitionsEngine()]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagedefinitions-'));
    try {
      fs.cpSync(SCRIPTS_DIR, path.join(dir, 'scripts'), { recursive: true });
      fs.mkdirSync(path.join(dir, SHARED_SETTINGS.artifactDirectory));
      const uri = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:${'a'.repeat(64)}`;
      const run = (...args: string[]) => spawnSync('python3', [path.join(dir, 'scripts', 'image_build.py'), ...args],
        { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...variablesOf(built) } });
      // WHEN
      expect(run('record-image', '0', uri).status).toBe(0);
      const kinds = run('output-kinds', 'env0');
      const rendered = run('render-imagedefinitions', 'env0');
      // THEN
      expect(kinds.stdout.trim()).toBe('imageDefinitions');
      expect(rendered.status).toBe(0);
      expect(fs.readdirSync(path.join(dir, SHARED_SETTINGS.artifactDirectory))).toEqual(['imagedefinitions-env0.json']);
      expect(JSON.parse(fs.readFileSync(path.join(dir, SHARED_SETTINGS.artifactDirectory, 'imagedefinitions-env0.json'), 'utf8')))
        .toEqual([{ name: 'app', imageUri: uri }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ImageBuild environments are IImageBuildEnvironment', () => {
  test('any object with a name, a Fargate task definition, containers and files will do (not only BlueGreenFargateService)', () => {
    // GIVEN an environment that is not a BlueGreenFargateService
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    taskDefinition.addContainer('web', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), portMappings: [{ containerPort: 80 }] });
    const environment: IImageBuildEnvironment = {
      environmentName: 'edge',
      taskDefinition,
      containerName: 'web',
      loadBalancerContainerName: 'web',
      loadBalancerContainerPort: 80,
      buildOutputFiles: [imageDefinitionsFile('edge')],
    };
    // WHEN
    const imageBuild = new ImageBuild(stack, 'ImageBuild', { repository: new ecr.Repository(stack, 'Repository'), environments: [environment] });
    // THEN its data reaches the build
    const template = Template.fromStack(stack).toJSON();
    const project = template.Resources[stack.getLogicalId(imageBuild.project.node.defaultChild as CfnElement)];
    const data = project.Properties.Environment.EnvironmentVariables.find((v: any) => v.Name === 'DEPLOY_ENVIRONMENT_EDGE');
    expect(JSON.parse(show(data.Value))).toMatchObject({ name: 'edge', containerName: 'web', containerPort: 80, outputs: { imageDefinitions: 'imagedefinitions-edge.json' } });
  });
});
