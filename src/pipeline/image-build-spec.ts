/**
 * Renders the CodeBuild buildspec that builds the container image once and
 * emits the CodeDeploy (ECS blue/green) deploy artifacts for every environment.
 *
 * Internal module: not exported from the package entry point.
 *
 * Environment variables the CodeBuild project must provide:
 * - REPOSITORY_URI   e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop
 * - REPOSITORY_NAME  e.g. shop
 * - SOURCE_REVISION  the commit id (or an S3 ETag)
 * - AWS_DEFAULT_REGION and CODEBUILD_SRC_DIR are set by CodeBuild itself.
 */

/** One deployment target whose task definition / AppSpec is rendered by the build. */
export interface BuildSpecEnvironment {
  /** Environment name, e.g. 'dev'. Must match /^[A-Za-z][A-Za-z0-9-]*$/. */
  readonly name: string;
  /** Task definition family. May be a CDK token: it is only interpolated, never parsed. */
  readonly taskDefinitionFamily: string;
  /** Name of the application container, e.g. 'app'. */
  readonly containerName: string;
  /** Port of the application container registered with the load balancer. */
  readonly containerPort: number;
  /** CodeDeploy lifecycle hooks: lifecycle event name -> Lambda function ARN (or token). */
  readonly hooks?: { [lifecycleEvent: string]: string };
  /**
   * The service's capacity provider strategy. CodeDeploy removes the strategy from the service
   * when the AppSpec omits it (aws/containers-roadmap#1752), so it is repeated in the AppSpec.
   */
  readonly capacityProviderStrategy?: Array<{ readonly capacityProvider: string; readonly base?: number; readonly weight?: number }>;
}

export interface ImageBuildSpecOptions {
  /** Commands run (verbatim, in order) before anything Docker. */
  readonly unitTestCommands?: string[];
  /** Path of the Dockerfile, relative to the source root. */
  readonly dockerfile: string;
  /** Docker build context, relative to the source root. */
  readonly buildDirectory: string;
  /** Docker build arguments. */
  readonly buildArgs?: { [key: string]: string };
  /** CRITICAL | HIGH | MEDIUM | LOW | INFORMATIONAL | NONE (NONE disables the scan gate). */
  readonly scanSeverityThreshold: string;
  /** Environments to render deploy artifacts for. */
  readonly environments: BuildSpecEnvironment[];
  /** Length of the image tag cut from SOURCE_REVISION. @default 7 */
  readonly imageTagLength?: number;
}

/** Base directory of the build output artifact. */
export const DEPLOY_ARTIFACT_DIRECTORY = 'deploy-artifacts';

const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const HOOK_EVENTS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];
const ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const DEFAULT_IMAGE_TAG_LENGTH = 7;
const MAX_IMAGE_TAG_LENGTH = 128;

