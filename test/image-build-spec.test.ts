import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { parse as parseYaml } from 'yaml';
import { appSpecBuildData } from '../src/blue-green/codedeploy/lifecycle-events';
import type { EnvironmentHooks } from '../src/blue-green/hooks';
import {
  deployEnvironmentVariable,
  IMAGE_BUILD_SCRIPT,
  IMAGE_BUILD_SCRIPTS_FOLDER,
  SHARED_SETTINGS,
} from '../src/pipeline/build-contract';
import {
  BuildSpecEnvironment,
  checkEnvironmentVariableSizes,
  DEPLOY_ARTIFACT_DIRECTORY,
  ImageBuildSpecOptions,
  imageBuildEnvironmentVariables,
  renderImageBuildSpec,
  renderUnitTestBuildSpec,
} from '../src/pipeline/image-build-spec';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const REPOSITORY_URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';
const REPOSITORY_NAME = 'shop';
const SOURCE_REVISION = '3f9a2c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
// The full commit id: a 7-character prefix can be another commit's.
const IMAGE_TAG = SOURCE_REVISION;
const DIGEST = 'sha256:' + 'ab12cd34'.repeat(8);
const SMOKE_TEST_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:shop-prod-smoke-test';
const READ_ONLY_FIELDS = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy', 'deregisteredAt'];

/**
 * The CodeDeploy engine's build data (what it hands the build for the AppSpec) for hooks given as
 * ARNs: lifecycle hook -> function ARN.
 */
type Strategy = { capacityProvider: string; base?: number; weight?: number };
function appSpecData(hooks: { [K in keyof EnvironmentHooks]?: string }, strategies: Strategy[] = []) {
  const functions = Object.fromEntries(Object.entries(hooks).map(([key, functionArn]) => [key, { functionArn }]));
  return appSpecBuildData(functions as unknown as EnvironmentHooks, strategies);
}

/** An environment as a test writes it: the harness adds the task definition ARN of the scenario. */
type TestEnvironment = Omit<BuildSpecEnvironment, 'taskDefinitionArn'>;
/** The build's settings as a test writes them. */
interface TestOptions extends Omit<ImageBuildSpecOptions, 'environments'> {
  readonly environments: TestEnvironment[];
}

