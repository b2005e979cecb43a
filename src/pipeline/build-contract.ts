import { BOOTSTRAP_COMMAND_LABEL, BOOTSTRAP_LABEL } from '../private/bootstrap';

/**
 * What the image build (the scripts in `build-scripts/image-build/`, run by CodeBuild) and the
 * TypeScript that wires it share: variable names, artifact file names, placeholders. Defined here
 * once; the scripts read each value from the environment variables the construct sets (see
 * `imageBuildEnvironmentVariables`), so none of them is spelled out in both languages.
 *
 * Internal module: not exported from the package entry point.
 */

/** Folder of the image build's scripts in the package (shipped in the npm tarball, not compiled). */
export const IMAGE_BUILD_SCRIPTS_FOLDER = ['build-scripts', 'image-build'];
/** The script the buildspec runs once per phase: `bash image-build.sh <phase>`. */
export const IMAGE_BUILD_SCRIPT = 'image-build.sh';

/** Variable the pipeline's build action sets to the commit id (or S3 ETag); the image tag derives from it. */
export const SOURCE_REVISION_VARIABLE = 'SOURCE_REVISION';
/** `s3://bucket/key` of the zipped scripts (the S3 asset). */
export const SCRIPTS_URL_VARIABLE = 'IMAGE_BUILD_SCRIPTS_URL';
/** The repository's URI (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
export const REPOSITORY_URI_VARIABLE = 'REPOSITORY_URI';
/** The repository's name. */
export const REPOSITORY_NAME_VARIABLE = 'REPOSITORY_NAME';
/** 'true' when only the build may push to the repository, so an existing tag is the build's own. */
export const REUSE_EXISTING_IMAGE_VARIABLE = 'REUSE_EXISTING_IMAGE';
/** Compact JSON: the build settings and the shared values of {@link BuildSettings}. */
export const SETTINGS_VARIABLE = 'IMAGE_BUILD_SETTINGS';
/** The names of the per-environment variables ({@link deployEnvironmentVariable}), in promotion order. */
export const ENVIRONMENTS_VARIABLE = 'DEPLOY_ENVIRONMENTS';

/**
 * Name of the variable that carries one environment's data (compact JSON: name, task definition ARN,
 * container, port, its engine's build data, the files to write), e.g. `DEPLOY_ENVIRONMENT_STAGING_EU` for
 * `staging-eu`. Environment names are unique ignoring case and cannot contain underscores, so the
 * names never collide.
 */
export function deployEnvironmentVariable(environmentName: string): string {
  return `DEPLOY_ENVIRONMENT_${environmentName.toUpperCase().replace(/-/g, '_')}`;
}

/** Base directory of the build's output artifact. */
export const DEPLOY_ARTIFACT_DIRECTORY = 'deploy-artifacts';
/** The image URI by digest (`{"ImageURI": "<repository>@sha256:..."}`), read by the CodeDeploy ECS action. */
export const IMAGE_DETAIL_FILE = 'imageDetail.json';
/**
 * `[{"imageUri": "<repository>@sha256:..."}, {"container": "<name>", "imageUri": ...}, ...]`: every
 * image the build pushed, the application's first (no `container`), then each additional
 * container's; the production image tagging tags them all (image-tagging.ts).
 */
export const BUILT_IMAGES_FILE = 'built-images.json';
/** Placeholder name in `taskdef-<env>.json` that the CodeDeploy ECS action replaces with the image. */
export const IMAGE_PLACEHOLDER_NAME = 'IMAGE1_NAME';
const ENVIRONMENT_PLACEHOLDER = '{environment}';
const TASK_DEFINITION_FILE = `taskdef-${ENVIRONMENT_PLACEHOLDER}.json`;
const APP_SPEC_FILE = `appspec-${ENVIRONMENT_PLACEHOLDER}.yaml`;
const IMAGE_DEFINITIONS_FILE = `imagedefinitions-${ENVIRONMENT_PLACEHOLDER}.json`;