/** The python3 helper written once in pre_build and called by later commands. */
const HELPER_SCRIPT = String.raw`"""Image build helpers: digest lookup, ECR scan gate and deploy artifact rendering."""
import json
import re
import sys

SEVERITY_ORDER = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
READ_ONLY_TASK_DEFINITION_FIELDS = [
    'taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities',
    'registeredAt', 'registeredBy', 'deregisteredAt',
]
IMAGE_PLACEHOLDER = '<IMAGE1_NAME>'
# A container defined without an image in CDK boots a placeholder command; its real command (if
# any) travels in a Docker label and is restored here (see src/private/bootstrap.ts).
BOOTSTRAP_LABEL = 'cdk-ecs-cicd-pipeline.bootstrap'
BOOTSTRAP_COMMAND_LABEL = 'cdk-ecs-cicd-pipeline.command'


def fail(message):
    print('ERROR: ' + message, file=sys.stderr)
    sys.exit(1)


def load_json(path, what):
    try:
        with open(path) as handle:
            document = json.load(handle)
    except (OSError, ValueError) as error:
        fail('could not read %s from %s: %s' % (what, path, error))
    if not isinstance(document, dict):
        fail('%s in %s is not a JSON object' % (what, path))
    return document


def image_digest(path):
    details = load_json(path, 'the describe-images output').get('imageDetails') or []
    digest = (details[0].get('imageDigest') if details else None) or ''
    if not re.fullmatch('sha256:[0-9a-f]{64}', digest):
        fail('describe-images returned no sha256 image digest (got %r)' % digest)
    print(digest)


def scan_gate(threshold, path):
    if threshold not in SEVERITY_ORDER:
        fail('unknown severity threshold %r' % threshold)
    result = load_json(path, 'the image scan findings')
    scan_status = result.get('imageScanStatus') or {}
    status = scan_status.get('status') or 'UNKNOWN'
    if status != 'COMPLETE':
        detail = scan_status.get('description') or 'no description'
        fail('Image scan gate: the ECR image scan status is %s (%s); failing the build' % (status, detail))
    counts = {}
    raw_counts = (result.get('imageScanFindings') or {}).get('findingSeverityCounts') or {}
    for severity, count in raw_counts.items():
        # UNDEFINED (and any severity unknown to this gate) ranks as INFORMATIONAL.
        rank = severity if severity in SEVERITY_ORDER else 'INFORMATIONAL'
        counts[rank] = counts.get(rank, 0) + int(count)
    descending = list(reversed(SEVERITY_ORDER))
    summary = ', '.join('%s=%d' % (s, counts[s]) for s in descending if counts.get(s))
    print('Image scan findings: %s' % (summary or 'none'))
    gated = SEVERITY_ORDER[SEVERITY_ORDER.index(threshold):]
    blocking = [s for s in descending if s in gated and counts.get(s)]
    total = sum(counts[s] for s in blocking)
    if total > 0:
        details = ', '.join('%s=%d' % (s, counts[s]) for s in blocking)
        fail('Image scan gate: %d finding(s) at or above %s (%s); failing the build' % (total, threshold, details))
    print('Image scan gate: no findings at or above %s; passing' % threshold)


def render_taskdef(source, container_name, output):
    task_definition = load_json(source, 'the describe-task-definition output').get('taskDefinition')
    if not isinstance(task_definition, dict):
        fail('no taskDefinition in %s' % source)
    for field in READ_ONLY_TASK_DEFINITION_FIELDS:
        task_definition.pop(field, None)
    containers = task_definition.get('containerDefinitions') or []
    matches = [c for c in containers if c.get('name') == container_name]
    if not matches:
        names = ', '.join(str(c.get('name')) for c in containers) or 'none'
        fail('task definition family %s has no container named %r (containers: %s)'
             % (task_definition.get('family'), container_name, names))
    app = matches[0]
    app['image'] = IMAGE_PLACEHOLDER
    labels = app.get('dockerLabels') or {}
    if labels.get(BOOTSTRAP_LABEL) == 'true':
        command = json.loads(labels.get(BOOTSTRAP_COMMAND_LABEL, 'null'))
        if command is None:
            app.pop('command', None)
        else:
            app['command'] = command
        labels.pop(BOOTSTRAP_LABEL, None)
        labels.pop(BOOTSTRAP_COMMAND_LABEL, None)
        if labels:
            app['dockerLabels'] = labels
        else:
            app.pop('dockerLabels', None)
        print('Restored the real command of %s (the CDK revision boots a placeholder)' % container_name)
    with open(output, 'w') as handle:
        json.dump(task_definition, handle, indent=2)
        handle.write('\n')
    print('Wrote %s (container %s -> %s, %d container(s))'
          % (output, container_name, IMAGE_PLACEHOLDER, len(containers)))


def image_detail(image_uri, output):
    if '@sha256:' not in image_uri:
        fail('refusing to write a non-digest image URI: %r' % image_uri)
    with open(output, 'w') as handle:
        json.dump({'ImageURI': image_uri}, handle)
        handle.write('\n')
    print('Wrote %s (ImageURI %s)' % (output, image_uri))


COMMANDS = {
    'image-digest': (image_digest, 1),
    'scan-gate': (scan_gate, 2),
    'render-taskdef': (render_taskdef, 3),
    'image-detail': (image_detail, 2),
}

if __name__ == '__main__':
    command = sys.argv[1] if len(sys.argv) > 1 else ''
    if command not in COMMANDS or len(sys.argv) - 2 != COMMANDS[command][1]:
        fail('usage: %s {%s} ARGS...' % (sys.argv[0], '|'.join(sorted(COMMANDS))))
    COMMANDS[command][0](*sys.argv[2:])
`;

/**
 * Renders the buildspec object to pass to `codebuild.BuildSpec.fromObject(...)`.
 */
