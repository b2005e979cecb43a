import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { parse as parseYaml } from 'yaml';
import {
  BuildSpecEnvironment,
  DEPLOY_ARTIFACT_DIRECTORY,
  ImageBuildSpecOptions,
  renderImageBuildSpec,
} from '../src/pipeline/image-build-spec';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const REPOSITORY_URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';
const REPOSITORY_NAME = 'shop';
const SOURCE_REVISION = '3f9a2c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
const IMAGE_TAG = SOURCE_REVISION.slice(0, 7);
const DIGEST = 'sha256:' + 'ab12cd34'.repeat(8);
const SMOKE_TEST_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:shop-prod-smoke-test';
const READ_ONLY_FIELDS = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy', 'deregisteredAt'];

const ENVIRONMENTS: BuildSpecEnvironment[] = [
  { name: 'dev', taskDefinitionFamily: 'shop-dev-task', containerName: 'app', containerPort: 8080 },
  { name: 'staging', taskDefinitionFamily: 'shop-staging-task', containerName: 'app', containerPort: 8080 },
  { name: 'prod', taskDefinitionFamily: 'shop-prod-task', containerName: 'app', containerPort: 8443, hooks: { AfterAllowTestTraffic: SMOKE_TEST_ARN } },
];

const BASE_OPTIONS: ImageBuildSpecOptions = {
  unitTestCommands: ['echo "unit-test lint" >> "$CALL_LOG"', 'echo "unit-test jest" >> "$CALL_LOG"'],
  dockerfile: 'app/Dockerfile',
  buildDirectory: '.',
  buildArgs: { NODE_ENV: 'production', GREETING: "it's a $HOME `test`" },
  scanSeverityThreshold: 'CRITICAL',
  environments: ENVIRONMENTS,
};

const XRAY_CONTAINER = {
  name: 'xray-daemon',
  image: 'public.ecr.aws/xray/aws-xray-daemon:3.3.14',
  cpu: 32,
  memoryReservation: 256,
  essential: false,
  portMappings: [{ containerPort: 2000, hostPort: 2000, protocol: 'udp' }],
  environment: [],
  mountPoints: [],
  volumesFrom: [],
  logConfiguration: {
    logDriver: 'awslogs',
    options: { 'awslogs-group': '/ecs/shop', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'xray' },
  },
};