const ENVIRONMENTS: TestEnvironment[] = [
  { name: 'dev', containerName: 'app', containerPort: 8080 },
  { name: 'staging', containerName: 'app', containerPort: 8080 },
  { name: 'prod', containerName: 'app', containerPort: 8443, engineData: appSpecData({ afterAllowTestTraffic: SMOKE_TEST_ARN }) },
];
/** The task definition family of an environment (CDK generates one per environment). */
const familyOf = (env: TestEnvironment) => `shop-${env.name}-task`;
/** The revision CDK registered for the i-th environment, unless a scenario says otherwise. */
const DEFAULT_CDK_REVISION = (i: number) => 40 + i;
const taskDefinitionArn = (family: string, revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${revision}`;

const BASE_OPTIONS: TestOptions = {
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

function describeImagesResponse(digest = DIGEST, tag = IMAGE_TAG): object {
  return {
    imageDetails: [{
      registryId: '123456789012',
      repositoryName: REPOSITORY_NAME,
      imageDigest: digest,
      imageTags: [tag],
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
  "s3 cp")
    # The scripts' asset: only the URL the project's variable names is served.
    [ "$3" = "--only-show-errors" ] && [ "$4" = "$SCRIPTS_URL" ] || { echo "stub aws: no such object: $*" >&2; exit 1; }
    cp "$SCRIPTS_ZIP" "$5" ;;
  "ecr get-login-password")
    echo "stub-ecr-password" ;;
  "ecr describe-images")
    # Per tag: image-missing-once-<tag> answers "not found" once; describe-images-<tag>.json, when
    # present, is the tag's image (another digest); otherwise describe-images.json.
    tag="$(printf '%s\n' "$@" | sed -n 's/^imageTag=//p')"
    for missing in "$FIXTURES_DIR/image-missing-once" "$FIXTURES_DIR/image-missing-once-$tag"; do
      if [ -f "$missing" ]; then
        rm -f "$missing"
        echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageDigest:'null', imageTag:'x'} does not exist within the repository with name 'shop' in the registry with id '123456789012'" >&2
        exit 254
      fi
    done
    if [ -f "$FIXTURES_DIR/describe-images-$tag.json" ]; then cat "$FIXTURES_DIR/describe-images-$tag.json"; else cat "$FIXTURES_DIR/describe-images.json"; fi ;;
  "ecr get-registry-scanning-configuration")
    cat "$FIXTURES_DIR/registry-scanning.json" ;;
  "ecr describe-image-scan-findings")
    # Answers from scan-queue/ in order; the last answer repeats. NOT_FOUND = no scan exists.
    queue="$FIXTURES_DIR/scan-queue"
    file="$queue/$(ls "$queue" | sort | head -n 1)"
    answer="$(cat "$file")"
    if [ "$(ls "$queue" | wc -l)" -gt 1 ]; then rm -f "$file"; fi
    if [ "$answer" = "NOT_FOUND" ]; then
      echo "An error occurred (ScanNotFoundException) when calling the DescribeImageScanFindings operation: Image scan does not exist for the image with '{imageDigest:'x', imageTag:'null'}' in the repository with name 'shop' in the registry with id '123456789012'" >&2
      exit 254
    fi
    printf '%s\n' "$answer" ;;
  "ecs describe-task-definition")
    # An ARN (family:revision) names that revision; a bare family names the latest ACTIVE one.
    id=""
    while [ $# -gt 0 ]; do
      if [ "$1" = "--task-definition" ]; then id="$2"; fi
      shift
    done
    case "$id" in
      arn:*:task-definition/*:*) name="\${id##*/}"; fixture="taskdef-\${name%:*}-\${name##*:}.json" ;;
      *) fixture="taskdef-$id-latest.json" ;;
    esac
    if [ ! -f "$FIXTURES_DIR/$fixture" ]; then
      echo "An error occurred (ClientException) when calling the DescribeTaskDefinition operation: Unable to describe task definition." >&2
      exit 254
    fi
    cat "$FIXTURES_DIR/$fixture" ;;
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
  /** The revision CDK registered (passed as TASK_DEFINITION_ARN_<ENV>), per family. @default 40 + index */
  readonly cdkRevision?: (family: string) => number;
  /** What the family's latest ACTIVE revision is. @default the CDK revision */
  readonly latestTaskDefinition?: (family: string) => object;
  readonly imageAlreadyExists?: boolean;
  /** REUSE_EXISTING_IMAGE. @default true */
  readonly reuseExistingImage?: boolean;
  /** The registry's scan type (get-registry-scanning-configuration). @default 'BASIC' */
  readonly registryScanType?: 'BASIC' | 'ENHANCED';
  /** Successive describe-image-scan-findings answers (the last repeats). @default [scanFindingsResponse(scanCounts)] */
  readonly scanAnswers?: Array<object | 'NOT_FOUND'>;
  /** SCAN_WAIT_SECONDS. @default 900 */
  readonly scanWaitSeconds?: number;
  /** Environment variables left out. */
  readonly unset?: string[];
  /** CODEBUILD_BUILD_SUCCEEDING ('0' after a failed phase). @default unset */
  readonly buildSucceeding?: string;
  /** More images in the repository, by tag (digest), each missing until the build pushes it. @default none */
  readonly imagesByTag?: { [tag: string]: string };
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
let scriptsZip: string;
let runCounter = 0;

/** The scripts the package ships, as the construct publishes them. */
const SCRIPTS_DIR = path.join(__dirname, '..', ...IMAGE_BUILD_SCRIPTS_FOLDER);
const SCRIPTS_URL = 's3://cdk-hnb659fds-assets-123456789012-eu-west-1/0123abcd.zip';

/** What CodeBuild runs: a buildspec, and the settings behind the project's environment variables (none for the unit tests). */
interface Job {
  readonly spec: { [key: string]: any };
  readonly options?: TestOptions;
}

/** The image build job of `options`: the buildspec and the variables the construct would set. */
function imageBuild(options: TestOptions = BASE_OPTIONS): Job {
  return { spec: renderImageBuildSpec(), options };
}

/** The project's environment variables for `options`, with each environment's task definition ARN. */
function projectVariables(options: TestOptions, arnOf: (env: TestEnvironment) => string, reuseExistingImage = true): { [name: string]: string } {
  return imageBuildEnvironmentVariables({
    ...options,
    environments: options.environments.map((env) => ({ ...env, taskDefinitionArn: arnOf(env) })),
    scriptsUrl: SCRIPTS_URL,
    repositoryUri: REPOSITORY_URI,
    repositoryName: REPOSITORY_NAME,
    reuseExistingImage,
  });
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-build-spec-'));
  binDir = path.join(root, 'bin');
  fs.mkdirSync(binDir);
  fs.writeFileSync(path.join(binDir, 'aws'), AWS_STUB, { mode: 0o755 });
  fs.writeFileSync(path.join(binDir, 'docker'), DOCKER_STUB, { mode: 0o755 });
  // Zipped like a directory asset: the folder's files at the root of the archive.
  scriptsZip = path.join(root, 'scripts.zip');
  const zipped = spawnSync('zip', ['-qr', scriptsZip, '.'], { cwd: SCRIPTS_DIR, encoding: 'utf8' });
  if (zipped.status !== 0) throw new Error(`zip failed: ${zipped.stderr}`);
  // Put the real interpreter ahead of any version-manager shim (pyenv shims cost ~100 ms per call).
  pythonDir = spawnSync('python3', ['-c', 'import os, sys; print(os.path.dirname(sys.executable))'], { encoding: 'utf8' }).stdout.trim();
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function runBuild(job: Job, scenario: Scenario = {}): BuildResult {
  const spec = job.spec;
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
  writeJson('registry-scanning.json', { registryId: '123456789012', scanningConfiguration: { scanType: scenario.registryScanType ?? 'BASIC', rules: [] } });
  fs.mkdirSync(path.join(fixturesDir, 'scan-queue'));
  (scenario.scanAnswers ?? [scanFindingsResponse(scenario.scanCounts ?? {})]).forEach((answer, i) =>
    fs.writeFileSync(path.join(fixturesDir, 'scan-queue', `${String(i).padStart(3, '0')}.json`), answer === 'NOT_FOUND' ? answer : JSON.stringify(answer)));
  const arns: { [name: string]: string } = {};
  for (const env of [...ENVIRONMENTS, ...(job.options?.environments ?? [])]) {
    const family = familyOf(env);
    const index = ENVIRONMENTS.findIndex((e) => e.name === env.name);
    const revision = scenario.cdkRevision?.(family) ?? DEFAULT_CDK_REVISION(index);
    const cdkRevision = (scenario.taskDefinition ?? describeTaskDefinitionResponse)(family, revision);
    writeJson(`taskdef-${family}-${revision}.json`, cdkRevision);
    writeJson(`taskdef-${family}-latest.json`, scenario.latestTaskDefinition?.(family) ?? cdkRevision);
    arns[env.name] = taskDefinitionArn(family, revision);
  }
  const variables = job.options ? projectVariables(job.options, (env) => arns[env.name], scenario.reuseExistingImage !== false) : {};
  if (!scenario.imageAlreadyExists) fs.writeFileSync(path.join(fixturesDir, 'image-missing-once'), '');
  for (const [tag, digest] of Object.entries(scenario.imagesByTag ?? {})) {
    writeJson(`describe-images-${tag}.json`, describeImagesResponse(digest, tag));
    if (!scenario.imageAlreadyExists) fs.writeFileSync(path.join(fixturesDir, `image-missing-once-${tag}`), '');
  }

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
    SCRIPTS_ZIP: scriptsZip,
    SCRIPTS_URL,
    SOURCE_REVISION,
    ...variables,
    AWS_DEFAULT_REGION: 'eu-west-1',
    CODEBUILD_SRC_DIR: srcDir,
    CODEBUILD_BUILD_NUMBER: '17',
    SCAN_POLL_SECONDS: '0',
    SCAN_WAIT_SECONDS: String(scenario.scanWaitSeconds ?? 900),
  });
  if (scenario.buildSucceeding !== undefined) env.CODEBUILD_BUILD_SUCCEEDING = scenario.buildSucceeding;
  for (const name of scenario.unset ?? []) delete env[name];
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
    const spec = renderImageBuildSpec();

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

  test('only fetches the scripts and runs one per phase: no program text, no settings, no environment', () => {
    // GIVEN / WHEN
    const spec = renderImageBuildSpec();
    // THEN
    expect(spec.phases.pre_build.commands).toEqual([
      'echo "Fetching the image build scripts from $IMAGE_BUILD_SCRIPTS_URL"',
      'IMAGE_BUILD_SCRIPTS="$(mktemp -d)" && aws s3 cp --only-show-errors "$IMAGE_BUILD_SCRIPTS_URL" "$IMAGE_BUILD_SCRIPTS.zip"'
        + ' && python3 -m zipfile -e "$IMAGE_BUILD_SCRIPTS.zip" "$IMAGE_BUILD_SCRIPTS"',
      `bash "$IMAGE_BUILD_SCRIPTS/${IMAGE_BUILD_SCRIPT}" pre_build`,
    ]);
    expect(spec.phases.build.commands).toEqual([`bash "$IMAGE_BUILD_SCRIPTS/${IMAGE_BUILD_SCRIPT}" build`]);
    expect(spec.phases.post_build.commands).toEqual([`bash "$IMAGE_BUILD_SCRIPTS/${IMAGE_BUILD_SCRIPT}" post_build`]);
    expect(JSON.stringify(spec).length).toBeLessThan(1000);
  });

  test('rejects invalid options at synth time', () => {
    const env = ENVIRONMENTS[0];
    const variablesOf = (options: TestOptions) => () => projectVariables(options, () => 'arn:x');
    expect(variablesOf({ ...BASE_OPTIONS, scanSeverityThreshold: 'SEVERE' })).toThrow(/scanSeverityThreshold/);
    expect(variablesOf({ ...BASE_OPTIONS, environments: [] })).toThrow(/at least one environment/);
    expect(variablesOf({ ...BASE_OPTIONS, environments: [{ ...env, name: 'dev env' }] })).toThrow(/must match/);
    expect(variablesOf({ ...BASE_OPTIONS, environments: [env, { ...env, name: 'DEV' }] })).toThrow(/duplicate/);
    expect(variablesOf({ ...BASE_OPTIONS, environments: [{ ...env, containerPort: 0 }] })).toThrow(/containerPort/);
    expect(variablesOf({ ...BASE_OPTIONS, environments: [{ ...env, engineData: { containerName: 'other' } }] })).toThrow(/redefines containerName/);
    expect(variablesOf({ ...BASE_OPTIONS, imageTagLength: 0 })).toThrow(/imageTagLength/);
  });

  test('each environment\'s data (task definition ARN, container, the engine\'s hooks and strategy) is an environment variable of its own, not buildspec text', () => {
    // GIVEN / WHEN
    const text = JSON.stringify(renderImageBuildSpec());
    const variables = projectVariables({
      ...BASE_OPTIONS,
      environments: [
        { name: 'dev', containerName: 'app', containerPort: 8080, engineData: appSpecData({}, [{ capacityProvider: 'FARGATE_SPOT', weight: 4 }]) },
        { name: 'staging-eu', containerName: 'web', containerPort: 3000, engineData: appSpecData({ afterAllowTraffic: 'arn:c', beforeInstall: 'arn:a' }) },
      ],
    }, (env) => `arn:${env.name}:1`, false);
    // THEN the buildspec names no environment; the project gets one JSON variable per environment,
    // listed in order, and the settings with the values shared with the scripts
    expect(deployEnvironmentVariable('staging-eu')).toBe('DEPLOY_ENVIRONMENT_STAGING_EU');
    for (const env of ENVIRONMENTS) {
      expect(text).not.toContain(familyOf(env));
      expect(text).not.toContain(`'${env.name}`);
    }
    expect(Object.keys(variables)).toEqual([
      'IMAGE_BUILD_SCRIPTS_URL', 'REPOSITORY_URI', 'REPOSITORY_NAME', 'REUSE_EXISTING_IMAGE', 'IMAGE_BUILD_SETTINGS', 'DEPLOY_ENVIRONMENTS',
      'DEPLOY_ENVIRONMENT_DEV', 'DEPLOY_ENVIRONMENT_STAGING_EU',
    ]);
    expect(variables).toMatchObject({ IMAGE_BUILD_SCRIPTS_URL: SCRIPTS_URL, REPOSITORY_URI, REPOSITORY_NAME, REUSE_EXISTING_IMAGE: 'false' });
    expect(variables.DEPLOY_ENVIRONMENTS).toBe('DEPLOY_ENVIRONMENT_DEV DEPLOY_ENVIRONMENT_STAGING_EU');
    expect(JSON.parse(variables.DEPLOY_ENVIRONMENT_DEV)).toEqual({
      name: 'dev',
      taskDefinitionArn: 'arn:dev:1',
      containerName: 'app',
      containerPort: 8080,
      hooks: [],
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 4 }],
    });
    // hooks in lifecycle order, whatever the order given
    expect(JSON.parse(variables.DEPLOY_ENVIRONMENT_STAGING_EU).hooks).toEqual([['BeforeInstall', 'arn:a'], ['AfterAllowTraffic', 'arn:c']]);
    expect(JSON.parse(variables.IMAGE_BUILD_SETTINGS)).toEqual({
      dockerfile: 'app/Dockerfile',
      buildDirectory: '.',
      buildArgs: BASE_OPTIONS.buildArgs,
      scanSeverityThreshold: 'CRITICAL',
      imageTagLength: 128,
      ...SHARED_SETTINGS,
    });
  });

  test('variables that could exceed CodeBuild\'s 4,096 characters once deployed fail at synth, naming the cause', () => {
    // GIVEN 20 environments: every variable fits
    const twenty = projectVariables({ ...BASE_OPTIONS, environments: Array.from({ length: 20 }, (_, i) => ({ ...ENVIRONMENTS[0], name: `env-${i}` })) }, () => 'arn:x');
    expect(() => checkEnvironmentVariableSizes(twenty, (v) => v)).not.toThrow();
    // WHEN the list of 150 environments' variables is too long / THEN
    const many = projectVariables({
      ...BASE_OPTIONS,
      environments: Array.from({ length: 150 }, (_, i) => ({ ...ENVIRONMENTS[0], name: `environment-${i}` })),
    }, () => 'arn:x');
    expect(() => checkEnvironmentVariableSizes(many, (v) => v))
      .toThrow(/^environments \(150\) make the image build's environment variable DEPLOY_ENVIRONMENTS about \d+ characters once deployed; CodeBuild accepts at most 4096 per variable/);
    // and a token counts as the longest ARN it may stand for (320 characters): 13 of them do not fit one variable
    const tokens = { DEPLOY_ENVIRONMENT_DEV: 'x' };
    const joined = { 'Fn::Join': ['', Array.from({ length: 13 }, (_, i) => ({ Ref: `Function${i}` }))] };
    expect(() => checkEnvironmentVariableSizes(tokens, () => joined)).toThrow(/DEPLOY_ENVIRONMENT_DEV about 4183 characters/);
  });

  test('a missing environment variable fails the build before anything Docker', () => {
    // GIVEN / WHEN the project lacks prod's variable
    const result = runBuild(imageBuild(BASE_OPTIONS), { unset: ['DEPLOY_ENVIRONMENT_PROD'] });
    // THEN
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('ERROR: environment variable DEPLOY_ENVIRONMENT_PROD is not set');
    expect(callsOf(result, 'docker')).toEqual([]);
  });

  test.each(['SOURCE_REVISION', 'REPOSITORY_URI', 'IMAGE_BUILD_SETTINGS', 'DEPLOY_ENVIRONMENTS'])('a build without %s fails before anything Docker', (name) => {
    const result = runBuild(imageBuild(BASE_OPTIONS), { unset: [name] });
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain(`ERROR: environment variable ${name} is not set`);
    expect(callsOf(result, 'docker')).toEqual([]);
  });

  test('the scripts come from the asset URL the project names, as CodeBuild fetches them', () => {
    // GIVEN a project variable naming another object / WHEN / THEN the build stops in pre_build
    const result = runBuild(imageBuild(BASE_OPTIONS), { unset: ['IMAGE_BUILD_SCRIPTS_URL'] });
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('COMMAND FAILED: pre_build[1]');
    expect(callsOf(result, 'docker')).toEqual([]);
  });
});