export function renderImageBuildSpec(options: ImageBuildSpecOptions): { [key: string]: any } {
  validateOptions(options);
  const tagLength = options.imageTagLength ?? DEFAULT_IMAGE_TAG_LENGTH;
  const threshold = options.scanSeverityThreshold;
  const unitTests = options.unitTestCommands ?? [];
  const dir = DEPLOY_ARTIFACT_DIRECTORY;

  const preBuild: string[] = [
    lines(
      'echo "Checking the build environment"',
      'for required in REPOSITORY_URI REPOSITORY_NAME SOURCE_REVISION CODEBUILD_SRC_DIR; do',
      '  if [ -z "${!required:-}" ]; then echo "ERROR: environment variable $required is not set" >&2; exit 1; fi',
      'done',
      'REGISTRY_HOST="${REPOSITORY_URI%%/*}"',
      'echo "Repository: $REPOSITORY_URI (registry $REGISTRY_HOST), region ${AWS_DEFAULT_REGION:-<unset>}"',
    ),
    lines(
      `echo "Deriving the image tag from SOURCE_REVISION=$SOURCE_REVISION (max ${tagLength} characters)"`,
      'IMAGE_TAG="${SOURCE_REVISION//[^A-Za-z0-9_.-]/}"',
      'while [ "${IMAGE_TAG:0:1}" = "." ] || [ "${IMAGE_TAG:0:1}" = "-" ]; do IMAGE_TAG="${IMAGE_TAG:1}"; done',
      `IMAGE_TAG="\${IMAGE_TAG:0:${tagLength}}"`,
      'if [ -z "$IMAGE_TAG" ]; then echo "ERROR: cannot derive an image tag from SOURCE_REVISION=\'$SOURCE_REVISION\'" >&2; exit 1; fi',
      'echo "Image tag: $IMAGE_TAG"',
    ),
    lines(
      'echo "Writing the build helper script (python3)"',
      'BUILD_WORK_DIR="$(mktemp -d)" || { echo "ERROR: mktemp failed" >&2; exit 1; }',
      'BUILD_HELPER="$BUILD_WORK_DIR/image_build_helper.py"',
      'cat > "$BUILD_HELPER" <<\'PY\'',
      HELPER_SCRIPT.replace(/\n$/, ''),
      'PY',
    ),
  ];
  if (unitTests.length > 0) {
    preBuild.push(`echo "Running ${unitTests.length} unit test command(s) before building the image"`);
    preBuild.push(...unitTests);
    preBuild.push('echo "Unit tests passed"');
  }
  preBuild.push(
    lines(
      'cd "$CODEBUILD_SRC_DIR" || exit 1',
      'echo "Logging in to Amazon ECR registry $REGISTRY_HOST"',
      '( set -o pipefail; aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY_HOST" ) \\',
      '  || { echo "ERROR: docker login to $REGISTRY_HOST failed" >&2; exit 1; }',
    ),
  );

  const buildArgs = Object.entries(options.buildArgs ?? {})
    .map(([key, value]) => ` --build-arg ${shellQuote(`${key}=${value}`)}`)
    .join('');
  const build: string[] = [
    lines(
      'echo "Checking whether $REPOSITORY_URI:$IMAGE_TAG already exists (tags are immutable)"',
      'if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" > "$BUILD_WORK_DIR/existing-image.json" 2> "$BUILD_WORK_DIR/existing-image.err"; then',
      '  IMAGE_ALREADY_PUSHED=true',
      '  echo "Image $REPOSITORY_URI:$IMAGE_TAG already exists: reusing it, skipping docker build and push"',
      'elif grep -q ImageNotFoundException "$BUILD_WORK_DIR/existing-image.err"; then',
      '  IMAGE_ALREADY_PUSHED=false',
      '  echo "Image $REPOSITORY_URI:$IMAGE_TAG does not exist yet: building it"',
      'else',
      '  cat "$BUILD_WORK_DIR/existing-image.err" >&2',
      '  echo "ERROR: could not check whether $REPOSITORY_URI:$IMAGE_TAG exists" >&2; exit 1',
      'fi',
    ),
    lines(
      'if [ "$IMAGE_ALREADY_PUSHED" = "true" ]; then',
      '  echo "Skipping docker build (image reused)"',
      'else',
      `  echo ${shellQuote(`Building ${options.dockerfile} (context ${options.buildDirectory}) as `)}"$REPOSITORY_URI:$IMAGE_TAG"`,
      `  docker build -f ${shellQuote(options.dockerfile)} -t "$REPOSITORY_URI:$IMAGE_TAG"${buildArgs} ${shellQuote(options.buildDirectory)} \\`,
      '    || { echo "ERROR: docker build failed" >&2; exit 1; }',
      'fi',
    ),
    lines(
      'if [ "$IMAGE_ALREADY_PUSHED" = "true" ]; then',
      '  echo "Skipping docker push (image reused)"',
      'else',
      '  echo "Pushing $REPOSITORY_URI:$IMAGE_TAG"',
      '  docker push "$REPOSITORY_URI:$IMAGE_TAG" || { echo "ERROR: docker push failed" >&2; exit 1; }',
      'fi',
    ),
    lines(
      'echo "Resolving the digest of $REPOSITORY_URI:$IMAGE_TAG"',
      'aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" > "$BUILD_WORK_DIR/image.json" \\',
      '  || { echo "ERROR: describe-images failed for $REPOSITORY_NAME:$IMAGE_TAG" >&2; exit 1; }',
      'IMAGE_DIGEST="$(python3 "$BUILD_HELPER" image-digest "$BUILD_WORK_DIR/image.json")" \\',
      '  || { echo "ERROR: no sha256 digest found for $REPOSITORY_NAME:$IMAGE_TAG" >&2; exit 1; }',
      'echo "Image digest: $IMAGE_DIGEST"',
    ),
  ];
  if (threshold === 'NONE') {
    build.push('echo "Image scan gate disabled (threshold NONE): not waiting for the ECR image scan"');
  } else {
    build.push(
      lines(
        'echo "Waiting for the ECR image scan of $REPOSITORY_NAME@$IMAGE_DIGEST"',
        'aws ecr wait image-scan-complete --repository-name "$REPOSITORY_NAME" --image-id imageDigest="$IMAGE_DIGEST" \\',
        '  || { echo "ERROR: the ECR image scan did not complete (scan FAILED, timed out, or scan on push is not enabled)" >&2; exit 1; }',
      ),
      lines(
        `echo "Image scan gate: failing on findings at or above ${threshold}"`,
        'aws ecr describe-image-scan-findings --repository-name "$REPOSITORY_NAME" --image-id imageDigest="$IMAGE_DIGEST" > "$BUILD_WORK_DIR/scan-findings.json" \\',
        '  || { echo "ERROR: describe-image-scan-findings failed" >&2; exit 1; }',
        `python3 "$BUILD_HELPER" scan-gate ${threshold} "$BUILD_WORK_DIR/scan-findings.json"`,
      ),
    );
  }

  const postBuild: string[] = [
    lines(
      // post_build may run after a failed build phase: never emit artifacts for a failed build.
      'if [ "${CODEBUILD_BUILD_SUCCEEDING:-1}" != "1" ]; then echo "ERROR: an earlier phase failed; not writing deploy artifacts" >&2; exit 1; fi',
      'cd "$CODEBUILD_SRC_DIR" || exit 1',
      `echo "Writing deploy artifacts to ${dir}/"`,
      `mkdir -p ${dir} || exit 1`,
      `python3 "$BUILD_HELPER" image-detail "$REPOSITORY_URI@$IMAGE_DIGEST" ${dir}/imageDetail.json`,
    ),
  ];
  for (const env of options.environments) {
    const source = `"$BUILD_WORK_DIR/describe-task-definition-${env.name}.json"`;
    const taskdefFile = `${dir}/taskdef-${env.name}.json`;
    const appspecFile = `${dir}/appspec-${env.name}.yaml`;
    // One command per artifact, kept short: CodeBuild limits an inline buildspec to 25,600 characters.
    postBuild.push(
      lines(
        `aws ecs describe-task-definition --task-definition ${shellQuote(env.taskDefinitionFamily)} > ${source} \\`,
        `  || { echo ${shellQuote(`ERROR: [${env.name}] describe-task-definition failed`)} >&2; exit 1; }`,
        `python3 "$BUILD_HELPER" render-taskdef ${source} ${shellQuote(env.containerName)} ${taskdefFile}`,
      ),
      `printf '%s\\n' ${shellQuote(renderAppSpec(env))} > ${appspecFile} && echo ${shellQuote(`Wrote ${appspecFile}`)}`,
    );
  }
  postBuild.push(lines('echo "Deploy artifacts for image $REPOSITORY_URI@$IMAGE_DIGEST:"', `ls -l ${dir}`));

  return {
    version: '0.2',
    env: { shell: 'bash' },
    phases: {
      pre_build: { 'on-failure': 'ABORT', 'commands': preBuild },
      build: { 'on-failure': 'ABORT', 'commands': build },
      post_build: { 'on-failure': 'ABORT', 'commands': postBuild },
    },
    artifacts: { 'base-directory': DEPLOY_ARTIFACT_DIRECTORY, 'files': ['**/*'] },
  };
}