/** What `aws ecs describe-task-definition --task-definition <family>` prints (default JSON output). */
function describeTaskDefinitionResponse(family: string, revision: number): object {
  const account = '123456789012';
  return {
    taskDefinition: {
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:${account}:task-definition/${family}:${revision}`,
      containerDefinitions: [
        {
          name: 'app',
          image: `${REPOSITORY_URI}@sha256:${'0'.repeat(64)}`,
          cpu: 0,
          essential: true,
          portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'app-8080-tcp' }],
          environment: [{ name: 'AWS_XRAY_DAEMON_ADDRESS', value: 'localhost:2000' }],
          mountPoints: [],
          volumesFrom: [],
          dependsOn: [{ containerName: 'xray-daemon', condition: 'START' }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/shop', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'app' },
          },
        },
        XRAY_CONTAINER,
      ],
      family,
      taskRoleArn: `arn:aws:iam::${account}:role/${family}-task-role`,
      executionRoleArn: `arn:aws:iam::${account}:role/${family}-execution-role`,
      networkMode: 'awsvpc',
      revision,
      volumes: [],
      status: 'ACTIVE',
      requiresAttributes: [
        { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
        { name: 'ecs.capability.execution-role-awslogs' },
        { name: 'com.amazonaws.ecs.capability.task-iam-role' },
        { name: 'ecs.capability.task-eni' },
      ],
      placementConstraints: [],
      compatibilities: ['EC2', 'FARGATE'],
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
      registeredAt: '2024-05-02T10:11:12.345000+00:00',
      registeredBy: `arn:aws:sts::${account}:assumed-role/cdk-hnb659fds-cfn-exec-role/AWSCloudFormation`,
    },
  };
}

function describeImagesResponse(): object {
  return {
    imageDetails: [{
      registryId: '123456789012',
      repositoryName: REPOSITORY_NAME,
      imageDigest: DIGEST,
      imageTags: [IMAGE_TAG],
      imageSizeInBytes: 52428800,
      imagePushedAt: '2024-05-02T10:15:00+00:00',
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
    }],
  };
}

function scanFindingsResponse(counts: { [severity: string]: number }): object {
  const findings = Object.entries(counts).flatMap(([severity, count]) =>
    Array.from({ length: count }, (_, i) => ({ name: `CVE-2024-${severity}-${i}`, severity, uri: 'https://nvd.nist.gov/' })));
  return {
    registryId: '123456789012',
    repositoryName: REPOSITORY_NAME,
    imageId: { imageDigest: DIGEST, imageTag: IMAGE_TAG },
    imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
    imageScanFindings: {
      imageScanCompletedAt: '2024-05-02T10:16:00+00:00',
      vulnerabilitySourceUpdatedAt: '2024-05-01T00:00:00+00:00',
      ...(Object.keys(counts).length > 0 ? { findingSeverityCounts: counts, findings } : { findings: [] }),
    },
  };
}

// ---------------------------------------------------------------------------
// Stubs and driver
// ---------------------------------------------------------------------------

/** Logs argv (tab separated) to $CALL_LOG and answers from $FIXTURES_DIR, like the real CLI's default JSON output. */
const AWS_STUB = `#!/usr/bin/env bash
(IFS=$'\\t'; printf 'aws\\t%s\\n' "$*") >> "$CALL_LOG"
case "$1 $2" in
  "ecr get-login-password")
    echo "stub-ecr-password" ;;
  "ecr describe-images")
    if [ -f "$FIXTURES_DIR/image-missing-once" ]; then
      rm -f "$FIXTURES_DIR/image-missing-once"
      echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageDigest:'null', imageTag:'x'} does not exist within the repository with name 'shop' in the registry with id '123456789012'" >&2
      exit 254
    fi
    cat "$FIXTURES_DIR/describe-images.json" ;;
  "ecr wait")
    exit 0 ;;
  "ecr describe-image-scan-findings")
    cat "$FIXTURES_DIR/scan-findings.json" ;;
  "ecs describe-task-definition")
    family=""
    while [ $# -gt 0 ]; do
      if [ "$1" = "--task-definition" ]; then family="$2"; fi
      shift
    done
    if [ ! -f "$FIXTURES_DIR/taskdef-$family.json" ]; then
      echo "An error occurred (ClientException) when calling the DescribeTaskDefinition operation: Unable to describe task definition." >&2
      exit 254
    fi
    cat "$FIXTURES_DIR/taskdef-$family.json" ;;
  *)
    echo "stub aws: unexpected call: $*" >&2
    exit 2 ;;
