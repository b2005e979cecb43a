/**
 * The image build's buildspec and inputs. The buildspec is small and the same for any number of
 * environments: it fetches the build scripts (an S3 asset of `build-scripts/image-build/`) and runs
 * `bash image-build.sh <phase>` in each phase. Everything the scripts need arrives as CodeBuild
 * environment variables (see {@link imageBuildEnvironmentVariables}); the names and shared values are
 * defined once, in `build-contract.ts`.
 *
 * Internal module: not exported from the package entry point.
 */
import {
  BUILD_OUTPUT_FILES, BuildSettings, DEFAULT_BUILD_OUTPUTS, DEPLOY_ARTIFACT_DIRECTORY, deployEnvironmentVariable, ENVIRONMENTS_VARIABLE,
  IMAGE_BUILD_SCRIPT,
  REPOSITORY_NAME_VARIABLE, REPOSITORY_URI_VARIABLE, REUSE_EXISTING_IMAGE_VARIABLE,
  SCRIPTS_URL_VARIABLE, SETTINGS_VARIABLE, SHARED_SETTINGS,
} from './build-contract';
import {
  BuildSpecEnvironment, ImageBuildInputs, ImageBuildSpecOptions, MAX_IMAGE_TAG_LENGTH, validateImageBuildSpecOptions,
} from './image-build-spec-options';

export { DEPLOY_ARTIFACT_DIRECTORY } from './build-contract';
export type { AdditionalImageOptions, BuildSpecEnvironment, ImageBuildInputs, ImageBuildSpecOptions } from './image-build-spec-options';

/**
 * The buildspec object to pass to `codebuild.BuildSpec.fromObject(...)`: the same text for every
 * pipeline, whatever its environments and settings (they travel in environment variables).
 */
export function renderImageBuildSpec(): { [key: string]: any } {
  const run = (phase: string) => ({
    'on-failure': 'ABORT',
    'commands': [`bash "$IMAGE_BUILD_SCRIPTS/${IMAGE_BUILD_SCRIPT}" ${phase}`],
  });
  return {
    version: '0.2',
    env: { shell: 'bash' },
    phases: {
      pre_build: {
        'on-failure': 'ABORT',
        'commands': [
          `echo "Fetching the image build scripts from $${SCRIPTS_URL_VARIABLE}"`,
          'IMAGE_BUILD_SCRIPTS="$(mktemp -d)"'
            + ` && aws s3 cp --only-show-errors "$${SCRIPTS_URL_VARIABLE}" "$IMAGE_BUILD_SCRIPTS.zip"`
            + ' && python3 -m zipfile -e "$IMAGE_BUILD_SCRIPTS.zip" "$IMAGE_BUILD_SCRIPTS"',
          ...run('pre_build').commands,
        ],
      },
      build: run('build'),
      post_build: run('post_build'),
    },
    artifacts: { 'base-directory': DEPLOY_ARTIFACT_DIRECTORY, 'files': ['**/*'] },
  };
}

/**
 * The data of one environment, as its variable carries it (compact JSON). An environment that
 * deploys from the CodeDeploy engine's files (task definition and AppSpec) carries no `outputs`:
 * the scripts' default, which keeps such environments' variables as they were.
 */
export function deployEnvironmentData(env: BuildSpecEnvironment): { [key: string]: unknown } {
  const outputs = env.outputs ?? DEFAULT_BUILD_OUTPUTS;
  const isDefault = outputs.length === DEFAULT_BUILD_OUTPUTS.length && DEFAULT_BUILD_OUTPUTS.every(kind => outputs.includes(kind));
  return {
    name: env.name,
    // Only an environment whose task definition is rendered needs it (and DescribeTaskDefinition).
    ...(outputs.includes('taskDefinition') ? { taskDefinitionArn: env.taskDefinitionArn } : {}),
    containerName: env.containerName,
    containerPort: env.containerPort,
    // Only when the load balancer targets another container than the application's.
    ...(env.loadBalancerContainerName !== undefined && env.loadBalancerContainerName !== env.containerName
      ? { loadBalancerContainerName: env.loadBalancerContainerName } : {}),
    // What the engine's files need besides (e.g. the CodeDeploy engine's hooks for the AppSpec).
    ...(env.engineData ?? {}),
    ...(isDefault ? {} : { outputs: Object.fromEntries(outputs.map(kind => [kind, BUILD_OUTPUT_FILES[kind](env.name)])) }),
  };
}