/** `taskdef-<env>.json`: the task definition template of one environment in the build's output. */
export function taskDefinitionFile(environmentName: string): string {
  return TASK_DEFINITION_FILE.replace(ENVIRONMENT_PLACEHOLDER, environmentName);
}

/** `appspec-<env>.yaml`: the AppSpec of one environment in the build's output. */
export function appSpecFile(environmentName: string): string {
  return APP_SPEC_FILE.replace(ENVIRONMENT_PLACEHOLDER, environmentName);
}

/**
 * `imagedefinitions-<env>.json`: `[{"name": "<container>", "imageUri": "<repository>@sha256:..."}]`
 * for one environment, read by CodePipeline's standard ECS deploy action (ECS-native engine).
 */
export function imageDefinitionsFile(environmentName: string): string {
  return IMAGE_DEFINITIONS_FILE.replace(ENVIRONMENT_PLACEHOLDER, environmentName);
}

/** The kinds of per-environment file the build can write; an engine asks for some of them. */
export type BuildOutputKind = 'taskDefinition' | 'appSpec' | 'imageDefinitions';
/** Each kind's file name in the build output. */
export const BUILD_OUTPUT_FILES: { [K in BuildOutputKind]: (environmentName: string) => string } = {
  taskDefinition: taskDefinitionFile,
  appSpec: appSpecFile,
  imageDefinitions: imageDefinitionsFile,
};
/**
 * What the scripts write for an environment whose data names no `outputs`: the CodeDeploy engine's
 * files (so the CodeDeploy environments' variables stay as they were before engines could choose).
 */
export const DEFAULT_BUILD_OUTPUTS: BuildOutputKind[] = ['taskDefinition', 'appSpec'];

/** Scan severities, lowest first (ECR's names; the scan gate ranks unknown ones as the lowest). */
export const SCAN_SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
/** The threshold that turns the scan gate off. */
export const NO_SCAN_GATE = 'NONE';

/** One more image built from the same commit (an additional container), as the settings carry it. */
export interface AdditionalImageSettings {
  /** Container name; the image's tag is `<commit>-<name>`. */
  readonly name: string;
  readonly dockerfile: string;
  readonly buildDirectory: string;
  readonly buildArgs: { [key: string]: string };
}

/** The contents of {@link SETTINGS_VARIABLE}. */
export interface BuildSettings {
  readonly dockerfile: string;
  readonly buildDirectory: string;
  readonly buildArgs: { [key: string]: string };
  readonly scanSeverityThreshold: string;
  readonly imageTagLength: number;
  readonly severities: string[];
  readonly artifactDirectory: string;
  readonly imageDetailFile: string;
  readonly builtImagesFile: string;
  /** File name patterns with an `{environment}` placeholder. */
  readonly taskDefinitionFile: string;
  readonly appSpecFile: string;
  /** `<IMAGE1_NAME>`: the app container's image in `taskdef-<env>.json`. */
  readonly imagePlaceholder: string;
  readonly bootstrapLabel: string;
  readonly bootstrapCommandLabel: string;
  /** Images of the additional containers, in order (absent when there are none). */
  readonly additionalContainers?: AdditionalImageSettings[];
}

/** The shared values of {@link BuildSettings} (everything but the user's build settings). */
export const SHARED_SETTINGS = {
  severities: SCAN_SEVERITIES,
  artifactDirectory: DEPLOY_ARTIFACT_DIRECTORY,
  imageDetailFile: IMAGE_DETAIL_FILE,
  builtImagesFile: BUILT_IMAGES_FILE,
  taskDefinitionFile: TASK_DEFINITION_FILE,
  appSpecFile: APP_SPEC_FILE,
  imagePlaceholder: `<${IMAGE_PLACEHOLDER_NAME}>`,
  bootstrapLabel: BOOTSTRAP_LABEL,
  bootstrapCommandLabel: BOOTSTRAP_COMMAND_LABEL,
};