describe('renderImageBuildSpec: executed against stub aws/docker', () => {
  let happy: BuildResult;
  beforeAll(() => {
    // GIVEN a first build of the commit with a clean scan
    // WHEN the generated commands run
    happy = runBuild(imageBuild(BASE_OPTIONS));
  });

  test('a build with no findings succeeds and emits every deploy artifact', () => {
    expect(happy.output).toContain('### BUILD SUCCEEDED');
    expect(happy.succeeded).toBe(true);
    expect(artifactFiles(happy)).toEqual([
      'appspec-dev.yaml', 'appspec-prod.yaml', 'appspec-staging.yaml',
      'built-images.json', 'imageDetail.json',
      'taskdef-dev.json', 'taskdef-prod.json', 'taskdef-staging.json',
    ]);
  });

  test('a CRITICAL finding fails the build with the default CRITICAL threshold', () => {
    // GIVEN
    const spec = imageBuild(BASE_OPTIONS);
    // WHEN
    const result = runBuild(spec, { scanCounts: { CRITICAL: 1, HIGH: 2, LOW: 4 } });
    // THEN
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('Image scan gate: 1 finding(s) at or above CRITICAL (CRITICAL=1); failing the build');
    expect(fs.existsSync(path.join(result.artifactDir, 'imageDetail.json'))).toBe(false);
  });

  test('HIGH findings pass with threshold CRITICAL', () => {
    const result = runBuild(imageBuild(BASE_OPTIONS), { scanCounts: { HIGH: 3, MEDIUM: 1 } });
    expect(result.succeeded).toBe(true);
    expect(result.output).toContain('Image scan gate: no findings at or above CRITICAL; passing');
  });

  test('HIGH findings fail with threshold HIGH', () => {
    const result = runBuild(imageBuild({ ...BASE_OPTIONS, scanSeverityThreshold: 'HIGH' }), { scanCounts: { CRITICAL: 1, HIGH: 1, UNDEFINED: 5 } });
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('Image scan gate: 2 finding(s) at or above HIGH (CRITICAL=1, HIGH=1); failing the build');
  });

  test('UNDEFINED findings rank as INFORMATIONAL', () => {
    const low = runBuild(imageBuild({ ...BASE_OPTIONS, scanSeverityThreshold: 'LOW' }), { scanCounts: { UNDEFINED: 2 } });
    expect(low.succeeded).toBe(true);
    const info = runBuild(imageBuild({ ...BASE_OPTIONS, scanSeverityThreshold: 'INFORMATIONAL' }), { scanCounts: { UNDEFINED: 2 } });
    expect(info.succeeded).toBe(false);
    expect(info.output).toContain('Image scan gate: 2 finding(s) at or above INFORMATIONAL (INFORMATIONAL=2)');
  });

  test('threshold NONE skips the scan calls entirely', () => {
    const result = runBuild(imageBuild({ ...BASE_OPTIONS, scanSeverityThreshold: 'NONE' }), { scanCounts: { CRITICAL: 9 } });
    expect(result.succeeded).toBe(true);
    expect(callsOf(result, 'aws', 'ecr', 'describe-image-scan-findings')).toEqual([]);
    expect(callsOf(result, 'aws', 'ecr', 'get-registry-scanning-configuration')).toEqual([]);
    expect(callsOf(result, 'aws', 'ecr', 'wait')).toEqual([]);
  });

  test('the scan gate reads the registry scan type, then the findings of the pushed digest', () => {
    expect(callsOf(happy, 'aws', 'ecr', 'wait')).toEqual([]);
    expect(callsOf(happy, 'aws', 'ecr', 'get-registry-scanning-configuration')).toEqual([['aws', 'ecr', 'get-registry-scanning-configuration']]);
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
    const original = (describeTaskDefinitionResponse(familyOf(env), 0) as any).taskDefinition;
    expect(taskdef.family).toBe(familyOf(env));
    const app = taskdef.containerDefinitions.find((c: any) => c.name === 'app');
    expect(app.image).toBe('<IMAGE1_NAME>');
    expect({ ...app, image: 'x' }).toEqual({ ...original.containerDefinitions[0], image: 'x' });
    expect(taskdef.containerDefinitions.find((c: any) => c.name === 'xray-daemon')).toEqual(XRAY_CONTAINER);
    for (const field of READ_ONLY_FIELDS) expect(taskdef).not.toHaveProperty(field);
    for (const key of ['cpu', 'memory', 'networkMode', 'executionRoleArn', 'taskRoleArn', 'requiresCompatibilities']) {
      expect(taskdef[key]).toEqual(original[key]);
    }
  });

  test('describe-task-definition is called once per environment, with the exact revision CDK registered', () => {
    expect(callsOf(happy, 'aws', 'ecs', 'describe-task-definition').map((c) => c.slice(3))).toEqual(
      ENVIRONMENTS.map((e, i) => ['--task-definition', taskDefinitionArn(familyOf(e), DEFAULT_CDK_REVISION(i))]));
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
    if (env.engineData) {
      expect(appspec.Hooks).toEqual([{ AfterAllowTestTraffic: SMOKE_TEST_ARN }]);
    } else {
      expect(appspec).not.toHaveProperty('Hooks');
    }
  });

  test('hooks are emitted in lifecycle order', () => {
    const engineData = appSpecData({ afterAllowTraffic: 'arn:c', beforeInstall: 'arn:a', afterAllowTestTraffic: 'arn:b' });
    const result = runBuild(imageBuild({ ...BASE_OPTIONS, environments: [{ ...ENVIRONMENTS[0], engineData }] }));
    expect(result.succeeded).toBe(true);
    const appSpec = parseYaml(fs.readFileSync(path.join(result.artifactDir, 'appspec-dev.yaml'), 'utf8'));
    expect(appSpec.Hooks).toEqual([{ BeforeInstall: 'arn:a' }, { AfterAllowTestTraffic: 'arn:b' }, { AfterAllowTraffic: 'arn:c' }]);
  });

  test('post_build refuses to write deploy artifacts after a failed phase', () => {
    // GIVEN CodeBuild runs post_build after a failed build phase (CODEBUILD_BUILD_SUCCEEDING=0)
    const result = runBuild(imageBuild(BASE_OPTIONS), { buildSucceeding: '0' });
    // THEN
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('ERROR: an earlier phase failed; not writing deploy artifacts');
    expect(result.output).toContain('COMMAND FAILED: post_build[0]');
    expect(artifactFiles(result)).toEqual([]);
  });

  test('the image build runs no unit tests (they run in a project of their own)', () => {
    expect(JSON.stringify(renderImageBuildSpec())).not.toMatch(/unit test/i);
    expect(fs.readFileSync(path.join(SCRIPTS_DIR, IMAGE_BUILD_SCRIPT), 'utf8')).not.toMatch(/unit test/i);
    expect(happy.calls.filter((c) => c[0].startsWith('unit-test'))).toEqual([]);
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

  /** Runs `image-build.sh image-tag` (the tag derivation of pre_build) with the project's variables of `options`. */
  function imageTag(options: TestOptions, revision: string) {
    const env = { PATH: process.env.PATH, SOURCE_REVISION: revision, ...projectVariables(options, () => 'arn:x') };
    return spawnSync('bash', [path.join(SCRIPTS_DIR, IMAGE_BUILD_SCRIPT), 'image-tag'], { encoding: 'utf8', env });
  }

  test('the image tag is the sanitised, shortened source revision', () => {
    const run = imageTag({ ...BASE_OPTIONS, imageTagLength: 12 }, '"-.9b2f:e1/c4d5e6f7a8"');
    expect(run.stdout).toMatch(/^Image tag: 9b2fe1c4d5e6$/m);
    const empty = imageTag({ ...BASE_OPTIONS, imageTagLength: 12 }, '"/:"');
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain('cannot derive an image tag');
  });

  test('the image tag is the full commit id by default', () => {
    const sha256Commit = 'f'.repeat(64);
    for (const revision of [SOURCE_REVISION, sha256Commit, '"9b2fe1c4d5e6f7a8b9c0d1e2f3a4b5c6-12"']) {
      const run = imageTag(BASE_OPTIONS, revision);
      expect(run.stdout).toContain(`Image tag: ${revision.replace(/"/g, '')}\n`);
    }
  });

  test('an existing tag is not trusted when pushes are not restricted: the build pushes a tag of its own', () => {
    // GIVEN the commit's tag exists in a repository anyone may push to (REUSE_EXISTING_IMAGE=false)
    // WHEN
    const result = runBuild(imageBuild(BASE_OPTIONS), { imageAlreadyExists: true, reuseExistingImage: false });
    // THEN the image is built and pushed under <commit>-build-<build number>, never reused
    expect(result.succeeded).toBe(true);
    expect(result.output).toContain('not reusing it');
    const ownTag = `${REPOSITORY_URI}:${IMAGE_TAG}-build-17`;
    expect(callsOf(result, 'docker', 'build').map((c) => c[5])).toEqual([ownTag]);
    expect(callsOf(result, 'docker', 'push')).toEqual([['docker', 'push', ownTag]]);
    expect(callsOf(result, 'aws', 'ecr', 'describe-images').map((c) => c[6])).toEqual([`imageTag=${IMAGE_TAG}`, `imageTag=${IMAGE_TAG}-build-17`]);
  });

  test('an existing tag is reused only when pushes are restricted to the build: no docker build or push, same artifacts', () => {
    // GIVEN the tag was already pushed by an earlier attempt of the same commit, and only the build may push
    // WHEN
    const retried = runBuild(imageBuild(BASE_OPTIONS), { imageAlreadyExists: true });
    // THEN
    expect(retried.succeeded).toBe(true);
    expect(retried.output).toContain('already exists and only this build may push to the repository: reusing it');
    expect(callsOf(retried, 'docker', 'build')).toEqual([]);
    expect(callsOf(retried, 'docker', 'push')).toEqual([]);
    expect(artifactFiles(retried)).toEqual(artifactFiles(happy));
    for (const file of artifactFiles(happy)) {
      expect(fs.readFileSync(path.join(retried.artifactDir, file), 'utf8')).toBe(fs.readFileSync(path.join(happy.artifactDir, file), 'utf8'));
    }
  });

  test('a task definition without the app container fails the build clearly', () => {
    const spec = imageBuild({ ...BASE_OPTIONS, environments: [{ ...ENVIRONMENTS[0], containerName: 'web' }] });
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
    const result = runBuild(imageBuild(BASE_OPTIONS), { taskDefinition: bootstrapRevision() });
    // THEN
    expect(result.succeeded).toBe(true);
    const app = readJson(path.join(result.artifactDir, 'taskdef-dev.json')).containerDefinitions.find((c: any) => c.name === 'app');
    expect(app.image).toBe('<IMAGE1_NAME>');
    expect(app).not.toHaveProperty('command');
    expect(app.dockerLabels).toEqual({ team: 'shop' });
  });

  test('the real command travelling in the label is restored', () => {
    // GIVEN / WHEN
    const result = runBuild(imageBuild(BASE_OPTIONS), { taskDefinition: bootstrapRevision(['node', 'server.js', "it's"]) });
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
    const spec = imageBuild({
      ...BASE_OPTIONS,
      environments: [{
        ...ENVIRONMENTS[0],
        engineData: appSpecData({}, [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 4 }]),
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

describe('renderImageBuildSpec: the task definition CDK registered wins over later pipeline revisions', () => {
  test('CDK registered revision 2, a deployment then registered revision 3 from stale content: the build renders revision 2', () => {
    // GIVEN `cdk deploy` registered revision 2 (a new LOG_LEVEL) while an execution rendered from
    // revision 1 waited for approval; the approved deployment then registered revision 3 from that
    // stale content, so revision 3 is now the family's latest ACTIVE revision
    const withLogLevel = (revision: number, level?: string) => (family: string) => {
      const response = describeTaskDefinitionResponse(family, revision) as any;
      const app = response.taskDefinition.containerDefinitions[0];
      if (level) app.environment = [...app.environment, { name: 'LOG_LEVEL', value: level }];
      return response;
    };
    // WHEN the next build runs with the ARN CloudFormation returned for revision 2
    const result = runBuild(imageBuild(BASE_OPTIONS), {
      cdkRevision: () => 2,
      taskDefinition: (family) => withLogLevel(2, 'debug')(family),
      latestTaskDefinition: withLogLevel(3),
    });
    // THEN every taskdef-<env>.json carries CDK's change, read from revision 2 by ARN
    expect(result.succeeded).toBe(true);
    for (const env of ENVIRONMENTS) {
      const app = readJson(path.join(result.artifactDir, `taskdef-${env.name}.json`)).containerDefinitions.find((c: any) => c.name === 'app');
      expect(app.environment).toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });
      expect(result.output).toContain(`from ${taskDefinitionArn(familyOf(env), 2)}`);
    }
    expect(callsOf(result, 'aws', 'ecs', 'describe-task-definition').map((c) => c[4])).toEqual(
      ENVIRONMENTS.map((env) => taskDefinitionArn(familyOf(env), 2)));
  });

  test('a describe-task-definition answer for another revision fails the build', () => {
    // GIVEN an answer whose ARN is not the requested one
    const result = runBuild(imageBuild(BASE_OPTIONS), { taskDefinition: (family) => describeTaskDefinitionResponse(family, 99) });
    // THEN
    expect(result.succeeded).toBe(false);
    expect(result.output).toMatch(/describe-task-definition returned '.*:99', not the requested revision '.*:40'/);
  });
});

describe('renderUnitTestBuildSpec', () => {
  test('runs the commands in order in one build phase, with no artifacts', () => {
    // GIVEN
    const spec = renderUnitTestBuildSpec(['echo "unit-test lint" >> "$CALL_LOG"', 'echo "unit-test jest" >> "$CALL_LOG"']);
    // WHEN the commands run
    const result = runBuild({ spec });
    // THEN
    expect(result.succeeded).toBe(true);
    expect(result.calls.map((c) => c.join(' '))).toEqual(['unit-test lint', 'unit-test jest']);
    expect(spec).not.toHaveProperty('artifacts');
    expect(Object.keys(spec.phases)).toEqual(['build']);
    expect(() => renderUnitTestBuildSpec([])).toThrow(/at least one unit test command/);
  });

  test('a failing command fails the unit tests and stops there', () => {
    const result = runBuild({ spec: renderUnitTestBuildSpec(['echo "unit-test lint" >> "$CALL_LOG"', 'false', 'echo "unit-test never" >> "$CALL_LOG"']) });
    expect(result.succeeded).toBe(false);
    expect(result.calls.map((c) => c.join(' '))).toEqual(['unit-test lint']);
  });
});

describe('renderImageBuildSpec: the scan gate with basic and enhanced scanning', () => {
  const spec = imageBuild({ ...BASE_OPTIONS, scanSeverityThreshold: 'HIGH' });
  const status = (value: string, description = 'x') => ({ imageScanStatus: { status: value, description } });
  const enhanced = (value: string, findings: Array<{ severity: string; status?: string }>) => ({
    ...status(value, 'Continuous scan is selected for image.'),
    imageScanFindings: {
      enhancedFindings: findings.map((f, i) => ({ findingArn: `arn:aws:inspector2:eu-west-1:123456789012:finding/${i}`, severity: f.severity, status: f.status ?? 'ACTIVE', type: 'PACKAGE_VULNERABILITY' })),
    },
  });
  const scanCalls = (result: BuildResult) => callsOf(result, 'aws', 'ecr', 'describe-image-scan-findings').length;

  test.each([
    ['basic UNSUPPORTED_IMAGE', status('UNSUPPORTED_IMAGE', 'The operating system and/or package manager are not supported.')],
    ['basic FAILED with UnsupportedImageError', status('FAILED', 'UnsupportedImageError: The operating system and/or package manager are not supported.')],
  ])('a scratch image (%s) fails at once, saying the gate cannot judge it and how to go on', (_what, answer) => {
    // GIVEN basic scanning of an image without an OS package database
    const result = runBuild(spec, { scanAnswers: [answer] });
    // THEN one look, a clear message, no artifacts
    expect(result.succeeded).toBe(false);
    expect(scanCalls(result)).toBe(1);
    expect(result.output).toContain('ECR basic scanning cannot scan this image');
    expect(result.output).toContain('basic scanning covers OS packages only');
    expect(result.output).toContain('so the gate cannot judge this image');
    expect(result.output).toContain('scanSeverityThreshold: ScanSeverity.NONE');
    expect(artifactFiles(result)).toEqual([]);
  });

  test('basic scanning: IN_PROGRESS, then COMPLETE -> polls, then judges the findings', () => {
    const result = runBuild(spec, { scanAnswers: [status('IN_PROGRESS'), scanFindingsResponse({ MEDIUM: 2 })] });
    expect(result.succeeded).toBe(true);
    expect(scanCalls(result)).toBe(2);
    expect(result.output).toContain('Image scan status: IN_PROGRESS (BASIC registry scanning); waiting');
    expect(result.output).toContain('Image scan gate: no findings at or above HIGH; passing');
  });

  test('basic scanning without a scan (scan on push off): fails after the wait, naming the cause', () => {
    const result = runBuild(spec, { scanAnswers: ['NOT_FOUND'], scanWaitSeconds: 0 });
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('no scan of this image exists after 0 seconds: scan on push is off for this repository');
    expect(result.output).toContain('scanSeverityThreshold: ScanSeverity.NONE');
  });

  test('enhanced scanning, status ACTIVE: judged at once from enhancedFindings (no 5-minute wait for COMPLETE)', () => {
    // GIVEN registry-level enhanced scanning (Inspector) and a HIGH finding
    const result = runBuild(spec, { registryScanType: 'ENHANCED', scanAnswers: [enhanced('ACTIVE', [{ severity: 'HIGH' }, { severity: 'LOW' }])] });
    // THEN one look, and the gate fails on the finding, not on the status
    expect(result.succeeded).toBe(false);
    expect(scanCalls(result)).toBe(1);
    expect(result.output).toContain('Image scan findings (ENHANCED scanning, status ACTIVE): HIGH=1, LOW=1');
    expect(result.output).toContain('Image scan gate: 1 finding(s) at or above HIGH (HIGH=1); failing the build');
  });

  test('enhanced scanning: PENDING, then ACTIVE with only suppressed or lower findings -> passes', () => {
    const result = runBuild(spec, {
      registryScanType: 'ENHANCED',
      scanAnswers: [status('PENDING'), enhanced('ACTIVE', [{ severity: 'CRITICAL', status: 'SUPPRESSED' }, { severity: 'MEDIUM' }, { severity: 'UNTRIAGED' }])],
    });
    expect(result.succeeded).toBe(true);
    expect(scanCalls(result)).toBe(2);
    expect(result.output).toContain('Image scan status: PENDING (ENHANCED registry scanning); waiting');
    expect(result.output).toContain('Image scan findings (ENHANCED scanning, status ACTIVE): MEDIUM=1, INFORMATIONAL=1');
    expect(artifactFiles(result)).toContain('imageDetail.json');
  });

  test.each([
    ['FINDINGS_UNAVAILABLE', 'Amazon Inspector reports FINDINGS_UNAVAILABLE'],
    ['SCAN_ELIGIBILITY_EXPIRED', 'Amazon Inspector reports SCAN_ELIGIBILITY_EXPIRED'],
    ['UNSUPPORTED_IMAGE', 'Amazon Inspector (enhanced scanning) cannot scan this image'],
  ])('enhanced scanning, status %s: fails at once with what happened and what to do', (value, message) => {
    const result = runBuild(spec, { registryScanType: 'ENHANCED', scanAnswers: [status(value)] });
    expect(result.succeeded).toBe(false);
    expect(scanCalls(result)).toBe(1);
    expect(result.output).toContain(message);
    expect(result.output).toContain('so the gate cannot judge this image');
    expect(result.output).toContain('scanSeverityThreshold: ScanSeverity.NONE');
  });

  test('enhanced scanning still PENDING when the wait ends: fails, saying so', () => {
    const result = runBuild(spec, { registryScanType: 'ENHANCED', scanAnswers: [status('PENDING', 'Scan pending')], scanWaitSeconds: 0 });
    expect(result.succeeded).toBe(false);
    expect(result.output).toContain('the scan is still PENDING after 0 seconds (Scan pending)');
  });
});

describe('renderImageBuildSpec: per-engine outputs (imagedefinitions)', () => {
  // GIVEN dev deployed by an engine that reads imagedefinitions only (CodePipeline's standard ECS
  // action), staging and prod by CodeDeploy (task definition and AppSpec)
  const MIXED: TestOptions = {
    ...BASE_OPTIONS,
    environments: [
      { ...ENVIRONMENTS[0], outputs: ['imageDefinitions'] },
      // as the CodeDeploy engine hands it over (no hooks, the cluster's default strategy)
      { ...ENVIRONMENTS[1], engineData: appSpecData({}) },
      { ...ENVIRONMENTS[2], outputs: ['taskDefinition', 'appSpec', 'imageDefinitions'] },
    ],
  };
  let result: BuildResult;
  beforeAll(() => {
    // WHEN the build runs
    result = runBuild(imageBuild(MIXED));
  });

  test('each environment gets exactly the files its engine reads', () => {
    // THEN dev: imagedefinitions only; staging: taskdef + appspec; prod: all three
    expect(result.succeeded).toBe(true);
    expect(artifactFiles(result)).toEqual([
      'appspec-prod.yaml', 'appspec-staging.yaml', 'built-images.json',
      'imageDetail.json',
      'imagedefinitions-dev.json', 'imagedefinitions-prod.json',
      'taskdef-prod.json', 'taskdef-staging.json',
    ]);
  });

  test('imagedefinitions-<env>.json names the application container and its digest URI (CodePipeline\'s format)', () => {
    // THEN [{ name, imageUri }] with the digest, never a tag
    expect(readJson(path.join(result.artifactDir, 'imagedefinitions-dev.json'))).toEqual([
      { name: 'app', imageUri: `${REPOSITORY_URI}@${DIGEST}` },
    ]);
  });

  test('an environment without a task definition to render is never described (no ecs:DescribeTaskDefinition needed)', () => {
    // THEN describe-task-definition runs for staging and prod only
    const described = callsOf(result, 'aws', 'ecs', 'describe-task-definition').map((call) => call[call.indexOf('--task-definition') + 1]);
    expect(described).toEqual([
      taskDefinitionArn(familyOf(ENVIRONMENTS[1]), DEFAULT_CDK_REVISION(1)),
      taskDefinitionArn(familyOf(ENVIRONMENTS[2]), DEFAULT_CDK_REVISION(2)),
    ]);
  });

  test('the variable of an imagedefinitions-only environment carries its files and no task definition ARN; a CodeDeploy environment\'s is unchanged', () => {
    // THEN
    const variables = projectVariables(MIXED, (env) => taskDefinitionArn(familyOf(env), 1));
    const dev = JSON.parse(variables[deployEnvironmentVariable('dev')]);
    expect(dev).not.toHaveProperty('taskDefinitionArn');
    expect(dev.outputs).toEqual({ imageDefinitions: 'imagedefinitions-dev.json' });
    const staging = JSON.parse(variables[deployEnvironmentVariable('staging')]);
    expect(Object.keys(staging)).toEqual(['name', 'taskDefinitionArn', 'containerName', 'containerPort', 'hooks', 'capacityProviderStrategy']);
  });

  test('rejects an unknown or empty list of outputs at synth time', () => {
    expect(() => projectVariables({ ...BASE_OPTIONS, environments: [{ ...ENVIRONMENTS[0], outputs: [] }] }, () => 'arn'))
      .toThrow(/\[dev\] outputs must list distinct kinds among taskDefinition, appSpec, imageDefinitions; got \[\]/);
    expect(() => projectVariables({ ...BASE_OPTIONS, environments: [{ ...ENVIRONMENTS[0], outputs: ['imageDefinitions', 'imageDefinitions'] }] }, () => 'arn'))
      .toThrow(/\[dev\] outputs must list distinct kinds/);
  });
});

describe('renderImageBuildSpec: additional containers built from the same commit', () => {
  const PROXY_DIGEST = 'sha256:' + 'fe98dc76'.repeat(8);
  const PROXY_TAG = `${IMAGE_TAG}-proxy`;
  const TWO_IMAGES: TestOptions = {
    ...BASE_OPTIONS,
    additionalContainers: [{ name: 'proxy', dockerfile: 'proxy/Dockerfile', buildDirectory: 'proxy', buildArgs: { UPSTREAM: '127.0.0.1:8080' } }],
    environments: [
      { ...ENVIRONMENTS[0], outputs: ['imageDefinitions'] },
      { ...ENVIRONMENTS[1], loadBalancerContainerName: 'proxy', containerPort: 80 },
    ],
  };
  /** The CDK revision: the app and a bootstrapped proxy (busybox, real command in the label). */
  function withProxy(family: string, revision: number) {
    const response = describeTaskDefinitionResponse(family, revision) as any;
    response.taskDefinition.containerDefinitions.push({
      name: 'proxy',
      image: 'public.ecr.aws/docker/library/busybox:stable',
      command: ['sh', '-c', 'exec httpd -f -p 80 -h /www'],
      essential: true,
      portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
      dockerLabels: { 'cdk-ecs-cicd-pipeline.bootstrap': 'true', 'cdk-ecs-cicd-pipeline.command': JSON.stringify(['nginx', '-g', 'daemon off;']) },
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/shop', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'proxy' } },
    });
    return response;
  }
  let result: BuildResult;
  beforeAll(() => {
    // GIVEN an app and a proxy container, both built from the commit; dev reads imagedefinitions,
    // staging is deployed by CodeDeploy with the load balancer on the proxy
    // WHEN the build runs
    result = runBuild(imageBuild(TWO_IMAGES), { taskDefinition: withProxy, imagesByTag: { [PROXY_TAG]: PROXY_DIGEST } });
  });

  test('builds and pushes both images into the same repository: the app as <commit>, the proxy as <commit>-proxy', () => {
    // THEN
    expect(result.succeeded).toBe(true);
    expect(callsOf(result, 'docker', 'build')).toEqual([
      ['docker', 'build', '-f', 'app/Dockerfile', '-t', `${REPOSITORY_URI}:${IMAGE_TAG}`,
        '--build-arg', 'NODE_ENV=production', '--build-arg', "GREETING=it's a $HOME `test`", '.'],
      ['docker', 'build', '-f', 'proxy/Dockerfile', '-t', `${REPOSITORY_URI}:${PROXY_TAG}`, '--build-arg', 'UPSTREAM=127.0.0.1:8080', 'proxy'],
    ]);
    expect(callsOf(result, 'docker', 'push')).toEqual([
      ['docker', 'push', `${REPOSITORY_URI}:${IMAGE_TAG}`],
      ['docker', 'push', `${REPOSITORY_URI}:${PROXY_TAG}`],
    ]);
  });

  test('gates both digests on the scan', () => {
    // THEN describe-image-scan-findings is asked for the app's digest, then the proxy's
    const digests = callsOf(result, 'aws', 'ecr', 'describe-image-scan-findings').map((call) => call.find((a) => a.startsWith('imageDigest=')));
    expect(digests).toEqual([`imageDigest=${DIGEST}`, `imageDigest=${PROXY_DIGEST}`]);
  });

  test('imagedefinitions lists every container with its digest; imageDetail.json stays the app\'s', () => {
    // THEN
    expect(readJson(path.join(result.artifactDir, 'imagedefinitions-dev.json'))).toEqual([
      { name: 'app', imageUri: `${REPOSITORY_URI}@${DIGEST}` },
      { name: 'proxy', imageUri: `${REPOSITORY_URI}@${PROXY_DIGEST}` },
    ]);
    expect(readJson(path.join(result.artifactDir, 'imageDetail.json'))).toEqual({ ImageURI: `${REPOSITORY_URI}@${DIGEST}` });
    expect(artifactFiles(result)).toEqual(['appspec-staging.yaml', 'built-images.json', 'imageDetail.json', 'imagedefinitions-dev.json', 'taskdef-staging.json']);
  });

  test('built-images.json lists both digests, the app\'s first: what production\'s image tagging keeps', () => {
    expect(readJson(path.join(result.artifactDir, 'built-images.json')))
      .toEqual([{ imageUri: `${REPOSITORY_URI}@${DIGEST}` }, { container: 'proxy', imageUri: `${REPOSITORY_URI}@${PROXY_DIGEST}` }]);
  });

  test('the task definition names the proxy\'s digest (its real command restored) and keeps the app\'s placeholder', () => {
    // THEN
    const taskdef = readJson(path.join(result.artifactDir, 'taskdef-staging.json'));
    const byName = Object.fromEntries(taskdef.containerDefinitions.map((c: any) => [c.name, c]));
    expect(byName.app.image).toBe('<IMAGE1_NAME>');
    expect(byName.proxy.image).toBe(`${REPOSITORY_URI}@${PROXY_DIGEST}`);
    expect(byName.proxy.command).toEqual(['nginx', '-g', 'daemon off;']);
    expect(byName.proxy).not.toHaveProperty('dockerLabels');
    expect(byName['xray-daemon']).toEqual(XRAY_CONTAINER);
  });

  test('the AppSpec points the load balancer at the container it targets', () => {
    // THEN
    const appSpec = parseYaml(fs.readFileSync(path.join(result.artifactDir, 'appspec-staging.yaml'), 'utf8'));
    expect(appSpec.Resources[0].TargetService.Properties.LoadBalancerInfo).toEqual({ ContainerName: 'proxy', ContainerPort: 80 });
  });

  test('a finding at the threshold in the second image fails the build before any deploy artifact', () => {
    // GIVEN the app's scan is clean, the proxy's has a CRITICAL finding
    const answers = [scanFindingsResponse({}), scanFindingsResponse({ CRITICAL: 1 })];
    // WHEN
    const failed = runBuild(imageBuild(TWO_IMAGES), { taskDefinition: withProxy, imagesByTag: { [PROXY_TAG]: PROXY_DIGEST }, scanAnswers: answers });
    // THEN
    expect(failed.succeeded).toBe(false);
    expect(failed.output).toContain('1 finding(s) at or above CRITICAL');
    expect(artifactFiles(failed)).toEqual([]);
  });

  test('the buildspec inputs reject an invalid or duplicate container name with the constructs\' check, naming the prop', () => {
    const proxy = TWO_IMAGES.additionalContainers![0];
    expect(() => projectVariables({ ...TWO_IMAGES, additionalContainers: [proxy, proxy] }, () => 'arn'))
      .toThrow(/^additionalContainers\[1\]\.name \('proxy'\) is also additionalContainers\[0\]\.name; names must be unique$/);
    expect(() => projectVariables({ ...TWO_IMAGES, additionalContainers: [{ ...proxy, name: '-proxy' }] }, () => 'arn'))
      .toThrow(/^additionalContainers\[0\]\.name \('-proxy'\) must be 1-64 letters, digits, hyphens or underscores, starting with a letter$/);
  });

  test('a task definition without the additional container fails the build, naming it', () => {
    // GIVEN / WHEN the CDK revision lacks the proxy
    const failed = runBuild(imageBuild(TWO_IMAGES), { imagesByTag: { [PROXY_TAG]: PROXY_DIGEST } });
    // THEN
    expect(failed.succeeded).toBe(false);
    expect(failed.output).toMatch(/has no container named 'proxy'/);
  });

  test('a task definition with an additional container the build does not build fails the build, naming it and additionalContainers', () => {
    // GIVEN / WHEN the CDK revision has the bootstrapped proxy, the build builds the app only
    const failed = runBuild(imageBuild(BASE_OPTIONS), { taskDefinition: withProxy });
    // THEN no task definition keeps busybox and the bootstrap command
    expect(failed.succeeded).toBe(false);
    expect(failed.output).toMatch(/container 'proxy' still has the bootstrap image \(label cdk-ecs-cicd-pipeline\.bootstrap\), because this build builds no image for it; give the image build the same additionalContainers as the service \(built: none\)/);
    expect(artifactFiles(failed).filter(f => f.startsWith('taskdef-'))).toEqual([]);
  });

  test('shell-settings assigns only what every phase uses; what to build comes per image from image-settings', () => {
    // GIVEN the project's variables
    const variables = projectVariables(TWO_IMAGES, (env) => taskDefinitionArn(familyOf(env), 40));
    const run = (...args: string[]) => spawnSync('python3', [path.join(SCRIPTS_DIR, 'image_build.py'), ...args],
      { encoding: 'utf8', env: { PATH: process.env.PATH, ...variables } });
    const names = (text: string) => text.split('\n').filter(l => l).map(l => l.split('=')[0]);
    // WHEN / THEN
    expect(names(run('shell-settings').stdout))
      .toEqual(['SCAN_SEVERITY_THRESHOLD', 'IMAGE_TAG_LENGTH', 'ARTIFACT_DIRECTORY', 'IMAGE_DETAIL_PATH', 'ENVIRONMENT_NAMES', 'IMAGE_COUNT']);
    expect(run('image-settings', '1').stdout).toBe([
      "IMAGE_NAME='container proxy'", 'DOCKERFILE=proxy/Dockerfile', 'BUILD_DIRECTORY=proxy', 'TAG_SUFFIX=-proxy',
      'BUILD_ARGS=(--build-arg UPSTREAM=127.0.0.1:8080)', '',
    ].join('\n'));
  });

  test('pushes restricted to the build: both existing tags are reused, nothing is built, and both digests are deployed', () => {
    // GIVEN both tags exist and only the build may push
    const reused = runBuild(imageBuild(TWO_IMAGES), {
      taskDefinition: withProxy, imagesByTag: { [PROXY_TAG]: PROXY_DIGEST }, imageAlreadyExists: true,
    });
    // THEN
    expect(reused.succeeded).toBe(true);
    expect(callsOf(reused, 'docker', 'build')).toEqual([]);
    expect(callsOf(reused, 'docker', 'push')).toEqual([]);
    expect(readJson(path.join(reused.artifactDir, 'imagedefinitions-dev.json')).map((d: any) => d.imageUri))
      .toEqual([`${REPOSITORY_URI}@${DIGEST}`, `${REPOSITORY_URI}@${PROXY_DIGEST}`]);
  });

  test('pushes not restricted: both images get a tag unique to the build, the name last', () => {
    // GIVEN both tags exist already
    const rebuilt = runBuild(imageBuild(TWO_IMAGES), {
      taskDefinition: withProxy, imagesByTag: { [PROXY_TAG]: PROXY_DIGEST }, imageAlreadyExists: true, reuseExistingImage: false,
    });
    // THEN
    expect(rebuilt.succeeded).toBe(true);
    expect(callsOf(rebuilt, 'docker', 'push').map((call) => call[2])).toEqual([
      `${REPOSITORY_URI}:${IMAGE_TAG}-build-17`, `${REPOSITORY_URI}:${IMAGE_TAG}-build-17-proxy`,
    ]);
  });
});