/** The build settings variable's contents. */
export function buildSettings(options: ImageBuildSpecOptions): BuildSettings {
  return {
    dockerfile: options.dockerfile,
    buildDirectory: options.buildDirectory,
    buildArgs: options.buildArgs ?? {},
    scanSeverityThreshold: options.scanSeverityThreshold,
    imageTagLength: options.imageTagLength ?? MAX_IMAGE_TAG_LENGTH,
    ...SHARED_SETTINGS,
    // Absent without additional containers, so a one-image build's settings stay as they were.
    ...((options.additionalContainers ?? []).length > 0 ? {
      additionalContainers: options.additionalContainers!.map(image => ({
        name: image.name,
        dockerfile: image.dockerfile,
        buildDirectory: image.buildDirectory,
        buildArgs: image.buildArgs ?? {},
      })),
    } : {}),
  };
}

/**
 * The CodeBuild environment variables the scripts read. `toJson` turns a value into compact JSON;
 * pass `Stack.toJsonString` when values hold tokens (they resolve at deploy time).
 */
export function imageBuildEnvironmentVariables(
  inputs: ImageBuildInputs,
  toJson: (value: unknown) => string = (value) => JSON.stringify(value),
): { [name: string]: string } {
  validateImageBuildSpecOptions(inputs);
  const out: { [name: string]: string } = {
    [SCRIPTS_URL_VARIABLE]: inputs.scriptsUrl,
    [REPOSITORY_URI_VARIABLE]: inputs.repositoryUri,
    [REPOSITORY_NAME_VARIABLE]: inputs.repositoryName,
    [REUSE_EXISTING_IMAGE_VARIABLE]: inputs.reuseExistingImage ? 'true' : 'false',
    [SETTINGS_VARIABLE]: toJson(buildSettings(inputs)),
    [ENVIRONMENTS_VARIABLE]: inputs.environments.map(env => deployEnvironmentVariable(env.name)).join(' '),
  };
  for (const env of inputs.environments) {
    out[deployEnvironmentVariable(env.name)] = toJson(deployEnvironmentData(env));
  }
  return out;
}

/**
 * CodeBuild rejects an environment variable longer than this: "InvalidInputException:
 * EnvironmentVariable should be at most 4096 characters" (observed from StartBuild,
 * wolfeidau/buildkite-serverless-agent#35; the API reference documents no length, and no total
 * for all variables). Counted here with the variable's name, to be safe.
 */
const MAX_ENVIRONMENT_VARIABLE = 4096;
/** What a token in a variable may resolve to at most: a task definition ARN (51 + a 255-character family + revision). */
const TOKEN_ESTIMATE = 320;

/** Length of a resolved CloudFormation value once deployed, each intrinsic counted at {@link TOKEN_ESTIMATE}. */
function deployedLength(value: unknown): number {
  if (typeof value === 'string') { return value.length; }
  if (typeof value === 'number') { return String(value).length; }
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
  if (join) {
    const [delimiter, items] = join;
    return items.reduce<number>((sum, item) => sum + deployedLength(item), 0) + delimiter.length * Math.max(0, items.length - 1);
  }
  return TOKEN_ESTIMATE;
}

/**
 * Fails at synth when a variable of the image build could exceed CodeBuild's limit once deployed.
 * Each environment has a variable of its own; only the list of their names grows with the number
 * of environments (about 30 characters each, so well over a hundred fit).
 */
export function checkEnvironmentVariableSizes(variables: { [name: string]: string }, resolve: (value: string) => unknown): void {
  const environments = (variables[ENVIRONMENTS_VARIABLE] ?? '').split(' ').length;
  for (const [name, value] of Object.entries(variables)) {
    const length = name.length + 1 + deployedLength(resolve(value));
    if (length > MAX_ENVIRONMENT_VARIABLE) {
      const [cause, remedy] = name === SETTINGS_VARIABLE
        ? ['buildArgs and additionalContainers[].buildArgs (with the Dockerfiles and build directories) make',
          'use fewer/shorter buildArgs or additionalContainers[].buildArgs (e.g. defaults in the Dockerfiles)']
        : name === ENVIRONMENTS_VARIABLE
          ? [`environments (${environments}) make`, 'use fewer environments or shorter names (or pipelines of their own)']
          : ['the environment\'s data (task definition, container, its engine\'s build data) make', 'use shorter names'];
      throw new Error(`${cause} the image build's environment variable ${name} about ${length} characters once deployed; `
        + `CodeBuild accepts at most ${MAX_ENVIRONMENT_VARIABLE} per variable: ${remedy}`);
    }
  }
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
