/**
 * The inputs of the image buildspec and their synth-time validation.
 *
 * Internal module: not exported from the package entry point.
 */
import { NO_SCAN_GATE, SCAN_SEVERITIES } from './build-contract';
import { LIFECYCLE_EVENTS } from '../blue-green/codedeploy/lifecycle-events';

/** One deployment target whose task definition / AppSpec is rendered by the build. */
export interface BuildSpecEnvironment {
  /** Environment name, e.g. 'dev'. Must match /^[A-Za-z][A-Za-z0-9-]*$/. */
  readonly name: string;
  /** ARN (with its revision) of the task definition CDK registered; a token is fine. */
  readonly taskDefinitionArn: string;
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
  /** Environments to render deploy artifacts for, in promotion order. */
  readonly environments: BuildSpecEnvironment[];
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
export const HOOK_EVENTS = LIFECYCLE_EVENTS.map(([, event]) => event);
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