/** AppSpec for the ECS blue/green deployment, as JSON (valid YAML). */
function renderAppSpec(env: BuildSpecEnvironment): string {
  const hooks = HOOK_EVENTS
    .filter((event) => env.hooks?.[event] !== undefined)
    .map((event) => ({ [event]: env.hooks![event] }));
  const appSpec: { [key: string]: unknown } = {
    version: 0,
    Resources: [{
      TargetService: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: '<TASK_DEFINITION>',
          LoadBalancerInfo: { ContainerName: env.containerName, ContainerPort: env.containerPort },
          ...(env.capacityProviderStrategy?.length ? {
            CapacityProviderStrategy: env.capacityProviderStrategy.map(s => ({
              CapacityProvider: s.capacityProvider,
              Base: s.base ?? 0,
              Weight: s.weight ?? 0,
            })),
          } : {}),
        },
      },
    }],
  };
  if (hooks.length > 0) {
    appSpec.Hooks = hooks;
  }
  // Compact JSON (valid YAML): CodeBuild limits an inline buildspec to 25,600 characters.
  // CodeDeploy documents the AppSpec version as 0.0: keep that exact spelling.
  return JSON.stringify(appSpec).replace(/^\{"version":0,/, '{"version":0.0,');
}

function validateOptions(options: ImageBuildSpecOptions): void {
  if (!SEVERITIES.includes(options.scanSeverityThreshold) && options.scanSeverityThreshold !== 'NONE') {
    throw new Error(`scanSeverityThreshold must be one of ${[...SEVERITIES].reverse().join(', ')}, NONE; got '${options.scanSeverityThreshold}'`);
  }
  const tagLength = options.imageTagLength ?? DEFAULT_IMAGE_TAG_LENGTH;
  if (!Number.isInteger(tagLength) || tagLength < 1 || tagLength > MAX_IMAGE_TAG_LENGTH) {
    throw new Error(`imageTagLength must be an integer between 1 and ${MAX_IMAGE_TAG_LENGTH}; got ${tagLength}`);
  }
  if (!options.dockerfile) {
    throw new Error('dockerfile must not be empty');
  }
  if (!options.buildDirectory) {
    throw new Error('buildDirectory must not be empty');
  }
  for (const key of Object.keys(options.buildArgs ?? {})) {
    if (key === '' || key.includes('=') || /\s/.test(key)) {
      throw new Error(`invalid docker build argument name '${key}'`);
    }
  }
  if (options.environments.length === 0) {
    throw new Error('at least one environment is required');
  }
  const seen = new Set<string>();
  for (const env of options.environments) {
    if (!ENVIRONMENT_NAME.test(env.name)) {
      throw new Error(`environment name '${env.name}' must match ${ENVIRONMENT_NAME}`);
    }
    if (seen.has(env.name.toLowerCase())) {
      throw new Error(`duplicate environment name '${env.name}'`);
    }
    seen.add(env.name.toLowerCase());
    if (!env.taskDefinitionFamily) {
      throw new Error(`[${env.name}] taskDefinitionFamily must not be empty`);
    }
    if (!env.containerName) {
      throw new Error(`[${env.name}] containerName must not be empty`);
    }
    if (!Number.isInteger(env.containerPort) || env.containerPort < 1 || env.containerPort > 65535) {
      throw new Error(`[${env.name}] containerPort must be an integer between 1 and 65535; got ${env.containerPort}`);
    }
    for (const [event, target] of Object.entries(env.hooks ?? {})) {
      if (!HOOK_EVENTS.includes(event)) {
        throw new Error(`[${env.name}] unknown lifecycle hook '${event}'; expected one of ${HOOK_EVENTS.join(', ')}`);
      }
      if (!target) {
        throw new Error(`[${env.name}] lifecycle hook '${event}' has no target`);
      }
    }
  }
}

/** Quotes a value as a single bash word (single quotes; no expansion). */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

function lines(...parts: string[]): string {
  return parts.join('\n');
}
