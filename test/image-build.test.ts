import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BlueGreenFargateService, ImageBuild, ImageBuildProps, ScanSeverity } from '../src';
import { show } from './support/iam';

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

/** Every command of a phase, joined (commands are multi-line shell snippets). */
function phaseText(spec: any, phase: 'pre_build' | 'build' | 'post_build'): string {
  return spec.phases[phase].commands.join('\n');
}

/** The AppSpec the build writes for `environment` (compact JSON, a valid YAML document, single-quoted for printf). */
function appSpecOf(spec: any, environment: string): any {
  const printf = new RegExp(`printf '%s\\\\n' '(.*)' > deploy-artifacts/appspec-${environment}\\.yaml`);
  const match = printf.exec(phaseText(spec, 'post_build'));
  if (!match) { throw new Error(`no appspec-${environment}.yaml in post_build`); }
  return JSON.parse(match[1]);
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

  it('creates one CodeBuild project with the repository, the reuse flag and each task definition ARN as environment variables', () => {
    // THEN REPOSITORY_URI / REPOSITORY_NAME reference the repository, reuse is off (pushes are not
    // restricted by default), TASK_DEFINITION_ARN_API is the task definition's Ref; nothing else is set
    built.template.resourceCountIs('AWS::CodeBuild::Project', 1);
    built.template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({
        EnvironmentVariables: [
          { Name: 'REPOSITORY_URI', Type: 'PLAINTEXT', Value: built.stack.resolve(built.repository.repositoryUri) },
          { Name: 'REPOSITORY_NAME', Type: 'PLAINTEXT', Value: built.stack.resolve(built.repository.repositoryName) },
          { Name: 'REUSE_EXISTING_IMAGE', Type: 'PLAINTEXT', Value: 'false' },
          { Name: 'TASK_DEFINITION_ARN_API', Type: 'PLAINTEXT', Value: built.stack.resolve(built.service.taskDefinition.taskDefinitionArn) },
        ],
      }),
    });
    expect(built.imageBuild.repository).toBe(built.repository);
  });

  it('renders taskdef-api.json from the exact revision CDK registered: the task definition\'s Ref, not its family', () => {
    // THEN the variable holds { Ref: <task definition> } (an ARN with its revision), and the build
    // describes that ARN; the family (whose latest revision may be one the pipeline registered) appears nowhere
    const ref = built.stack.resolve(built.service.taskDefinition.taskDefinitionArn);
    expect(ref).toEqual({ Ref: built.stack.getLogicalId(built.service.taskDefinition.node.defaultChild as CfnElement) });
    const postBuild = phaseText(spec, 'post_build');
    expect(postBuild).toContain("for target in 'api:web'; do");
    expect(postBuild).toContain('aws ecs describe-task-definition --task-definition "${!variable}"');
    expect(postBuild).toContain('render-taskdef "$source" "${!variable}" "${target#*:}" "deploy-artifacts/taskdef-$name.json"');
    const family = built.stack.resolve(built.service.taskDefinition.family);
    expect(JSON.stringify(spec)).not.toContain(family);
  });

  it('writes an AppSpec with the service\'s container, port and smoke-test hook', () => {
    // THEN appspec-api.yaml targets container web:3000 and runs the built-in smoke test after test traffic
    const appSpec = appSpecOf(spec, 'api');
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
    const postBuild = phaseText(spec, 'post_build');
    expect(postBuild).toMatch(/^for target in 'api:web'; do$/m);
    expect(postBuild).toContain('"deploy-artifacts/taskdef-$name.json"');
    expect(postBuild.match(/deploy-artifacts\/appspec-[A-Za-z0-9-]+\.yaml/g)?.every(f => f === 'deploy-artifacts/appspec-api.yaml')).toBe(true);
    expect(spec.artifacts).toEqual({ 'base-directory': 'deploy-artifacts', 'files': ['**/*'] });
    expect(projectProps(built).Description).toBe('Builds Dockerfile, gates on the ECR scan and renders the deploy artifacts of api');
  });

  it('defaults to ./Dockerfile, a CRITICAL scan gate, no unit tests, SMALL compute, a 60 minute timeout and the AWS managed key', () => {
    // THEN (on the synthesis of beforeAll)
    const build = phaseText(spec, 'build');
    expect(build).toContain("docker build -f 'Dockerfile' -t \"$REPOSITORY_URI:$IMAGE_TAG\" '.'");
    expect(build).not.toContain('--build-arg');
    expect(build).toContain('python3 "$BUILD_HELPER" scan-gate "$SCAN_TYPE" CRITICAL ');
    expect(phaseText(spec, 'pre_build')).not.toMatch(/unit test/i);
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
    // GIVEN the AWS CLI calls of the buildspec (an unknown call fails here until it is mapped and granted)
    const text = ['pre_build', 'build', 'post_build'].map(p => phaseText(spec, p as any)).join('\n');
    const calls = [...new Set([...text.matchAll(/\baws (ecr|ecs) ((?:wait )?[a-z-]+)/g)].map(m => `${m[1]} ${m[2]}`))].sort();
    const needs: { [call: string]: [string, 'repository' | '*'] } = {
      'ecr get-login-password': ['ecr:GetAuthorizationToken', '*'],
      'ecr describe-images': ['ecr:DescribeImages', 'repository'],
      'ecr get-registry-scanning-configuration': ['ecr:GetRegistryScanningConfiguration', '*'],
      'ecr describe-image-scan-findings': ['ecr:DescribeImageScanFindings', 'repository'],
      'ecs describe-task-definition': ['ecs:DescribeTaskDefinition', '*'],
    };
    expect(calls).toEqual(Object.keys(needs).sort());
    // THEN the role allows each on the expected resource, and docker push / pull on the repository
    const statements = roleStatements(built);
    const repositoryArn = built.stack.resolve(built.repository.repositoryArn);
    const allows = (action: string, resource: any) => statements.some(st =>
      st.Effect === 'Allow' && actionsOf(st).includes(action) && JSON.stringify(st.Resource) === JSON.stringify(resource));
    for (const [call, [action, on]] of Object.entries(needs)) {
      expect({ call, allowed: allows(action, on === '*' ? '*' : repositoryArn) }).toEqual({ call, allowed: true });
    }
    expect(text).toContain('docker push "$REPOSITORY_URI:$IMAGE_TAG"');
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
    // THEN the buildspec and the project reflect them
    const build = phaseText(spec, 'build');
    expect(build).toContain("docker build -f 'docker/app.Dockerfile' -t \"$REPOSITORY_URI:$IMAGE_TAG\" --build-arg 'NODE_ENV=production' 'services/api'");
    expect(build).toContain('scan-gate "$SCAN_TYPE" HIGH ');
    expect(JSON.stringify(spec)).not.toContain('npm test');
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
    // GIVEN threshold NONE / WHEN built / THEN the helper's scan gate never runs
    const build = phaseText(buildSpecOf(buildFor({ scanSeverityThreshold: ScanSeverity.NONE })), 'build');
    expect(build).not.toContain('scan-gate');
    expect(build).toContain('Image scan gate disabled');
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

  it('a buildspec that would exceed CodeBuild\'s 25,600-character inline limit', () => {
    // GIVEN unit test commands so long the deployed buildspec cannot fit / WHEN constructing / THEN
    expect(create({ unitTestCommands: [`echo ${'x'.repeat(26_000)}`] }))
      .toThrow(/^unitTestCommands make the unit tests' buildspec about \d+ characters once deployed; CodeBuild accepts at most 25600 inline/);
    expect(create({ buildArgs: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`ARG_${i}`, 'x'.repeat(60)])) }))
      .toThrow(/^environments \(1\) make the image build's buildspec about \d+ characters once deployed; CodeBuild accepts at most 25600 inline/);
  });

  it('empty environments', () => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(create({ environments: [] })).toThrow(/^environments \(0\)/);
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
    expect(phaseText(buildSpecOf(built), 'pre_build')).not.toContain('npm test');
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

  it('rejects a repository whose policy this stack does not manage', () => {
    // GIVEN an imported repository / WHEN / THEN the error names the prop
    expect(() => buildFor({ restrictRepositoryPushes: true }, stack => ({ repository: ecr.Repository.fromRepositoryName(stack, 'Imported', 'shop') })))
      .toThrow(/^restrictRepositoryPushes \(true\) needs a repository created in this stack/);
  });
});
