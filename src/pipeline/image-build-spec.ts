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
 * - REUSE_EXISTING_IMAGE  'true' only when nobody but the build's role may push to the repository
 *   (see {@link imageBuildEnvironmentVariables}); otherwise an existing tag is never trusted
 * - TASK_DEFINITION_ARN_<NAME> per environment: the exact task definition revision CDK registered
 *   (see {@link taskDefinitionArnVariable})
 * - AWS_DEFAULT_REGION, CODEBUILD_SRC_DIR and CODEBUILD_BUILD_NUMBER are set by CodeBuild itself.
 * - SCAN_WAIT_SECONDS / SCAN_POLL_SECONDS (optional) override how long and how often the scan
 *   gate polls (defaults 900 / 15).
 */

/** One deployment target whose task definition / AppSpec is rendered by the build. */
export interface BuildSpecEnvironment {
  /**
   * Environment name, e.g. 'dev'. Must match /^[A-Za-z][A-Za-z0-9-]*$/. The build renders
   * `taskdef-<name>.json` from the task definition ARN in the environment variable
   * `taskDefinitionArnVariable(name)`.
   */
  readonly name: string;
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
  /**
   * Longest image tag cut from SOURCE_REVISION. The full commit id (40 or 64 characters) or S3
   * ETag fits: a shortened id can collide with another commit's.
   * @default 128 (ECR's limit)
   */
  readonly imageTagLength?: number;
}

/** Base directory of the build output artifact. */
export const DEPLOY_ARTIFACT_DIRECTORY = 'deploy-artifacts';

const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const HOOK_EVENTS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];
const ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const MAX_IMAGE_TAG_LENGTH = 128;
const DEFAULT_IMAGE_TAG_LENGTH = MAX_IMAGE_TAG_LENGTH;

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


# What the gate says when it cannot judge an image: fail, and say how to go on.
HOW_TO_SKIP = ('To deploy such images, set scanSeverityThreshold: ScanSeverity.NONE and scan them another way '
               '(e.g. Amazon Inspector enhanced scanning, which also covers language packages).')


def scan_type(path):
    configuration = load_json(path, 'the registry scanning configuration').get('scanningConfiguration') or {}
    kind = configuration.get('scanType') or 'BASIC'
    if kind not in ('BASIC', 'ENHANCED'):
        fail('unknown registry scan type %r' % kind)
    print(kind)


def cannot_judge(what):
    fail('Image scan gate: %s, so the gate cannot judge this image; failing the build. %s' % (what, HOW_TO_SKIP))


def scan_status(kind, status, detail, last, waited):
    """Returns True when the findings can be judged, exits 3 while the scan is pending."""
    unsupported = status == 'UNSUPPORTED_IMAGE' or 'UnsupportedImageError' in detail
    scanner = 'ECR basic scanning' if kind == 'BASIC' else 'Amazon Inspector (enhanced scanning)'
    if unsupported:
        cannot_judge('%s cannot scan this image (%s: %s); basic scanning covers OS packages only, and an image '
                     'without a supported OS package database (FROM scratch, distroless, ...) has nothing it can scan'
                     % (scanner, status, detail))
    if status == 'FINDINGS_UNAVAILABLE':
        cannot_judge('Amazon Inspector reports FINDINGS_UNAVAILABLE (%s): it has no findings for this image, e.g. '
                     'its operating system is not supported or the image is no longer monitored' % detail)
    if status == 'SCAN_ELIGIBILITY_EXPIRED':
        cannot_judge('Amazon Inspector reports SCAN_ELIGIBILITY_EXPIRED (%s): the image was pushed longer ago than '
                     "Inspector's ECR re-scan duration and is no longer scanned; push a new commit or lengthen the "
                     're-scan duration in Amazon Inspector' % detail)
    if status in ('LIMIT_EXCEEDED', 'IMAGE_ARCHIVED', 'FAILED'):
        cannot_judge('the image scan status is %s (%s)' % (status, detail))
    if (kind == 'BASIC' and status == 'COMPLETE') or (kind == 'ENHANCED' and status in ('ACTIVE', 'COMPLETE')):
        return True
    if status not in ('IN_PROGRESS', 'PENDING', 'NOT_FOUND'):
        cannot_judge('the image scan status %s (%s) is unknown to the gate (registry scan type %s)' % (status, detail, kind))
    if not last:
        print('Image scan status: %s (%s registry scanning); waiting' % (status, kind))
        sys.exit(3)
    if status == 'NOT_FOUND':
        where = ("scan on push is off for this repository (the repository's scanOnPush setting or the registry's "
                 'basic scanning rules)') if kind == 'BASIC' else (
                 "the repository matches none of the registry's enhanced scanning rules")
        cannot_judge('no scan of this image exists after %s seconds: %s' % (waited, where))
    cannot_judge('the scan is still %s after %s seconds (%s)' % (status, waited, detail))


