import { Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BuiltContainerOptions, ContainerOptions } from './container-options';
import { XRAY_CONTAINER_NAME, XRAY_CPU, XRAY_MEMORY_RESERVATION_MIB } from './xray';
import { bootstrapContainer, idleBootstrapContainer, commandlessBootstrapImage } from '../private/bootstrap';
import { validateCommands, validateInteger, validatePattern, validatePort } from '../private/validation';

/** Container names of `additionalContainers`: also their image tags' suffix (`<commit>-<name>`, at most 128 characters). */
export const BUILT_CONTAINER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** What `BUILT_CONTAINER_NAME` allows, in words. */
export const BUILT_CONTAINER_NAME_ALLOWED = 'must be 1-64 letters, digits, hyphens or underscores, starting with a letter';
/**
 * Containers per task definition: a fixed Amazon ECS quota ("Containers per task definition", 10;
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html).
 */
const MAX_CONTAINERS_PER_TASK = 10;

/**
 * Validates the names of `additionalContainers` (the one check the services and the image build
 * share): each matches `BUILT_CONTAINER_NAME`, is unique among them and is none of `reserved`
 * (name -> the container that holds it, e.g. the application container or the X-Ray sidecar, whose
 * image the build would otherwise overwrite in the rendered task definition). Messages name
 * `${prefix}additionalContainers[i].name`.
 */
export function validateBuiltContainerNames(prefix: string, containers: ReadonlyArray<{ readonly name: string }>,
  reserved: ReadonlyMap<string, string>): void {
  const names = new Map<string, number>();
  containers.forEach((c, i) => {
    const p = `${prefix}additionalContainers[${i}].name`;
    validatePattern(p, c.name, BUILT_CONTAINER_NAME, BUILT_CONTAINER_NAME_ALLOWED);
    const holder = reserved.get(c.name);
    if (holder !== undefined) {
      throw new Error(`${p} ('${c.name}') is taken by ${holder}; it must differ from ${[...reserved.keys()].map(n => `'${n}'`).join(', ')}`);
    }
    if (names.has(c.name)) {
      throw new Error(`${p} ('${c.name}') is also ${prefix}additionalContainers[${names.get(c.name)}].name; names must be unique`);
    }
    names.set(c.name, i);
  });
}

/** What the task's containers and the load balancer resolve to. */
export interface ResolvedContainers {
  /** The container the load balancer targets. */
  readonly loadBalancerContainerName: string;
  /** Its port. */
  readonly loadBalancerContainerPort: number;
}

/**
 * Validates `additionalContainers` and `loadBalancerContainerName` against the application
 * container and the task size; every message names the prop (prefixed by `prefix`).
 */
export function resolveAdditionalContainers(prefix: string, props: ContainerOptions, app: {
  readonly containerName: string; readonly containerPort: number; readonly cpu: number; readonly memoryLimitMiB: number; readonly xrayPort?: number;
}): ResolvedContainers {
  const containers = props.additionalContainers ?? [];
  const fixed = app.xrayPort !== undefined ? 2 : 1;
  if (containers.length > MAX_CONTAINERS_PER_TASK - fixed) {
    throw new Error(`${prefix}additionalContainers (${containers.length}) is too many: a task definition holds at most ${MAX_CONTAINERS_PER_TASK} containers `
      + `and the application${fixed === 2 ? ' and the X-Ray sidecar take' : ' takes'} ${fixed}, so at most ${MAX_CONTAINERS_PER_TASK - fixed} more are allowed`);
  }
  validateBuiltContainerNames(prefix, containers, new Map([
    [app.containerName, 'the application container (containerName)'],
    [XRAY_CONTAINER_NAME, 'the X-Ray sidecar'],
  ]));
  const ports = new Map<number, string>([[app.containerPort, `containerPort (the application container '${app.containerName}')`]]);
  if (app.xrayPort !== undefined) { ports.set(app.xrayPort, 'the X-Ray daemon sidecar'); }
  containers.forEach((c, i) => {
    const p = `${prefix}additionalContainers[${i}]`;
    if (c.containerPort !== undefined && !Token.isUnresolved(c.containerPort)) {
      validatePort(`${p}.containerPort`, c.containerPort);
      const other = ports.get(c.containerPort);
      if (other) {
        throw new Error(`${p}.containerPort (${c.containerPort}) is already used by ${other}: the task's containers share one network namespace`);
      }
      ports.set(c.containerPort, `${prefix}additionalContainers[${i}] ('${c.name}')`);
    }
    validateInteger(`${p}.cpu`, c.cpu, 0, app.cpu);
    validateInteger(`${p}.memoryLimitMiB`, c.memoryLimitMiB, 6, app.memoryLimitMiB);
    validateCommands(`${p}.command`, c.command);
  });
  checkTaskTotal(prefix, containers, 'cpu', 'CPU units', app.cpu, app.xrayPort !== undefined ? XRAY_CPU : 0);
  checkTaskTotal(prefix, containers, 'memoryLimitMiB', 'MiB', app.memoryLimitMiB, app.xrayPort !== undefined ? XRAY_MEMORY_RESERVATION_MIB : 0);

  const lb = props.loadBalancerContainerName ?? app.containerName;
  if (lb === app.containerName) {
    return { loadBalancerContainerName: lb, loadBalancerContainerPort: app.containerPort };
  }
  const target = containers.find(c => c.name === lb);
  if (!target) {
    throw new Error(`${prefix}loadBalancerContainerName ('${lb}') must name the application container ('${app.containerName}') `
      + `or one of additionalContainers (${containers.length === 0 ? 'none given' : containers.map(c => `'${c.name}'`).join(', ')})`);
  }
  if (target.containerPort === undefined) {
    throw new Error(`${prefix}loadBalancerContainerName ('${lb}') names a container without containerPort; give additionalContainers[${containers.indexOf(target)}] a containerPort`);
  }
  return { loadBalancerContainerName: lb, loadBalancerContainerPort: target.containerPort };
}

