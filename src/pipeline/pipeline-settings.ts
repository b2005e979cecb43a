import { Annotations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { validateImageBuildOptions } from './build-options';
import { ImageBuildOptions } from './image-build-props';
import { EcsCiCdPipelineProps, EnvironmentOptions } from './pipeline-props';
import { validateCommands, validateInteger, validatePattern } from '../private/validation';
import { ContainerOptions } from '../service/container-options';
import { resolveServiceSettings } from '../service/settings';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Validates the pipeline props once, before anything is created: messages name the prop path
 * (e.g. `environments[2].minCapacity`), the value and what is allowed. Warnings go on `scope`.
 */
export function validatePipelineProps(scope: Construct, props: EcsCiCdPipelineProps, envs: EnvironmentOptions[]): void {
  if (envs.length === 0) {
    throw new Error('environments ([]) must list at least one environment, e.g. [{ name: \'dev\' }]');
  }
  // Container-wide settings first, so their messages name the top-level prop.
  resolveServiceSettings(containerOptions(props), '');
  validateInteger('imageRetentionCount', props.imageRetentionCount, 1, 10000);
  validateInteger('productionImageRetentionCount', props.productionImageRetentionCount, 1, 10000);
  if (props.repository) {
    const clash = ([
      ['repositoryEncryption', props.repositoryEncryption],
      ['repositoryEncryptionKey', props.repositoryEncryptionKey ? 'a key' : undefined],
      ['imageRetentionCount', props.imageRetentionCount],
      ['productionImageRetentionCount', props.productionImageRetentionCount],
    ] as const).find(([, value]) => value !== undefined);
    if (clash) {
      throw new Error(`${clash[0]} (${clash[1]}) cannot be combined with repository: it applies only to the repository this construct creates`);
    }
  }
  if (props.productionImageRetentionCount !== undefined && !envs.some((_, i) => isProduction(envs, i))) {
    throw new Error(`productionImageRetentionCount (${props.productionImageRetentionCount}) has no effect: no environment is production, so no image is `
      + 'tagged for one; set production: true on the production environment(s), or drop productionImageRetentionCount');
  }
  validateImageBuildOptions(props);
  (props.notificationEmails ?? []).forEach((email, i) =>
    validatePattern(`notificationEmails[${i}]`, email, EMAIL, 'must be an e-mail address'));

  const seen = new Map<string, number>();
  envs.forEach((env, i) => {
    const prefix = `environments[${i}].`;
    validatePattern(`${prefix}name`, env.name, /^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'must be 1-32 letters, digits or hyphens, starting with a letter');
    const key = env.name.toLowerCase();
    if (seen.has(key)) {
      throw new Error(`${prefix}name ('${env.name}') duplicates environments[${seen.get(key)}].name; environment names must be unique (ignoring case)`);
    }
    seen.set(key, i);
    resolveServiceSettings({
      ...containerOptions(props),
      ...env,
      production: isProduction(envs, i),
    }, prefix);
    validateCommands(`${prefix}integrationTestCommands`, env.integrationTestCommands);
    (env.approvalEmails ?? []).forEach((email, j) =>
      validatePattern(`${prefix}approvalEmails[${j}]`, email, EMAIL, 'must be an e-mail address'));
    const approval = requiresApproval(envs, i);
    if (env.approvalEmails?.length && !approval) {
      throw new Error(`${prefix}approvalEmails (${JSON.stringify(env.approvalEmails)}) is set but environment '${env.name}' has no approval; set requireApproval: true or drop approvalEmails`);
    }
    if (i === 0 && env.requireApproval) {
      Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:approvalBeforeFirstEnvironment',
        `environments[0].requireApproval: '${env.name}' is the first environment, so its approval comes before any deployment has been verified`);
    }
  });
  // Production used to default to "the last environment": appending one (a DR region, say) then
  // silently took approval, FARGATE-only capacity, 2 tasks and the termination wait away from
  // the previous last one. With several environments the choice must now be written down.
  if (envs.length > 1 && !envs.some(env => env.production === true) && !envs.every(env => env.production === false)) {
    const last = envs[envs.length - 1].name;
    throw new Error(`environments (${envs.map(env => `'${env.name}'`).join(', ')}) has ${envs.length} environments and none sets production: true. `
      + `Mark the production environment(s), e.g. { name: '${last}', production: true }, or set production: false on every environment `
      + 'for a pipeline without production. Production (approval, FARGATE only, 2 tasks, termination wait) is not inferred from the order, '
      + 'so appending an environment cannot take it away from an existing one');
  }
  if (envs.length > 1 && !envs.some((_, i) => requiresApproval(envs, i))) {
    Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:noApproval',
      'no environment requires approval: every commit reaches the last environment without a human decision');
  }
}

/**
 * Whether environment `i` is production: only when marked, except that the single environment of
 * a one-environment pipeline is production by default (adding a second one then requires marking).
 */
export function isProduction(envs: EnvironmentOptions[], i: number): boolean {
  return envs[i].production ?? envs.length === 1;
}

/** Whether environment `i` waits for an approval: by default every production environment but the first. */
export function requiresApproval(envs: EnvironmentOptions[], i: number): boolean {
  return envs[i].requireApproval ?? (isProduction(envs, i) && i > 0);
}

/**
 * Every key of ContainerOptions and ImageBuildOptions. Typed as complete records, so a prop added
 * to either interface fails compilation until it is listed here, instead of being silently dropped
 * on its way from the pipeline to the services or the build.
 */
const CONTAINER_OPTION_KEYS: { [K in keyof Required<ContainerOptions>]: true } = {
  containerName: true,
  containerPort: true,
  healthCheckPath: true,
  cpu: true,
  memoryLimitMiB: true,
  cpuArchitecture: true,
  environment: true,
  secrets: true,
  command: true,
  containerHealthCheck: true,
  xray: true,
  xrayDaemonImage: true,
  additionalContainers: true,
  loadBalancerContainerName: true,
  logRetention: true,
  logEncryptionKey: true,
  logRemovalPolicy: true,
};
const BUILD_OPTION_KEYS: { [K in keyof Required<ImageBuildOptions>]: true } = {
  dockerfile: true,
  buildDirectory: true,
  buildArgs: true,
  unitTestCommands: true,
  scanSeverityThreshold: true,
  buildComputeType: true,
  buildTimeout: true,
};

function pick<T>(props: T, keys: { [K in keyof Required<T>]: true }): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(keys) as Array<keyof T>) { out[key] = props[key]; }
  return out as T;
}

/** The container settings of the pipeline props (shared by every environment). */
export function containerOptions(props: EcsCiCdPipelineProps): ContainerOptions {
  return pick<ContainerOptions>(props, CONTAINER_OPTION_KEYS);
}

/** The image build settings of the pipeline props. */
export function buildOptions(props: EcsCiCdPipelineProps): ImageBuildOptions {
  return pick<ImageBuildOptions>(props, BUILD_OPTION_KEYS);
}