def finding_counts(kind, findings):
    counts = {}

    def add(severity, count):
        # UNDEFINED, UNTRIAGED (and any severity unknown to this gate) rank as INFORMATIONAL.
        rank = severity if severity in SEVERITY_ORDER else 'INFORMATIONAL'
        counts[rank] = counts.get(rank, 0) + int(count)
    if kind == 'ENHANCED' and 'enhancedFindings' in findings:
        # Inspector findings a person suppressed (or that were closed) do not block.
        for finding in findings.get('enhancedFindings') or []:
            if finding.get('status') not in ('SUPPRESSED', 'CLOSED'):
                add(finding.get('severity') or 'UNDEFINED', 1)
    else:
        for severity, count in (findings.get('findingSeverityCounts') or {}).items():
            add(severity, count)
    return counts


def scan_gate(kind, threshold, path, last, waited):
    if threshold not in SEVERITY_ORDER:
        fail('unknown severity threshold %r' % threshold)
    result = load_json(path, 'the image scan findings')
    status_detail = result.get('imageScanStatus') or {}
    status = status_detail.get('status') or 'UNKNOWN'
    scan_status(kind, status, status_detail.get('description') or 'no description', last == 'true', waited)
    counts = finding_counts(kind, result.get('imageScanFindings') or {})
    descending = list(reversed(SEVERITY_ORDER))
    summary = ', '.join('%s=%d' % (s, counts[s]) for s in descending if counts.get(s))
    print('Image scan findings (%s scanning, status %s): %s' % (kind, status, summary or 'none'))
    gated = SEVERITY_ORDER[SEVERITY_ORDER.index(threshold):]
    blocking = [s for s in descending if s in gated and counts.get(s)]
    total = sum(counts[s] for s in blocking)
    if total > 0:
        details = ', '.join('%s=%d' % (s, counts[s]) for s in blocking)
        fail('Image scan gate: %d finding(s) at or above %s (%s); failing the build' % (total, threshold, details))
    print('Image scan gate: no findings at or above %s; passing' % threshold)


def render_taskdef(source, expected_arn, container_name, output):
    task_definition = load_json(source, 'the describe-task-definition output').get('taskDefinition')
    if not isinstance(task_definition, dict):
        fail('no taskDefinition in %s' % source)
    # The exact revision CDK registered, never the family's latest: the pipeline's own deployments
    # register revisions in the family too, from the content of an older build.
    if task_definition.get('taskDefinitionArn') != expected_arn:
        fail('describe-task-definition returned %r, not the requested revision %r'
             % (task_definition.get('taskDefinitionArn'), expected_arn))
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
    print('Wrote %s from %s (container %s -> %s, %d container(s))'
          % (output, expected_arn, container_name, IMAGE_PLACEHOLDER, len(containers)))


def image_detail(image_uri, output):
    if '@sha256:' not in image_uri:
        fail('refusing to write a non-digest image URI: %r' % image_uri)
    with open(output, 'w') as handle:
        json.dump({'ImageURI': image_uri}, handle)
        handle.write('\n')
    print('Wrote %s (ImageURI %s)' % (output, image_uri))


COMMANDS = {
    'image-digest': (image_digest, 1),
    'scan-type': (scan_type, 1),
    'scan-gate': (scan_gate, 5),
    'render-taskdef': (render_taskdef, 4),
    'image-detail': (image_detail, 2),
}

if __name__ == '__main__':
    command = sys.argv[1] if len(sys.argv) > 1 else ''
    if command not in COMMANDS or len(sys.argv) - 2 != COMMANDS[command][1]:
        fail('usage: %s {%s} ARGS...' % (sys.argv[0], '|'.join(sorted(COMMANDS))))
    COMMANDS[command][0](*sys.argv[2:])