esac
`;

const DOCKER_STUB = `#!/usr/bin/env bash
(IFS=$'\\t'; printf 'docker\\t%s\\n' "$*") >> "$CALL_LOG"
if [ "$1" = "login" ]; then cat > "$FIXTURES_DIR/docker-login-stdin"; echo "Login Succeeded"; fi
exit 0
`;

const PHASES = ['install', 'pre_build', 'build', 'post_build'];

/** One bash process for all commands, like CodeBuild 0.2; the first failing command aborts the build. */
function driverScript(spec: { [key: string]: any }): string {
  const out = ['#!/usr/bin/env bash'];
  for (const phase of PHASES) {
    const commands: string[] | undefined = spec.phases[phase]?.commands;
    if (!commands) continue;
    out.push(`echo "### PHASE ${phase}"`);
    commands.forEach((command, index) => {
      out.push(command);
      out.push(`__rc=$?; if [ "$__rc" -ne 0 ]; then echo "COMMAND FAILED: ${phase}[${index}] exited with $__rc"; exit 1; fi`);
    });
  }
  out.push('echo "### BUILD SUCCEEDED"');
  return out.join('\n') + '\n';
}

interface Scenario {
  readonly scanCounts?: { [severity: string]: number };
  /** Replaces the describe-task-definition fixture of a family. */
  readonly taskDefinition?: (family: string, revision: number) => object;
  readonly imageAlreadyExists?: boolean;
}

interface BuildResult {
  readonly succeeded: boolean;
  readonly output: string;
  /** Every stub call (and unit test marker) in order, argv split. */
  readonly calls: string[][];
  readonly artifactDir: string;
  readonly dockerLoginStdin?: string;
}

let root: string;
let binDir: string;
let pythonDir: string;
let runCounter = 0;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-build-spec-'));
  binDir = path.join(root, 'bin');
  fs.mkdirSync(binDir);
  fs.writeFileSync(path.join(binDir, 'aws'), AWS_STUB, { mode: 0o755 });
  fs.writeFileSync(path.join(binDir, 'docker'), DOCKER_STUB, { mode: 0o755 });
  // Put the real interpreter ahead of any version-manager shim (pyenv shims cost ~100 ms per call).
  pythonDir = spawnSync('python3', ['-c', 'import os, sys; print(os.path.dirname(sys.executable))'], { encoding: 'utf8' }).stdout.trim();
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function runBuild(spec: { [key: string]: any }, scenario: Scenario = {}): BuildResult {
  const runDir = path.join(root, `run-${++runCounter}`);
  const srcDir = path.join(runDir, 'src');
  const fixturesDir = path.join(runDir, 'fixtures');
  const tmpDir = path.join(runDir, 'tmp');
  for (const dir of [srcDir, path.join(srcDir, 'app'), fixturesDir, tmpDir]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(srcDir, 'app', 'Dockerfile'), 'FROM public.ecr.aws/docker/library/node:20-slim\n');
  const callLog = path.join(runDir, 'calls.log');
  fs.writeFileSync(callLog, '');

  const writeJson = (name: string, value: object) => fs.writeFileSync(path.join(fixturesDir, name), JSON.stringify(value, undefined, 4));
  writeJson('describe-images.json', describeImagesResponse());
  writeJson('scan-findings.json', scanFindingsResponse(scenario.scanCounts ?? {}));
  ENVIRONMENTS.forEach((env, i) => writeJson(`taskdef-${env.taskDefinitionFamily}.json`,
    (scenario.taskDefinition ?? describeTaskDefinitionResponse)(env.taskDefinitionFamily, 40 + i)));
  if (!scenario.imageAlreadyExists) fs.writeFileSync(path.join(fixturesDir, 'image-missing-once'), '');

  const script = path.join(runDir, 'build.sh');
  fs.writeFileSync(script, driverScript(spec));

  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CODEBUILD_')) env[key] = value;
  }
  Object.assign(env, {
    PATH: [binDir, pythonDir, process.env.PATH].filter((p) => p).join(path.delimiter),
    TMPDIR: tmpDir,
    CALL_LOG: callLog,
    FIXTURES_DIR: fixturesDir,
    REPOSITORY_URI,
    REPOSITORY_NAME,
    SOURCE_REVISION,
    AWS_DEFAULT_REGION: 'eu-west-1',
    CODEBUILD_SRC_DIR: srcDir,
  });
  const result = spawnSync('bash', [script], { cwd: srcDir, env, encoding: 'utf8', timeout: 30_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (process.env.DEBUG_BUILD_LOG) fs.writeFileSync(`${process.env.DEBUG_BUILD_LOG}-${runCounter}.log`, output);
  const loginStdin = path.join(fixturesDir, 'docker-login-stdin');
  return {
    succeeded: result.status === 0 && result.stdout.includes('### BUILD SUCCEEDED'),
    output,
    calls: fs.readFileSync(callLog, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t')),
    artifactDir: path.join(srcDir, DEPLOY_ARTIFACT_DIRECTORY),
    dockerLoginStdin: fs.existsSync(loginStdin) ? fs.readFileSync(loginStdin, 'utf8') : undefined,
  };
}

function callsOf(result: BuildResult, ...prefix: string[]): string[][] {
  return result.calls.filter((call) => prefix.every((p, i) => call[i] === p));
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function artifactFiles(result: BuildResult): string[] {
  return fs.existsSync(result.artifactDir) ? fs.readdirSync(result.artifactDir).sort() : [];
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('renderImageBuildSpec: object shape', () => {
  test('version 0.2, bash shell, deploy-artifacts base directory, every phase aborts on failure', () => {
    // GIVEN / WHEN
    const spec = renderImageBuildSpec(BASE_OPTIONS);

    // THEN
    expect(spec.version).toBe('0.2');
    expect(spec.env).toEqual({ shell: 'bash' });
    expect(spec.artifacts).toEqual({ 'base-directory': 'deploy-artifacts', 'files': ['**/*'] });
    expect(DEPLOY_ARTIFACT_DIRECTORY).toBe('deploy-artifacts');
    const phases = Object.keys(spec.phases);
    expect(phases.every((p) => PHASES.includes(p))).toBe(true);
    expect(phases).toEqual(expect.arrayContaining(['pre_build', 'build', 'post_build']));
    for (const phase of phases) {
      expect(spec.phases[phase]['on-failure']).toBe('ABORT');
      expect(spec.phases[phase].commands.length).toBeGreaterThan(0);
      for (const command of spec.phases[phase].commands) expect(typeof command).toBe('string');
    }
    // the spec is accepted by CodeBuild's own renderer
    expect(() => codebuild.BuildSpec.fromObject(spec)).not.toThrow();
  });

  test('rejects invalid options at synth time', () => {
    const env = ENVIRONMENTS[0];
    expect(() => renderImageBuildSpec({ ...BASE_OPTIONS, scanSeverityThreshold: 'SEVERE' })).toThrow(/scanSeverityThreshold/);
    expect(() => renderImageBuildSpec({ ...BASE_OPTIONS, environments: [] })).toThrow(/at least one environment/);
    expect(() => renderImageBuildSpec({ ...BASE_OPTIONS, environments: [{ ...env, name: 'dev env' }] })).toThrow(/must match/);
    expect(() => renderImageBuildSpec({ ...BASE_OPTIONS, environments: [env, { ...env, name: 'DEV' }] })).toThrow(/duplicate/);
    expect(() => renderImageBuildSpec({ ...BASE_OPTIONS, environments: [{ ...env, containerPort: 0 }] })).toThrow(/containerPort/);
    expect(() => renderImageBuildSpec({ ...BASE_OPTIONS, environments: [{ ...env, hooks: { OnDeploy: SMOKE_TEST_ARN } }] })).toThrow(/unknown lifecycle hook/);
    expect(() => renderImageBuildSpec({ ...BASE_OPTIONS, imageTagLength: 0 })).toThrow(/imageTagLength/);
  });

  test('a token task definition family is interpolated and resolves into a working command', () => {
    // GIVEN a family only known at deploy time
    const stack = new Stack();
    const family = new CfnParameter(stack, 'DevFamily').valueAsString;
    const spec = renderImageBuildSpec({ ...BASE_OPTIONS, environments: [{ ...ENVIRONMENTS[0], taskDefinitionFamily: family }] });

    // WHEN CloudFormation resolves the buildspec with the parameter value
    const resolved = stack.resolve(codebuild.BuildSpec.fromObject(spec).toBuildSpec(stack));
    expect(resolved['Fn::Join']).toBeDefined();
    const [separator, parts] = resolved['Fn::Join'] as [string, unknown[]];
    expect(parts.filter((p) => typeof p !== 'string')).toEqual([{ Ref: 'DevFamily' }]);
    const deployed = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'shop-dev-task')).join(separator));

    // THEN the deployed buildspec describes that family
    const result = runBuild(deployed);
    expect(result.succeeded).toBe(true);
    expect(callsOf(result, 'aws', 'ecs', 'describe-task-definition')).toEqual([['aws', 'ecs', 'describe-task-definition', '--task-definition', 'shop-dev-task']]);
  });
});

describe('renderImageBuildSpec: executed against stub aws/docker', () => {
  let happy: BuildResult;
  beforeAll(() => {
    // GIVEN a first build of the commit with a clean scan
    // WHEN the generated commands run
    happy = runBuild(renderImageBuildSpec(BASE_OPTIONS));
  });

  test('a build with no findings succeeds and emits every deploy artifact', () => {
    expect(happy.output).toContain('### BUILD SUCCEEDED');
    expect(happy.succeeded).toBe(true);
    expect(artifactFiles(happy)).toEqual([
      'appspec-dev.yaml', 'appspec-prod.yaml', 'appspec-staging.yaml',
      'imageDetail.json',
      'taskdef-dev.json', 'taskdef-prod.json', 'taskdef-staging.json',
    ]);
  });

  test('a CRITICAL finding fails the build with the default CRITICAL threshold', () => {
    // GIVEN
    const spec = renderImageBuildSpec(BASE_OPTIONS);
    // WHEN
    const result = runBuild(spec, { scanCounts: { CRITICAL: 1, HIGH: 2, LOW: 4 } });
    // THEN
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('Image scan gate: 1 finding(s) at or above CRITICAL (CRITICAL=1); failing the build');
    expect(fs.existsSync(path.join(result.artifactDir, 'imageDetail.json'))).toBe(false);
  });

  test('HIGH findings pass with threshold CRITICAL', () => {
    const result = runBuild(renderImageBuildSpec(BASE_OPTIONS), { scanCounts: { HIGH: 3, MEDIUM: 1 } });
    expect(result.succeeded).toBe(true);
    expect(result.output).toContain('Image scan gate: no findings at or above CRITICAL; passing');
  });

  test('HIGH findings fail with threshold HIGH', () => {
    const result = runBuild(renderImageBuildSpec({ ...BASE_OPTIONS, scanSeverityThreshold: 'HIGH' }), { scanCounts: { CRITICAL: 1, HIGH: 1, UNDEFINED: 5 } });
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('Image scan gate: 2 finding(s) at or above HIGH (CRITICAL=1, HIGH=1); failing the build');
  });

  test('UNDEFINED findings rank as INFORMATIONAL', () => {
    const low = runBuild(renderImageBuildSpec({ ...BASE_OPTIONS, scanSeverityThreshold: 'LOW' }), { scanCounts: { UNDEFINED: 2 } });
    expect(low.succeeded).toBe(true);
    const info = runBuild(renderImageBuildSpec({ ...BASE_OPTIONS, scanSeverityThreshold: 'INFORMATIONAL' }), { scanCounts: { UNDEFINED: 2 } });
    expect(info.succeeded).toBe(false);
    expect(info.output).toContain('Image scan gate: 2 finding(s) at or above INFORMATIONAL (INFORMATIONAL=2)');
  });

  test('threshold NONE skips the scan calls entirely', () => {
    const result = runBuild(renderImageBuildSpec({ ...BASE_OPTIONS, scanSeverityThreshold: 'NONE' }), { scanCounts: { CRITICAL: 9 } });
    expect(result.succeeded).toBe(true);
    expect(callsOf(result, 'aws', 'ecr', 'describe-image-scan-findings')).toEqual([]);
    expect(callsOf(result, 'aws', 'ecr', 'wait')).toEqual([]);
  });

  test('the scan gate waits for the scan of the pushed digest', () => {
    expect(callsOf(happy, 'aws', 'ecr', 'wait')).toEqual([
      ['aws', 'ecr', 'wait', 'image-scan-complete', '--repository-name', REPOSITORY_NAME, '--image-id', `imageDigest=${DIGEST}`],
    ]);
    expect(callsOf(happy, 'aws', 'ecr', 'describe-image-scan-findings')).toEqual([
      ['aws', 'ecr', 'describe-image-scan-findings', '--repository-name', REPOSITORY_NAME, '--image-id', `imageDigest=${DIGEST}`],
    ]);
  });

  test('imageDetail.json holds the digest URI, never a tag', () => {
    const detail = readJson(path.join(happy.artifactDir, 'imageDetail.json'));
    expect(detail).toEqual({ ImageURI: `${REPOSITORY_URI}@${DIGEST}` });
    expect(detail.ImageURI).toMatch(/@sha256:[0-9a-f]{64}$/);
  });

  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('taskdef-%s.json is a clean template with the image placeholder', (name, env) => {
    // THEN
    const taskdef = readJson(path.join(happy.artifactDir, `taskdef-${name}.json`));
    const original = (describeTaskDefinitionResponse(env.taskDefinitionFamily, 0) as any).taskDefinition;
    expect(taskdef.family).toBe(env.taskDefinitionFamily);
    const app = taskdef.containerDefinitions.find((c: any) => c.name === 'app');
    expect(app.image).toBe('<IMAGE1_NAME>');
    expect({ ...app, image: 'x' }).toEqual({ ...original.containerDefinitions[0], image: 'x' });
    expect(taskdef.containerDefinitions.find((c: any) => c.name === 'xray-daemon')).toEqual(XRAY_CONTAINER);
    for (const field of READ_ONLY_FIELDS) expect(taskdef).not.toHaveProperty(field);
    for (const key of ['cpu', 'memory', 'networkMode', 'executionRoleArn', 'taskRoleArn', 'requiresCompatibilities']) {
      expect(taskdef[key]).toEqual(original[key]);
    }
    expect(callsOf(happy, 'aws', 'ecs', 'describe-task-definition', '--task-definition', env.taskDefinitionFamily)).toHaveLength(1);
  });

  test('describe-task-definition is called once per family, without a revision', () => {
    expect(callsOf(happy, 'aws', 'ecs', 'describe-task-definition').map((c) => c.slice(3))).toEqual(
      ENVIRONMENTS.map((e) => ['--task-definition', e.taskDefinitionFamily]));
  });

  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('appspec-%s.yaml is valid YAML for the ECS blue/green deployment', (name, env) => {
    const text = fs.readFileSync(path.join(happy.artifactDir, `appspec-${name}.yaml`), 'utf8');
    const appspec = parseYaml(text);
    expect(text).toMatch(/"version":0\.0,/);
    expect(appspec.version).toBe(0);
    expect(appspec.Resources).toEqual([{
      TargetService: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: '<TASK_DEFINITION>',
          LoadBalancerInfo: { ContainerName: env.containerName, ContainerPort: env.containerPort },
        },
      },
    }]);
    if (env.hooks) {
      expect(appspec.Hooks).toEqual([{ AfterAllowTestTraffic: SMOKE_TEST_ARN }]);
    } else {
      expect(appspec).not.toHaveProperty('Hooks');
    }
  });

  test('hooks are emitted in lifecycle order', () => {
    const hooks = { AfterAllowTraffic: 'arn:c', BeforeInstall: 'arn:a', AfterAllowTestTraffic: 'arn:b' };
    const spec = renderImageBuildSpec({ ...BASE_OPTIONS, environments: [{ ...ENVIRONMENTS[0], hooks }] });
    const command: string = spec.phases.post_build.commands.find((c: string) => c.includes('> deploy-artifacts/appspec-dev.yaml'));
    const body = /^printf '%s\\n' '(.*)' > deploy-artifacts\/appspec-dev\.yaml/.exec(command)![1];
    expect(parseYaml(body).Hooks).toEqual([{ BeforeInstall: 'arn:a' }, { AfterAllowTestTraffic: 'arn:b' }, { AfterAllowTraffic: 'arn:c' }]);
  });

  test('unit test commands run before anything Docker', () => {
    const order = happy.calls.map((c) => c.join(' '));
    const firstDocker = order.findIndex((c) => c.startsWith('docker'));
    expect(order.indexOf('unit-test lint')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('unit-test lint')).toBeLessThan(order.indexOf('unit-test jest'));
    expect(order.indexOf('unit-test jest')).toBeLessThan(firstDocker);
    expect(order.findIndex((c) => c.startsWith('docker build'))).toBeGreaterThan(firstDocker);
  });

  test('a failing unit test command fails the build before any docker call', () => {
    // GIVEN
    const spec = renderImageBuildSpec({ ...BASE_OPTIONS, unitTestCommands: ['echo "unit-test lint" >> "$CALL_LOG"', 'false', 'echo "unit-test never" >> "$CALL_LOG"'] });
    // WHEN
    const result = runBuild(spec);
    // THEN
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('COMMAND FAILED: pre_build');
    expect(callsOf(result, 'docker')).toEqual([]);
    expect(result.calls.map((c) => c.join(' '))).toEqual(['unit-test lint']);
    expect(artifactFiles(result)).toEqual([]);
  });

  test('docker logs in to the registry host, builds with the Dockerfile, tag, build args and context, then pushes the same tag', () => {
    expect(callsOf(happy, 'docker', 'login')).toEqual([
      ['docker', 'login', '--username', 'AWS', '--password-stdin', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
    ]);
    expect(happy.dockerLoginStdin?.trim()).toBe('stub-ecr-password');
    expect(callsOf(happy, 'docker', 'build')).toEqual([[
      'docker', 'build', '-f', 'app/Dockerfile', '-t', `${REPOSITORY_URI}:${IMAGE_TAG}`,
      '--build-arg', 'NODE_ENV=production', '--build-arg', "GREETING=it's a $HOME `test`", '.',
    ]]);
    expect(callsOf(happy, 'docker', 'push')).toEqual([['docker', 'push', `${REPOSITORY_URI}:${IMAGE_TAG}`]]);
  });

  test('the image tag is the sanitised, shortened source revision', () => {
    const spec = renderImageBuildSpec({ ...BASE_OPTIONS, imageTagLength: 12 });
    const cmd = spec.phases.pre_build.commands.find((c: string) => c.includes('IMAGE_TAG='));
    const run = spawnSync('bash', ['-c', `${cmd}\necho "TAG=$IMAGE_TAG"`], { encoding: 'utf8', env: { PATH: process.env.PATH, SOURCE_REVISION: '"-.9b2f:e1/c4d5e6f7a8"' } });
    expect(run.stdout).toMatch(/^TAG=9b2fe1c4d5e6$/m);
    const empty = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', env: { PATH: process.env.PATH, SOURCE_REVISION: '"/:"' } });
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain('cannot derive an image tag');
  });

  test('an existing tag is reused: no docker build or push, same artifacts', () => {
    // GIVEN the tag was already pushed by an earlier attempt of the same commit
    // WHEN
    const retried = runBuild(renderImageBuildSpec(BASE_OPTIONS), { imageAlreadyExists: true });
    // THEN
    expect(retried.succeeded).toBe(true);
    expect(retried.output).toContain('already exists: reusing it');
    expect(callsOf(retried, 'docker', 'build')).toEqual([]);
    expect(callsOf(retried, 'docker', 'push')).toEqual([]);
    expect(artifactFiles(retried)).toEqual(artifactFiles(happy));
    for (const file of artifactFiles(happy)) {
      expect(fs.readFileSync(path.join(retried.artifactDir, file), 'utf8')).toBe(fs.readFileSync(path.join(happy.artifactDir, file), 'utf8'));
    }
  });

  test('a task definition without the app container fails the build clearly', () => {
    const spec = renderImageBuildSpec({ ...BASE_OPTIONS, environments: [{ ...ENVIRONMENTS[0], containerName: 'web' }] });
    const result = runBuild(spec);
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain("has no container named 'web' (containers: app, xray-daemon)");
  });
});

describe('renderImageBuildSpec: bootstrap revisions', () => {
  /** A CDK-registered revision whose app container boots the busybox placeholder (no image given in CDK). */
  function bootstrapRevision(realCommand?: string[]) {
    return (family: string, revision: number) => {
      const response = describeTaskDefinitionResponse(family, revision) as any;
      const app = response.taskDefinition.containerDefinitions[0];
      app.image = 'public.ecr.aws/docker/library/busybox:stable';
      app.command = ['sh', '-c', 'exec httpd -f -p 8080 -h /www'];
      app.dockerLabels = {
        'cdk-ecs-cicd-pipeline.bootstrap': 'true',
        ...(realCommand ? { 'cdk-ecs-cicd-pipeline.command': JSON.stringify(realCommand) } : {}),
        'team': 'shop',
      };
      return response;
    };
  }

  test('the placeholder command is dropped and the labels removed when the app has no command of its own', () => {
    // GIVEN / WHEN
    const result = runBuild(renderImageBuildSpec(BASE_OPTIONS), { taskDefinition: bootstrapRevision() });
    // THEN
    expect(result.succeeded).toBe(true);
    const app = readJson(path.join(result.artifactDir, 'taskdef-dev.json')).containerDefinitions.find((c: any) => c.name === 'app');
    expect(app.image).toBe('<IMAGE1_NAME>');
    expect(app).not.toHaveProperty('command');
    expect(app.dockerLabels).toEqual({ team: 'shop' });
  });

  test('the real command travelling in the label is restored', () => {
    // GIVEN / WHEN
    const result = runBuild(renderImageBuildSpec(BASE_OPTIONS), { taskDefinition: bootstrapRevision(['node', 'server.js', "it's"]) });
    // THEN
    expect(result.succeeded).toBe(true);
    const app = readJson(path.join(result.artifactDir, 'taskdef-prod.json')).containerDefinitions.find((c: any) => c.name === 'app');
    expect(app.command).toEqual(['node', 'server.js', "it's"]);
    expect(app.dockerLabels).toEqual({ team: 'shop' });
  });
});

describe('renderImageBuildSpec: capacity provider strategy', () => {
  test('the AppSpec repeats the service\'s strategy, so CodeDeploy does not drop it (aws/containers-roadmap#1752)', () => {
    // GIVEN an environment on FARGATE + FARGATE_SPOT
    const spec = renderImageBuildSpec({
      ...BASE_OPTIONS,
      environments: [{
        ...ENVIRONMENTS[0],
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 4 }],
      }],
    });
    // WHEN the build runs
    const result = runBuild(spec);
    // THEN the AppSpec lists the strategy with explicit base and weight
    expect(result.succeeded).toBe(true);
    const appSpec = parseYaml(fs.readFileSync(path.join(result.artifactDir, 'appspec-dev.yaml'), 'utf8'));
    expect(appSpec.Resources[0].TargetService.Properties.CapacityProviderStrategy).toEqual([
      { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
      { CapacityProvider: 'FARGATE_SPOT', Base: 0, Weight: 4 },
    ]);
  });
});
