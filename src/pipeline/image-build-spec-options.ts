/**
 * The inputs of the image buildspec and their synth-time validation.
 *
 * Internal module: not exported from the package entry point.
 */
import { BUILD_OUTPUT_FILES, BuildOutputKind, DEFAULT_BUILD_OUTPUTS, NO_SCAN_GATE, SCAN_SEVERITIES } from './build-contract';
import { validateBuiltContainerNames } from '../service/additional-containers';

/** One deployment target whose deploy files the build writes. */
export interface BuildSpecEnvironment {
  /** Environment name, e.g. 'dev'. Must match /^[A-Za-z][A-Za-z0-9-]*$/. */
  readonly name: string;
  /**
   * ARN (with its revision) of the task definition CDK registered; a token is fine. Needed only
   * when `outputs` include `taskDefinition` (the build then reads it with DescribeTaskDefinition).
   */
  readonly taskDefinitionArn?: string;
  /** Name of the application container, e.g. 'app'. */
  readonly containerName: string;
  /** Port of the container registered with the load balancer. */
  readonly containerPort: number;
  /**
   * Name of the container registered with the load balancer.
   * @default containerName
   */
  readonly loadBalancerContainerName?: string;
  /**
   * The files the build writes for this environment (what its deployment engine reads).
   * @default DEFAULT_BUILD_OUTPUTS (the CodeDeploy engine's files)
   */
  readonly outputs?: BuildOutputKind[];
  /**
   * The engine's own data for its files (`IBlueGreenDeploymentTarget.buildData`), passed to the
   * scripts as given, after the fields above; it may not redefine them.
   * @default - none
   */
  readonly engineData?: { [key: string]: unknown };
}

/** One more image built from the same commit. */
export interface AdditionalImageOptions {
  /** Name of its container (in every environment's task definition). */
  readonly name: string;
  /** Path of its Dockerfile, relative to the source root. */
  readonly dockerfile: string;
  /** Its Docker build context, relative to the source root. */
  readonly buildDirectory: string;
  /** Its Docker build arguments. */
  readonly buildArgs?: { [key: string]: string };
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
  /** Environments to render deploy artifacts for, in promotion order. */
  readonly environments: BuildSpecEnvironment[];
  /**
   * More images built from the same commit, one per additional container (tagged `<commit>-<name>`).
   * @default - none
   */
  readonly additionalContainers?: AdditionalImageOptions[];
  /**
   * Longest image tag cut from SOURCE_REVISION. The full commit id (40 or 64 characters) or S3
   * ETag fits: a shortened id can collide with another commit's.
   * @default 128 (ECR's limit)
   */
  readonly imageTagLength?: number;
}

/** Inputs of the image build: the settings, and where the scripts and the repository are. */
export interface ImageBuildInputs extends ImageBuildSpecOptions {
  /** `s3://bucket/key` of the zipped scripts (a token is fine). */
  readonly scriptsUrl: string;
  readonly repositoryUri: string;
  readonly repositoryName: string;
  /**
   * Whether an image already tagged with the commit may be reused: only when nobody but the
   * build's role may push to the repository (so an existing tag can only be the build's own).
   */
  readonly reuseExistingImage: boolean;
}

const ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
/** The keys of an environment's build data that the build itself sets (engine data may not redefine them). */
export const ENVIRONMENT_DATA_KEYS = ['name', 'taskDefinitionArn', 'containerName', 'containerPort', 'loadBalancerContainerName', 'outputs', 'remote'];
export const MAX_IMAGE_TAG_LENGTH = 128;

/**
 * Throws on an input the build scripts cannot honour. The user-facing props (dockerfile,
 * buildDirectory, buildArgs, environment names) are validated once, with their prop paths, by
 * `validateImageBuildOptions` and the pipeline; this only guards what reaches the scripts.
 */
export function validateImageBuildSpecOptions(options: ImageBuildSpecOptions): void {
  if (!SCAN_SEVERITIES.includes(options.scanSeverityThreshold) && options.scanSeverityThreshold !== NO_SCAN_GATE) {
    throw new Error(`scanSeverityThreshold must be one of ${[...SCAN_SEVERITIES].reverse().join(', ')}, ${NO_SCAN_GATE}; got '${options.scanSeverityThreshold}'`);
  }
  const tagLength = options.imageTagLength ?? MAX_IMAGE_TAG_LENGTH;
  if (!Number.isInteger(tagLength) || tagLength < 1 || tagLength > MAX_IMAGE_TAG_LENGTH) {
    throw new Error(`imageTagLength must be an integer between 1 and ${MAX_IMAGE_TAG_LENGTH}; got ${tagLength}`);
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
    const outputs = env.outputs ?? DEFAULT_BUILD_OUTPUTS;
    const unknown = outputs.filter(kind => !(kind in BUILD_OUTPUT_FILES));
    if (outputs.length === 0 || unknown.length > 0 || new Set(outputs).size !== outputs.length) {
      throw new Error(`[${env.name}] outputs must list distinct kinds among ${Object.keys(BUILD_OUTPUT_FILES).join(', ')}; got ${JSON.stringify(outputs)}`);
    }
    if (outputs.includes('taskDefinition') && !env.taskDefinitionArn) {
      throw new Error(`[${env.name}] taskDefinitionArn is needed to render the task definition`);
    }
    if (!env.containerName) {
      throw new Error(`[${env.name}] containerName must not be empty`);
    }
    if (!Number.isInteger(env.containerPort) || env.containerPort < 1 || env.containerPort > 65535) {
      throw new Error(`[${env.name}] containerPort must be an integer between 1 and 65535; got ${env.containerPort}`);
    }
    const clashes = Object.keys(env.engineData ?? {}).filter(key => ENVIRONMENT_DATA_KEYS.includes(key));
    if (clashes.length > 0) {
      throw new Error(`[${env.name}] the engine's build data redefines ${clashes.join(', ')}; these keys are the build's own (${ENVIRONMENT_DATA_KEYS.join(', ')})`);
    }
  }
  // The same check as the constructs' (additional-containers.ts): the name is also an image tag suffix.
  validateBuiltContainerNames('', options.additionalContainers ?? [], new Map());
}