/** The additional containers `addAdditionalContainers` created: their images come only from the pipeline's build. */
const DELIVERED_ADDITIONAL_CONTAINERS = new WeakSet<object>();

/** Whether `construct` is an additional container whose image only the pipeline's build delivers. */
export function isDeliveredAdditionalContainer(construct: object): construct is ecs.ContainerDefinition {
  return DELIVERED_ADDITIONAL_CONTAINERS.has(construct);
}

/**
 * On Fargate the CPU and memory the containers reserve must fit the task's together, not each
 * alone: "the total amount of CPU reserved for all containers within a task" must not exceed the
 * task's `cpu`, and likewise memory (the ECS Developer Guide, task definition parameters, container
 * `cpu` and `memory`); RegisterTaskDefinition fails at deploy time otherwise. Counted: what the
 * containers set (the additional containers' `cpu` / `memoryLimitMiB` and the X-Ray sidecar's
 * reservation); the application container sets neither and shares the rest.
 */
function checkTaskTotal(prefix: string, containers: BuiltContainerOptions[], prop: 'cpu' | 'memoryLimitMiB', unit: string,
  taskValue: number, sidecar: number): void {
  const set = containers.map((c, i) => ({ i, value: c[prop] })).filter(e => e.value !== undefined);
  if (set.length === 0 || Token.isUnresolved(taskValue) || set.some(e => Token.isUnresolved(e.value))) { return; }
  const total = set.reduce((sum, e) => sum + e.value!, sidecar);
  if (total > taskValue) {
    const parts = set.map(e => `${prefix}additionalContainers[${e.i}].${prop} (${e.value})`);
    if (sidecar > 0) { parts.push(`the X-Ray sidecar's ${sidecar}`); }
    throw new Error(`${parts.join(' + ')} = ${total} ${unit} exceeds the task's ${prefix}${prop} (${taskValue}): `
      + `on Fargate the containers' ${prop === 'cpu' ? 'CPU' : 'memory'} together must fit the task's; lower them or raise ${prefix}${prop}`);
  }
}

/**
 * Adds the additional containers to the task definition: the bootstrap image until the pipeline's
 * first deployment (an HTTP 200 on `healthCheckPath` at the port of the load-balanced container, on
 * '/' at the port of another container with a port, an idle shell otherwise), logging to the task's
 * log group under their own stream prefix.
 */
export function addAdditionalContainers(taskDefinition: ecs.FargateTaskDefinition, logGroup: logs.ILogGroup,
  containers: BuiltContainerOptions[], loadBalancerContainerName: string, healthCheckPath: string,
  commandlessArchitecture?: ecs.CpuArchitecture): ecs.ContainerDefinition[] {
  return containers.map(c => {
    const path = c.name === loadBalancerContainerName ? healthCheckPath : '/';
    // Engines that deploy by replacing images only (commandlessArchitecture set): a bootstrap image
    // that needs no command, and the real command from the start (every deployed revision inherits it).
    const bootstrap = commandlessArchitecture !== undefined
      ? { image: commandlessBootstrapImage(c.containerPort, path, commandlessArchitecture), dockerLabels: undefined, command: c.command }
      : c.containerPort === undefined
        ? idleBootstrapContainer(c.command)
        : bootstrapContainer(c.containerPort, path, c.command);
    const container = taskDefinition.addContainer(c.name, {
      containerName: c.name,
      image: bootstrap.image,
      dockerLabels: bootstrap.dockerLabels,
      command: bootstrap.command,
      essential: c.essential ?? true,
      cpu: c.cpu,
      memoryLimitMiB: c.memoryLimitMiB,
      portMappings: c.containerPort === undefined ? undefined : [{ containerPort: c.containerPort, protocol: ecs.Protocol.TCP }],
      environment: c.environment,
      secrets: c.secrets,
      healthCheck: c.containerHealthCheck,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: c.name }),
    });
    DELIVERED_ADDITIONAL_CONTAINERS.add(container);
    return container;
  });
}