`;

/**
 * Name of the environment variable that carries an environment's task definition ARN (with its
 * revision), e.g. `TASK_DEFINITION_ARN_STAGING_EU` for `staging-eu`. Environment names are unique
 * ignoring case and cannot contain underscores, so the names never collide.
 */
export function taskDefinitionArnVariable(environmentName: string): string {
  return `TASK_DEFINITION_ARN_${environmentName.toUpperCase().replace(/-/g, '_')}`;
}

/** Inputs of the image build that are CodeBuild environment variables rather than buildspec text. */
export interface ImageBuildEnvironmentVariables {
  readonly repositoryUri: string;
  readonly repositoryName: string;
  /**
   * Whether an image already tagged with the commit may be reused: only when nobody but the
   * build's role may push to the repository (so an existing tag can only be the build's own).
   */
  readonly reuseExistingImage: boolean;
  /** Environment name -> ARN of the task definition revision CDK registered (a token is fine). */
  readonly taskDefinitionArns: { [environmentName: string]: string };
}

/** The CodeBuild environment variables the buildspec expects (plain text values). */
export function imageBuildEnvironmentVariables(inputs: ImageBuildEnvironmentVariables): { [name: string]: string } {
  const out: { [name: string]: string } = {
    REPOSITORY_URI: inputs.repositoryUri,
    REPOSITORY_NAME: inputs.repositoryName,
    REUSE_EXISTING_IMAGE: inputs.reuseExistingImage ? 'true' : 'false',
  };
  for (const [name, arn] of Object.entries(inputs.taskDefinitionArns)) {
    out[taskDefinitionArnVariable(name)] = arn;
  }
  return out;
}

/**
 * The buildspec of the unit tests: the commands alone, in a project of their own whose role can
 * read the source artifact and write its own logs, nothing else (no pushes, no deploy artifacts).
 */
export function renderUnitTestBuildSpec(commands: string[]): { [key: string]: any } {
  if (commands.length === 0) {
    throw new Error('at least one unit test command is required');
  }
  return {
    version: '0.2',
    env: { shell: 'bash' },
    phases: {
      build: {
        'on-failure': 'ABORT',
        'commands': [
          `echo "Running ${commands.length} unit test command(s)"`,
          ...commands,
          'echo "Unit tests passed"',
        ],
      },
    },
  };
}

/**
 * Renders the buildspec object to pass to `codebuild.BuildSpec.fromObject(...)`.
 */
export function renderImageBuildSpec(options: ImageBuildSpecOptions): { [key: string]: any } {
  validateOptions(options);
  const tagLength = options.imageTagLength ?? DEFAULT_IMAGE_TAG_LENGTH;
  const threshold = options.scanSeverityThreshold;
  const dir = DEPLOY_ARTIFACT_DIRECTORY;
  const required = ['REPOSITORY_URI', 'REPOSITORY_NAME', 'SOURCE_REVISION', 'REUSE_EXISTING_IMAGE', 'CODEBUILD_SRC_DIR',
    ...options.environments.map(env => taskDefinitionArnVariable(env.name))];

  const preBuild: string[] = [
    lines(
      'echo "Checking the build environment"',
      `for required in ${required.join(' ')}; do`,
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
      // Comment lines stay in this source only: CodeBuild limits an inline buildspec to 25,600 characters.
      HELPER_SCRIPT.replace(/^ *#.*\n/gm, '').replace(/\n$/, ''),
      'PY',
    ),
    lines(
      'cd "$CODEBUILD_SRC_DIR" || exit 1',
      'echo "Logging in to Amazon ECR registry $REGISTRY_HOST"',
      '( set -o pipefail; aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY_HOST" ) \\',
      '  || { echo "ERROR: docker login to $REGISTRY_HOST failed" >&2; exit 1; }',
    ),
  ];

  const buildArgs = Object.entries(options.buildArgs ?? {})
    .map(([key, value]) => ` --build-arg ${shellQuote(`${key}=${value}`)}`)
    .join('');
  const build: string[] = [
    lines(
      'echo "Checking whether $REPOSITORY_URI:$IMAGE_TAG already exists"',
      'if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" > "$BUILD_WORK_DIR/existing-image.json" 2> "$BUILD_WORK_DIR/existing-image.err"; then',
      // Reuse is safe only when the tag can be nobody else's: the repository denies pushes to every
      // principal but this build's role (REUSE_EXISTING_IMAGE=true). Otherwise anyone allowed to push
      // could have seeded the tag: build anyway, under a tag unique to this build.
      '  if [ "$REUSE_EXISTING_IMAGE" = "true" ]; then',
      '    IMAGE_ALREADY_PUSHED=true',
      '    echo "Image $REPOSITORY_URI:$IMAGE_TAG already exists and only this build may push to the repository: reusing it, skipping docker build and push"',
      '  else',
      '    IMAGE_ALREADY_PUSHED=false',
      '    BUILD_SUFFIX="-build-${CODEBUILD_BUILD_NUMBER:-$(date +%s)}"',
      `    IMAGE_TAG="\${IMAGE_TAG:0:$((${MAX_IMAGE_TAG_LENGTH} - \${#BUILD_SUFFIX}))}$BUILD_SUFFIX"`,
      '    echo "The tag exists, but pushes to this repository are not restricted to this build, so it may not be this build\'s image: not reusing it; building $REPOSITORY_URI:$IMAGE_TAG"',
      '  fi',
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
        // Basic and enhanced (Amazon Inspector) scanning report different statuses: ask which one runs.
        'aws ecr get-registry-scanning-configuration > "$BUILD_WORK_DIR/scanning-configuration.json" \\',
        '  || { echo "ERROR: get-registry-scanning-configuration failed" >&2; exit 1; }',
        'SCAN_TYPE="$(python3 "$BUILD_HELPER" scan-type "$BUILD_WORK_DIR/scanning-configuration.json")" || exit 1',
        `echo "Image scan gate: $SCAN_TYPE registry scanning; failing on findings at or above ${threshold}"`,
      ),
      lines(
        // Poll (instead of `aws ecr wait image-scan-complete`, which knows COMPLETE and FAILED only):
        // the helper exits 0 when the findings pass, 3 while the scan is pending, 1 otherwise.
        'SCAN_STARTED=$SECONDS',
        'while true; do',
        '  SCAN_WAITED=$((SECONDS - SCAN_STARTED)); SCAN_LAST=false',
        '  [ "$SCAN_WAITED" -ge "${SCAN_WAIT_SECONDS:-900}" ] && SCAN_LAST=true',
        '  if ! aws ecr describe-image-scan-findings --repository-name "$REPOSITORY_NAME" --image-id imageDigest="$IMAGE_DIGEST" > "$BUILD_WORK_DIR/scan-findings.json" 2> "$BUILD_WORK_DIR/scan-findings.err"; then',
        '    grep -q ScanNotFoundException "$BUILD_WORK_DIR/scan-findings.err" \\',
        '      || { cat "$BUILD_WORK_DIR/scan-findings.err" >&2; echo "ERROR: describe-image-scan-findings failed" >&2; exit 1; }',
        '    echo \'{"imageScanStatus":{"status":"NOT_FOUND","description":"ScanNotFoundException"}}\' > "$BUILD_WORK_DIR/scan-findings.json"',
        '  fi',
        `  python3 "$BUILD_HELPER" scan-gate "$SCAN_TYPE" ${threshold} "$BUILD_WORK_DIR/scan-findings.json" "$SCAN_LAST" "$SCAN_WAITED"; SCAN_RESULT=$?`,
        '  [ "$SCAN_RESULT" -ne 3 ] && break',
        '  sleep "${SCAN_POLL_SECONDS:-15}"',
        'done',
        '[ "$SCAN_RESULT" -eq 0 ] || exit 1',
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
  // One loop over "<environment>:<container>" pairs rather than commands per environment: CodeBuild
  // limits an inline buildspec to 25,600 characters. The task definition ARN names the exact
  // revision CDK registered (the family alone would name the latest ACTIVE revision, which may be
  // one the pipeline registered from an older build's content); its variable name is
  // taskDefinitionArnVariable(<environment>).
  postBuild.push(lines(
    `for target in ${options.environments.map(env => shellQuote(`${env.name}:${env.containerName}`)).join(' ')}; do`,
    '  name="${target%%:*}"; variable="TASK_DEFINITION_ARN_${name^^}"; variable="${variable//-/_}"',
    '  source="$BUILD_WORK_DIR/describe-task-definition-$name.json"',
    '  aws ecs describe-task-definition --task-definition "${!variable}" > "$source" \\',
    '    || { echo "ERROR: [$name] describe-task-definition ${!variable} failed" >&2; exit 1; }',
    `  python3 "$BUILD_HELPER" render-taskdef "$source" "\${!variable}" "\${target#*:}" "${dir}/taskdef-$name.json" || exit 1`,
    'done',
  ));
  for (const env of options.environments) {
    const appspecFile = `${dir}/appspec-${env.name}.yaml`;
    postBuild.push(`printf '%s\\n' ${shellQuote(renderAppSpec(env))} > ${appspecFile} && echo ${shellQuote(`Wrote ${appspecFile}`)}`);
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
